"""Property: any sequence of allocations, returns, payments and reversals keeps every balance
equal to its ledger sum and never negative, and succeeds exactly when a simple model says so."""

import itertools
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from assist.cases.models import AidKind
from assist.core.errors import DomainError
from assist.core.resident_id import make_resident_id
from assist.extensions import db
from assist.funds import services
from assist.funds.models import Balance, LedgerEntry
from assist.funds.reconcile import verify_ledger
from tests.factories import user
from tests.funds.factories import make_fund, make_ready_case

#: centre → parent, for the part of the network the model uses.
PARENT = {
    "SZ-GS": "SZ",
    "SZ-WZ": "SZ",
    "SZ-GS-PJ": "SZ-GS",
    "SZ-GS-CL": "SZ-GS",
    "SZ-WZ-CQ": "SZ-WZ",
}
CENTRES = ["SZ", *PARENT]
STATIONS = ["SZ-GS-PJ", "SZ-GS-CL", "SZ-WZ-CQ"]
OPENING = [
    ("SZ-GS", 250_000),
    ("SZ-WZ", 150_000),
    ("SZ-GS-PJ", 80_000),
    ("SZ-GS-CL", 80_000),
    ("SZ-WZ-CQ", 80_000),
]
APPROVED = 60_000
_names = itertools.count(1)
_births = itertools.count(0)


def _resident_id() -> str:
    """A distinct valid ID per household however many examples hypothesis runs."""
    return make_resident_id("320502", date(1950, 1, 1) + timedelta(days=next(_births)), 101)


#: An amount, either absolute or relative to the limit that matters (what the giving centre
#: holds, what the case has left): limit − 1, limit and limit + 1 are where bugs hide.
amounts = st.one_of(
    st.tuples(st.just("abs"), st.integers(1, 400_000)),
    st.tuples(st.just("edge"), st.integers(-1, 1)),
)


def _amount(choice, limit: int) -> int:
    how, value = choice
    return value if how == "abs" else max(limit + value, 1)


operations = st.lists(
    st.one_of(
        st.tuples(st.just("allocate"), st.sampled_from(list(PARENT)), amounts),
        st.tuples(st.just("return"), st.sampled_from(list(PARENT)), amounts),
        st.tuples(st.just("pay"), st.integers(0, 2), amounts, st.booleans()),
        st.tuples(st.just("reverse"), st.integers(0, 7)),
    ),
    min_size=1,
    max_size=25,
)


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=operations)
def test_balances_always_equal_their_ledger_and_never_go_negative(network, ops):
    fund = make_fund(
        received_fen=600_000, name=f"性质测试资金{next(_names)}", kinds=(AidKind.LIVING,)
    )
    cases = [
        make_ready_case(network[code], amount_fen=APPROVED, id_number=_resident_id())
        for code in STATIONS
    ]
    model = dict.fromkeys(CENTRES, 0)
    model["SZ"] = 600_000
    for child, amount in OPENING:  # enough money at every tier for the case limits to matter
        services.allocate(
            fund,
            acting_user=user(f"{PARENT[child].lower()}.finance"),
            to_centre=network[child],
            amount_fen=amount,
        )
        model[PARENT[child]] -= amount
        model[child] += amount
    db.session.commit()
    paid = [0, 0, 0]
    payments: list[tuple[object, int, int, str]] = []  # (payment, case index, amount, centre)
    reversed_ids: set[int] = set()

    for op in ops:
        kind = op[0]
        savepoint = db.session.begin_nested()
        try:
            if kind == "allocate":
                _k, child, choice = op
                giver = PARENT[child]
                amount = _amount(choice, model[giver])
                expected = amount <= model[giver]
                services.allocate(
                    fund,
                    acting_user=user(f"{giver.lower()}.finance"),
                    to_centre=network[child],
                    amount_fen=amount,
                )
                model[giver] -= amount
                model[child] += amount
            elif kind == "return":
                _k, centre, choice = op
                amount = _amount(choice, model[centre])
                expected = amount <= model[centre]
                services.return_up(
                    fund,
                    acting_user=user(f"{centre.lower()}.finance"),
                    amount_fen=amount,
                    reason="结余上缴",
                )
                model[centre] -= amount
                model[PARENT[centre]] += amount
            elif kind == "pay":
                _k, index, choice, from_district = op
                station = STATIONS[index]
                centre = PARENT[station] if from_district else station
                amount = _amount(choice, APPROVED - paid[index])
                expected = amount <= APPROVED - paid[index] and amount <= model[centre]
                payment, created = services.pay_case(
                    cases[index],
                    acting_user=user(f"{centre.lower()}.finance"),
                    fund=fund,
                    centre=network[centre],
                    amount_fen=amount,
                    details=services.PaymentDetails(
                        method="cash", signed_by="王建国", signed_on=date(2026, 1, 5)
                    ),
                    idempotency_key=services.new_idempotency_key(),
                )
                assert created
                model[centre] -= amount
                paid[index] += amount
                payments.append((payment, index, amount, centre))
            else:
                _k, pick = op
                expected = (
                    bool(payments) and payments[pick % len(payments)][0].id not in reversed_ids
                )
                if not payments:
                    savepoint.rollback()
                    continue
                payment, index, amount, centre = payments[pick % len(payments)]
                reverser = "sz.finance"  # never the payer, who is always a station or district
                services.reverse_payment(payment, acting_user=user(reverser), reason="更正")
                reversed_ids.add(payment.id)
                model[centre] += amount
                paid[index] -= amount
        except DomainError:
            savepoint.rollback()
            assert not expected, f"{op} was refused though the model allows it"
        else:
            savepoint.commit()
            assert expected, f"{op} succeeded though the model forbids it"
        _check(fund, model, network)
        assert [c.paid_fen for c in cases] == paid
    db.session.commit()
    assert verify_ledger() == []


def _check(fund, model, network):
    rows = {
        b.centre_id: b.balance_fen
        for b in db.session.scalars(select(Balance).where(Balance.fund_id == fund.id))
    }
    sums = dict(
        db.session.execute(
            select(LedgerEntry.centre_id, func.sum(LedgerEntry.amount_fen))
            .where(LedgerEntry.fund_id == fund.id)
            .group_by(LedgerEntry.centre_id)
        ).all()
    )
    for code, expected in model.items():
        cid = network[code].id
        assert rows.get(cid, 0) == expected == (sums.get(cid) or 0), code
        assert expected >= 0
