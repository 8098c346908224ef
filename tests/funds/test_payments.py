"""Paying cases: partial and full, methods, idempotency, separation of duties, reversals."""

import re

from sqlalchemy import func, select

from assist.audit.models import AuditEntry
from assist.auth import services as auth_services
from assist.auth.models import Role
from assist.cases.models import AidKind, CaseEvent, CaseStatus
from assist.extensions import db
from assist.funds.models import EntryKind, LedgerEntry, Payment
from assist.funds.reconcile import verify_ledger
from tests.conftest import PASSWORD, api_token, login, post_form
from tests.funds.factories import allocate_down, balance, make_fund, make_ready_case

KEY_RE = re.compile(r'name="idempotency_key" type="hidden" value="([0-9a-f]+)"')


def _funded_station(amount_fen=500_000, **fund_kwargs):
    fund = make_fund(received_fen=2_000_000, **fund_kwargs)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], amount_fen)
    return fund


def _pay_form(client, case_id):
    html = client.get(f"/funds/cases/{case_id}/pay").get_data(as_text=True)
    match = KEY_RE.search(html)
    assert match, "the payment form carries no idempotency key"
    return html, match.group(1)


def test_full_payment_by_bank_transfer_through_the_page(client, network):
    fund = _funded_station()
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=150_000)
    login(client, "sz-gs-pj.finance")
    html, key = _pay_form(client, case.id)
    assert "**** **** 4567" in html  # the household's own account, last four digits only
    assert "6222021102001234567" not in html
    response = post_form(
        client,
        f"/funds/cases/{case.id}/pay",
        {
            "source": f"{fund.id}:{network['SZ-GS-PJ'].id}",
            "method": "bank_transfer",
            "amount": "1500.00",
            "reference": "ICBC2026112500001",
            "idempotency_key": key,
        },
        token_from=f"/funds/cases/{case.id}/pay",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    payment = db.session.scalars(select(Payment)).one()
    assert payment.account_last4 == "4567" and payment.bank_reference == "ICBC2026112500001"
    assert case.status == CaseStatus.PAID and case.paid_fen == 150_000
    assert balance(fund, "SZ-GS-PJ") == 350_000
    event = db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
    assert (event.action, event.from_status, event.to_status, event.amount_fen) == (
        "pay",
        "ready_to_pay",
        "paid",
        150_000,
    )
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert {"payment.created", "case.pay"} <= actions
    voucher = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "人民币壹仟伍佰元整" in voucher
    assert verify_ledger() == []
    # One mask format for the account wherever it shows: the payment page and the export.
    assert "**** **** 4567" in voucher and "6222021102001234567" not in voucher
    export = client.get("/funds/payments?format=csv").data.decode("utf-8-sig")
    assert "**** **** 4567" in export and "6222021102001234567" not in export


def test_the_same_form_submitted_twice_pays_once(client, network):
    fund = _funded_station()
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=100_000)
    login(client, "sz-gs-pj.finance")
    _html, key = _pay_form(client, case.id)
    data = {
        "source": f"{fund.id}:{network['SZ-GS-PJ'].id}",
        "method": "cash",
        "amount": "400",
        "signed_by": "王建国",
        "signed_on": "2026-01-05",
        "idempotency_key": key,
    }
    url = f"/funds/cases/{case.id}/pay"
    first = post_form(client, url, data, token_from=url)
    second = post_form(client, url, data, token_from=url)
    assert first.status_code == second.status_code == 302
    assert first.headers["Location"] == second.headers["Location"]
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert case.paid_fen == 40_000 and case.status == CaseStatus.PARTLY_PAID
    page = client.get(second.headers["Location"], follow_redirects=True).get_data(as_text=True)
    assert "nothing was paid twice" in page or "不会重复发放" in page
    # a new rendering of the form gets a new key: the rest can be paid
    _html, key2 = _pay_form(client, case.id)
    assert key2 != key
    rest = post_form(client, url, dict(data, amount="600", idempotency_key=key2), token_from=url)
    assert rest.status_code == 302
    assert case.status == CaseStatus.PAID and case.paid_fen == 100_000
    assert verify_ledger() == []


