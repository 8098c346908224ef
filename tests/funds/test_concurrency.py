"""Concurrent payers: the balance never goes below zero, a case is never overpaid, a key pays once.

Each payer is a thread with its own app and request context, hence its own database session
and connection, as separate web workers would be. On PostgreSQL (TEST_DATABASE_URL) the
balance and case rows are locked with SELECT … FOR UPDATE; on SQLite every request
transaction starts with BEGIN IMMEDIATE, which serialises the writers.
"""

import threading

from sqlalchemy import func, select

from assist.cases.models import AidCase, CaseStatus
from assist.core.errors import DomainError
from assist.extensions import db
from assist.funds import services
from assist.funds.models import Fund, Payment
from assist.funds.reconcile import verify_ledger
from tests.factories import user
from tests.funds.factories import allocate_down, balance, make_fund, make_ready_case

PAYERS = 10


def _race(app, jobs):
    """Run each job(n) in its own thread and context, all released at once; collect outcomes."""
    barrier = threading.Barrier(len(jobs))
    outcomes: list = [None] * len(jobs)

    def run(n, job):
        with app.test_request_context():
            barrier.wait()
            try:
                outcomes[n] = job(n)
                db.session.commit()
            except DomainError as err:
                db.session.rollback()
                outcomes[n] = err.code
            except Exception as err:  # noqa: BLE001 - reported in the assertion below
                db.session.rollback()
                outcomes[n] = f"error: {err!r}"
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(n, job)) for n, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return outcomes


def _pay(case_id: int, fund_id: int, amount_fen: int, key: str, username: str):
    def job(_n):
        case = db.session.get(AidCase, case_id)
        payment, created = services.pay_case(
            case,
            acting_user=user(username),
            fund=db.session.get(Fund, fund_id),
            amount_fen=amount_fen,
            details=services.PaymentDetails(method="bank_transfer", reference=f"R-{key}"),
            idempotency_key=key,
        )
        return ("paid" if created else "repeat", payment.id)

    return job


def test_concurrent_payers_against_a_balance_for_only_some(app, network):
    fund = make_fund(received_fen=10_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 550_000)
    cases = [make_ready_case(network["SZ-GS-PJ"], amount_fen=100_000) for _ in range(PAYERS)]
    fund_id, case_ids = fund.id, [c.id for c in cases]
    db.session.commit()
    payers = ["sz-gs-pj.finance", "sz-gs.finance"]
    outcomes = _race(
        app,
        [
            _pay(case_id, fund_id, 100_000, f"race-{n:04d}", payers[n % 2])
            for n, case_id in enumerate(case_ids)
        ],
    )
    db.session.rollback()
    paid = [o for o in outcomes if isinstance(o, tuple) and o[0] == "paid"]
    refused = [o for o in outcomes if o == "insufficient_balance"]
    assert (len(paid), len(refused)) == (5, 5), outcomes
    assert balance(fund, "SZ-GS-PJ") == 50_000
    statuses = sorted(db.session.get(AidCase, cid).status for cid in case_ids)
    assert statuses == [CaseStatus.PAID] * 5 + [CaseStatus.READY_TO_PAY] * 5
    assert verify_ledger() == []


def test_concurrent_payers_of_one_case_never_exceed_its_approval(app, network):
    fund = make_fund(received_fen=10_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 5_000_000)
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=100_000)
    fund_id, case_id = fund.id, case.id
    db.session.commit()
    outcomes = _race(
        app,
        [_pay(case_id, fund_id, 40_000, f"share-{n:04d}", "sz-gs-pj.finance") for n in range(8)],
    )
    db.session.rollback()
    assert sum(isinstance(o, tuple) for o in outcomes) == 2, outcomes
    assert outcomes.count("over_approved") == 6, outcomes
    case = db.session.get(AidCase, case_id)
    assert case.paid_fen == 80_000 and case.status == CaseStatus.PARTLY_PAID
    assert verify_ledger() == []


def test_the_same_key_sent_at_once_pays_once(app, network):
    fund = make_fund(received_fen=10_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 5_000_000)
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=100_000)
    fund_id, case_id = fund.id, case.id
    db.session.commit()
    outcomes = _race(
        app, [_pay(case_id, fund_id, 30_000, "same-key-0001", "sz-gs-pj.finance") for _ in range(8)]
    )
    db.session.rollback()
    assert all(isinstance(o, tuple) for o in outcomes), outcomes
    assert [o[0] for o in outcomes].count("paid") == 1
    assert len({o[1] for o in outcomes}) == 1
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert balance(fund, "SZ-GS-PJ") == 5_000_000 - 30_000
    assert verify_ledger() == []
