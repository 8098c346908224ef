"""Payment batches: all cases paid or none, each blocker named, and the roster."""

from datetime import date

import pytest
from sqlalchemy import func, select

from assist.cases.models import AidKind, CaseStatus
from assist.extensions import db
from assist.funds import batches, services
from assist.funds.models import LedgerEntry, Payment, PaymentBatch
from assist.funds.reconcile import verify_ledger
from tests.conftest import login, post_form
from tests.factories import user
from tests.funds.factories import allocate_down, balance, make_fund, make_ready_case


def _setup(network, station_fen=1_000_000):
    fund = make_fund(received_fen=3_000_000, kinds=(AidKind.HOLIDAY, AidKind.LIVING))
    allocate_down(fund, [("sz.finance", "SZ-GS")], 2_000_000)
    allocate_down(fund, [("sz-gs.finance", "SZ-GS-PJ")], station_fen)
    return fund


def _batch_through_pages(client, network, fund, cases, method="cash"):
    login(client, "sz-gs-pj.finance")
    response = post_form(
        client,
        "/funds/batches/new",
        {
            "title": "2027年春节送温暖慰问金",
            "source": f"{fund.id}:{network['SZ-GS-PJ'].id}",
            "method": method,
        },
        token_from="/funds/batches/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    url = response.headers["Location"]
    added = post_form(client, f"{url}/add", {"cases": [c.id for c in cases]}, token_from=url)
    assert added.status_code == 302
    return url


def test_a_batch_pays_every_case_and_gives_the_roster(client, network):
    fund = _setup(network)
    cases = [
        make_ready_case(
            network["SZ-GS-PJ"], kind=AidKind.HOLIDAY, amount_fen=100_000 + n, name=f"李{n}"
        )
        for n in range(3)
    ]
    url = _batch_through_pages(client, network, fund, cases)
    roster = client.get(f"{url}/roster").get_data(as_text=True)
    assert "发放花名册" in roster or "Payment roster" in roster
    assert "DRAFT" in roster or "草稿" in roster
    paid = post_form(client, f"{url}/pay", {"paid_on": "2026-01-20"}, token_from=url)
    assert paid.status_code == 302
    assert all(c.status == CaseStatus.PAID for c in cases)
    assert db.session.scalar(select(func.count(Payment.id))) == 3
    assert balance(fund, "SZ-GS-PJ") == 1_000_000 - 300_003
    batch = db.session.scalars(select(PaymentBatch)).one()
    assert batch.status == "paid"
    data = batches.roster_data(batch)
    assert data["count"] == 3 and data["total_fen"] == 300_003
    assert data["total_capitals"] == "人民币叁仟元零叁分"
    assert data["rows"][0]["name"] == "李0"
    assert "********" in data["rows"][0]["id_masked"]
    roster = client.get(f"{url}/roster").get_data(as_text=True)
    assert "人民币叁仟元零叁分" in roster and "李2" in roster
    # a reversed payment stays on the roster, marked
    services.reverse_payment(
        db.session.scalars(select(Payment).order_by(Payment.id)).first(),
        acting_user=user("sz-gs.finance"),
        reason="领取人已去世，由家属另行申请",
    )
    db.session.commit()
    rows = batches.roster_data(batch)["rows"]
    assert [r["is_reversed"] for r in rows] == [True, False, False]
    # paying it again pays nothing more
    again = post_form(client, f"{url}/pay", {"paid_on": "2026-01-20"}, token_from=url)
    assert again.status_code == 302
    assert db.session.scalar(select(func.count(Payment.id))) == 3
    assert cases[0].status == CaseStatus.READY_TO_PAY
    assert verify_ledger() == []


def test_a_batch_with_a_blocked_case_pays_none_and_says_why(client, network):
    fund = _setup(network)
    good = make_ready_case(network["SZ-GS-PJ"], kind=AidKind.HOLIDAY, amount_fen=100_000)
    blocked = make_ready_case(network["SZ-GS-PJ"], kind=AidKind.HOLIDAY, amount_fen=100_000)
    url = _batch_through_pages(client, network, fund, [good, blocked])
    # between building the batch and paying it, someone pays one case in part elsewhere
    blocked.amount_approved_fen = 50_000  # and its approved amount falls below the batch's
    db.session.commit()
    response = post_form(client, f"{url}/pay", {"paid_on": "2026-01-20"}, token_from=url)
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert blocked.case_no in html and "over_approved" in html
    assert good.status == CaseStatus.READY_TO_PAY and blocked.status == CaseStatus.READY_TO_PAY
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    assert (
        db.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "payment"))
        == 0
    )
    assert balance(fund, "SZ-GS-PJ") == 1_000_000


def test_a_batch_beyond_the_balance_pays_none(network):
    fund = _setup(network, station_fen=150_000)
    cases = [
        make_ready_case(network["SZ-GS-PJ"], kind=AidKind.HOLIDAY, amount_fen=100_000)
        for _ in range(2)
    ]
    finance = user("sz-gs-pj.finance")
    batch = batches.create_batch(acting_user=finance, title="春节", fund=fund, method="cash")
    for case in cases:
        batches.add_case(batch, case, acting_user=finance)
    db.session.commit()
    with pytest.raises(batches.BatchBlocked) as err:
        batches.pay_batch(batch, acting_user=finance, paid_on=date(2026, 1, 20))
    db.session.rollback()
    codes = [b["code"] for b in err.value.extra["blocking"]]
    assert codes == ["insufficient_balance"]
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    assert balance(fund, "SZ-GS-PJ") == 150_000


def test_every_blocking_case_is_listed(network):
    fund = _setup(network)
    finance = user("sz-gs.finance")
    ok = make_ready_case(network["SZ-GS-PJ"], kind=AidKind.HOLIDAY)
    withdrawn = make_ready_case(network["SZ-GS-PJ"], kind=AidKind.HOLIDAY)
    approved_by_payer = make_ready_case(network["SZ-GS-PJ"], kind=AidKind.HOLIDAY)
    no_account = make_ready_case(network["SZ-GS-PJ"], kind=AidKind.HOLIDAY, with_account=False)
    batch = batches.create_batch(
        acting_user=finance,
        title="春节",
        fund=fund,
        method="bank_transfer",
        centre=network["SZ-GS-PJ"],
    )
    for case in (ok, withdrawn, approved_by_payer, no_account):
        batches.add_case(batch, case, acting_user=finance)
    withdrawn.status = CaseStatus.WITHDRAWN
    approved_by_payer.approved_by_id = finance.id
    db.session.commit()
    with pytest.raises(batches.BatchBlocked) as err:
        batches.pay_batch(batch, acting_user=finance, reference="BULK-1")
    db.session.rollback()
    found = {b["case_no"]: b["code"] for b in err.value.extra["blocking"]}
    assert found == {
        withdrawn.case_no: "not_ready",
        approved_by_payer.case_no: "separation_of_duties",
        no_account.case_no: "no_bank_account",
    }
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_cases_of_a_kind_the_fund_cannot_pay_are_not_offered(client, network):
    fund = _setup(network)
    medical = make_ready_case(network["SZ-GS-PJ"], kind=AidKind.MEDICAL)
    holiday = make_ready_case(network["SZ-GS-PJ"], kind=AidKind.HOLIDAY)
    finance = user("sz-gs-pj.finance")
    batch = batches.create_batch(acting_user=finance, title="春节", fund=fund, method="cash")
    offered = {c.id for c in batches.eligible_cases(batch, finance)}
    assert holiday.id in offered and medical.id not in offered