def test_partial_payments_never_exceed_the_approved_amount(client, network):
    fund = _funded_station()
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=100_000)
    headers = api_token(client, "sz-gs-pj.finance")
    url = f"/api/v1/cases/{case.id}/payments"
    body = {"fund_id": fund.id, "method": "cash", "signed_by": "王建国", "signed_on": "2026-01-05"}
    first = client.post(
        url, json=dict(body, amount="600.00", idempotency_key="key-part-0001"), headers=headers
    )
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["case_status"] == "partly_paid"
    over = client.post(
        url, json=dict(body, amount="400.01", idempotency_key="key-part-0002"), headers=headers
    )
    assert over.status_code == 409
    assert over.get_json()["error"]["code"] == "over_approved"
    assert over.get_json()["error"]["remaining"] == "400.00"
    rest = client.post(
        url, json=dict(body, amount="400.00", idempotency_key="key-part-0003"), headers=headers
    )
    assert rest.status_code == 201
    assert rest.get_json()["case_status"] == "paid"
    more = client.post(
        url, json=dict(body, amount="0.01", idempotency_key="key-part-0004"), headers=headers
    )
    assert more.status_code == 409 and more.get_json()["error"]["code"] == "not_ready"
    assert case.paid_fen == 100_000
    assert balance(fund, "SZ-GS-PJ") == 400_000
    assert verify_ledger() == []


def test_api_repeat_with_the_same_key_answers_200_with_the_same_payment(client, network):
    fund = _funded_station()
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=100_000)
    headers = api_token(client, "sz-gs-pj.finance")
    body = {
        "fund_id": fund.id,
        "amount": "1000",
        "method": "bank_transfer",
        "reference": "ABC123",
        "idempotency_key": "3f0c1c1e-1b7e-4d7e-9a57-3f1d2c9e0a11",
    }
    first = client.post(f"/api/v1/cases/{case.id}/payments", json=body, headers=headers)
    again = client.post(f"/api/v1/cases/{case.id}/payments", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert db.session.scalar(select(func.count(Payment.id))) == 1
    assert balance(fund, "SZ-GS-PJ") == 400_000
    other = make_ready_case(network["SZ-GS-PJ"], amount_fen=100_000)
    reused = client.post(f"/api/v1/cases/{other.id}/payments", json=body, headers=headers)
    assert reused.status_code == 409
    assert reused.get_json()["error"]["code"] == "idempotency_key_reused"


def test_the_payment_note_on_the_timeline_is_chinese_for_an_english_speaking_officer(
    client, network
):
    """The timeline row a payment writes is printed on the Chinese case file."""
    from assist.auth.models import User

    officer = db.session.scalars(select(User).where(User.username == "sz-gs-pj.finance")).one()
    officer.locale = "en"
    db.session.commit()
    fund = _funded_station()
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=100_000)
    body = {
        "fund_id": fund.id,
        "amount": "1000",
        "method": "bank_transfer",
        "reference": "R1",
        "idempotency_key": "9b1c7f52-3c3e-4d0a-8d55-0c3f0a7e2b10",
    }
    response = client.post(
        f"/api/v1/cases/{case.id}/payments",
        json=body,
        headers=api_token(client, "sz-gs-pj.finance"),
    )
    assert response.status_code == 201
    note = db.session.scalars(
        select(CaseEvent.comment).where(CaseEvent.case_id == case.id, CaseEvent.action == "pay")
    ).one()
    assert note.startswith("从") and "发放¥1,000.00" in note and "payment" not in note


def test_api_refuses_an_overdraft_with_insufficient_balance(client, network):
    fund = _funded_station(amount_fen=50_000)
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=100_000)
    headers = api_token(client, "sz-gs-pj.finance")
    response = client.post(
        f"/api/v1/cases/{case.id}/payments",
        json={
            "fund_id": fund.id,
            "amount": "500.01",
            "method": "bank_transfer",
            "reference": "R1",
            "idempotency_key": "overdraft-0001",
        },
        headers=headers,
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "insufficient_balance" and error["available"] == "500.00"
    assert case.status == CaseStatus.READY_TO_PAY and case.paid_fen == 0
    assert balance(fund, "SZ-GS-PJ") == 50_000


def test_the_fund_must_allow_the_kind_of_aid(client, network):
    fund = _funded_station(kinds=(AidKind.SCHOOLING,))
    case = make_ready_case(network["SZ-GS-PJ"], kind=AidKind.MEDICAL)
    headers = api_token(client, "sz-gs-pj.finance")
    response = client.post(
        f"/api/v1/cases/{case.id}/payments",
        json={
            "fund_id": fund.id,
            "amount": "10",
            "method": "cash",
            "signed_by": "王",
            "signed_on": "2026-01-01",
            "idempotency_key": "kind-check-01",
        },
        headers=headers,
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "fund_not_allowed"


def test_a_case_not_yet_ready_cannot_be_paid(client, network):
    fund = _funded_station()
    case = make_ready_case(network["SZ-GS-PJ"])
    case.status = CaseStatus.IN_NOTICE
    headers = api_token(client, "sz-gs-pj.finance")
    response = client.post(
        f"/api/v1/cases/{case.id}/payments",
        json={
            "fund_id": fund.id,
            "amount": "10",
            "method": "cash",
            "signed_by": "王",
            "signed_on": "2026-01-01",
            "idempotency_key": "not-ready-01",
        },
        headers=headers,
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "not_ready"


def test_the_approver_cannot_pay_the_case(client, network):
    fund = _funded_station()
    both = auth_services.create_user(
        acting_user=None,
        username="pj.both",
        centre=network["SZ-GS-PJ"],
        roles=[Role.SUPERVISOR, Role.FINANCE],
        password=PASSWORD,
        full_name="兼任",
        must_change_password=False,
    )
    case = make_ready_case(network["SZ-GS-PJ"], approver="pj.both")
    assert case.approved_by_id == both.id
    login(client, "pj.both")
    html, key = _pay_form(client, case.id)
    assert "You approved this case" in html or "您审批了此案件" in html
    response = post_form(
        client,
        f"/funds/cases/{case.id}/pay",
        {
            "source": f"{fund.id}:{network['SZ-GS-PJ'].id}",
            "method": "bank_transfer",
            "amount": "100",
            "reference": "R",
            "idempotency_key": key,
        },
        token_from=f"/funds/cases/{case.id}/pay",
    )
    assert response.status_code == 403
    assert db.session.scalar(select(func.count(Payment.id))) == 0
    api = client.post(
        f"/api/v1/cases/{case.id}/payments",
        json={
            "fund_id": fund.id,
            "amount": "100",
            "method": "bank_transfer",
            "reference": "R",
            "idempotency_key": "approver-001",
        },
        headers=api_token(client, "pj.both"),
    )
    assert api.status_code == 403
    assert api.get_json()["error"]["code"] == "separation_of_duties"


def test_reversal_by_another_officer_puts_the_case_back_to_ready(client, network, app):
    fund = _funded_station()
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=80_000)
    payer = api_token(client, "sz-gs-pj.finance")
    paid = client.post(
        f"/api/v1/cases/{case.id}/payments",
        json={
            "fund_id": fund.id,
            "amount": "800",
            "method": "bank_transfer",
            "reference": "R-1",
            "idempotency_key": "reverse-me-01",
        },
        headers=payer,
    ).get_json()
    assert balance(fund, "SZ-GS-PJ") == 420_000
    own = client.post(
        f"/api/v1/payments/{paid['id']}/reverse", json={"reason": "退票"}, headers=payer
    )
    assert own.status_code == 403 and own.get_json()["error"]["code"] == "separation_of_duties"

    other = app.test_client()
    login(other, "sz-gs.finance")
    page = f"/funds/payments/{paid['id']}"
    no_reason = post_form(other, f"{page}/reverse", {"reason": ""}, token_from=page)
    assert no_reason.status_code == 302
    assert case.status == CaseStatus.PAID
    done = post_form(other, f"{page}/reverse", {"reason": "银行退票：账号已注销"}, token_from=page)
    assert done.status_code == 302
    assert case.status == CaseStatus.READY_TO_PAY and case.paid_fen == 0
    assert balance(fund, "SZ-GS-PJ") == 500_000
    reversal = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.kind == EntryKind.REVERSAL)
    ).one()
    assert reversal.amount_fen == 80_000 and reversal.note == "银行退票：账号已注销"
    assert reversal.related_entry_id is not None
    events = [
        e.action for e in db.session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id))
    ]
    assert events == ["pay", "reverse_payment"]
    twice = post_form(other, f"{page}/reverse", {"reason": "again"}, token_from=page)
    assert twice.status_code == 302
    assert (
        db.session.scalar(select(func.count(LedgerEntry.id)).where(LedgerEntry.kind == "reversal"))
        == 1
    )
    # the case can be paid again
    again = client.post(
        f"/api/v1/cases/{case.id}/payments",
        json={
            "fund_id": fund.id,
            "amount": "800",
            "method": "cash",
            "signed_by": "王建国",
            "signed_on": "2026-01-06",
            "idempotency_key": "reverse-me-02",
        },
        headers=payer,
    )
    assert again.status_code == 201
    assert verify_ledger() == []


def test_goods_in_kind_are_valued_item_by_item(client, network):
    fund = _funded_station(kinds=(AidKind.HOLIDAY,))
    case = make_ready_case(network["SZ-GS-PJ"], kind=AidKind.HOLIDAY, amount_fen=50_000)
    login(client, "sz-gs-pj.finance")
    _html, key = _pay_form(client, case.id)
    url = f"/funds/cases/{case.id}/pay"
    response = post_form(
        client,
        url,
        {
            "source": f"{fund.id}:{network['SZ-GS-PJ'].id}",
            "method": "in_kind",
            "amount": "",
            "items-0-name": "大米10公斤",
            "items-0-quantity": "2",
            "items-0-unit_value": "60",
            "items-1-name": "食用油5升",
            "items-1-quantity": "1",
            "items-1-unit_value": "80.50",
            "signed_by": "王建国",
            "signed_on": "2026-01-20",
            "idempotency_key": key,
        },
        token_from=url,
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    payment = db.session.scalars(select(Payment)).one()
    assert payment.amount_fen == 20_050
    assert [i["value_fen"] for i in payment.items] == [12_000, 8_050]
    assert case.status == CaseStatus.PARTLY_PAID


def test_cash_needs_the_recipients_signature(client, network):
    fund = _funded_station()
    case = make_ready_case(network["SZ-GS-PJ"])
    login(client, "sz-gs-pj.finance")
    _html, key = _pay_form(client, case.id)
    url = f"/funds/cases/{case.id}/pay"
    response = post_form(
        client,
        url,
        {
            "source": f"{fund.id}:{network['SZ-GS-PJ'].id}",
            "method": "cash",
            "amount": "100",
            "signed_by": "",
            "idempotency_key": key,
        },
        token_from=url,
    )
    assert response.status_code == 422
    assert 'data-field-error="signed_by"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Payment.id))) == 0


def test_a_household_without_an_account_cannot_be_paid_by_transfer(client, network):
    fund = _funded_station()
    case = make_ready_case(network["SZ-GS-PJ"], with_account=False)
    response = client.post(
        f"/api/v1/cases/{case.id}/payments",
        json={
            "fund_id": fund.id,
            "amount": "100",
            "method": "bank_transfer",
            "reference": "R",
            "idempotency_key": "no-account-01",
        },
        headers=api_token(client, "sz-gs-pj.finance"),
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "no_bank_account"


def test_a_district_may_pay_a_station_case_from_its_own_balance(client, network):
    fund = make_fund(received_fen=1_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS")], 300_000)
    case = make_ready_case(network["SZ-GS-CL"], amount_fen=20_000)
    response = client.post(
        f"/api/v1/cases/{case.id}/payments",
        json={
            "fund_id": fund.id,
            "amount": "200",
            "method": "bank_transfer",
            "reference": "R",
            "centre_code": "SZ-GS",
            "idempotency_key": "district-pays-1",
        },
        headers=api_token(client, "sz-gs.finance"),
    )
    assert response.status_code == 201, response.get_json()
    assert balance(fund, "SZ-GS") == 280_000
    # a station cannot pay from its district's balance
    other = make_ready_case(network["SZ-GS-CL"], amount_fen=20_000)
    station = client.post(
        f"/api/v1/cases/{other.id}/payments",
        json={
            "fund_id": fund.id,
            "amount": "200",
            "method": "bank_transfer",
            "reference": "R",
            "centre_code": "SZ-GS",
            "idempotency_key": "district-pays-2",
        },
        headers=api_token(client, "sz-gs-cl.finance"),
    )
    assert station.status_code == 422


def test_payment_pages_need_a_fresh_sign_in(client, network):
    case = make_ready_case(network["SZ-GS-PJ"])
    login(client, "sz-gs-pj.finance")
    with client.session_transaction() as session:
        session["_fresh"] = False
    response = client.get(f"/funds/cases/{case.id}/pay")
    assert response.status_code == 302
    assert (
        "/reauthenticate" in response.headers["Location"]
        or "reauth" in response.headers["Location"]
    )


def test_outside_scope_is_not_found(client, network):
    case = make_ready_case(network["SZ-WZ-CQ"])
    login(client, "sz-gs.finance")
    assert client.get(f"/funds/cases/{case.id}/pay").status_code == 404
