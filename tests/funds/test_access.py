"""Who sees and does what: roles, and own centre / child / sibling / parent scope."""

import pytest

from assist.extensions import db
from tests.conftest import api_token, login
from tests.factories import user
from tests.funds.factories import allocate_down, make_fund, make_ready_case


@pytest.fixture
def paid(network):
    """A payment and a draft batch at SZ-GS-PJ, from a city fund allocated down."""
    from assist.funds import batches, services

    fund = make_fund(received_fen=1_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 300_000)
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=10_000)
    payment, _ = services.pay_case(
        case,
        acting_user=user("sz-gs-pj.finance"),
        fund=fund,
        amount_fen=10_000,
        details=services.PaymentDetails(method="bank_transfer", reference="R1"),
        idempotency_key="access-matrix-1",
    )
    batch = batches.create_batch(
        acting_user=user("sz-gs-pj.finance"), title="春节", fund=fund, method="cash"
    )
    db.session.commit()
    return {
        "fund": fund,
        "payment": payment,
        "batch": batch,
        "case": make_ready_case(network["SZ-GS-PJ"]),
    }


@pytest.mark.parametrize(
    ("username", "visible"),
    [
        ("sz-gs-pj.auditor", True),  # own centre
        ("sz-gs.auditor", True),  # parent of the station
        ("sz.auditor", True),  # the city
        ("sz-gs-cl.auditor", False),  # sibling station
        ("sz-wz.auditor", False),  # another district
    ],
)
def test_scope_of_payments_batches_and_funds(app, paid, username, visible):
    client = app.test_client()
    login(client, username)
    expected = 200 if visible else 404
    assert client.get(f"/funds/payments/{paid['payment'].id}").status_code == expected
    assert client.get(f"/funds/batches/{paid['batch'].id}").status_code == expected
    assert client.get(f"/funds/batches/{paid['batch'].id}/roster").status_code == expected
    headers = api_token(client, username)
    assert (
        client.get(f"/api/v1/payments/{paid['payment'].id}", headers=headers).status_code
        == expected
    )
    fund_status = client.get(f"/funds/{paid['fund'].id}").status_code
    assert fund_status == (200 if visible else 404)


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("sz-gs-pj.finance", 200),
        ("sz-gs.finance", 200),
        ("sz-gs-cl.finance", 404),
        ("sz-gs-pj.auditor", 403),
        ("sz-gs-pj.supervisor", 403),
    ],
)
def test_who_may_open_the_payment_form(app, paid, username, status):
    client = app.test_client()
    login(client, username)
    assert client.get(f"/funds/cases/{paid['case'].id}/pay").status_code == status


@pytest.mark.parametrize("role", ["caseworker", "supervisor"])
def test_case_roles_do_not_see_the_funds_pages(app, paid, role):
    client = app.test_client()
    login(client, f"sz.{role}")
    for url in (
        "/funds/balances",
        "/funds/ledger",
        "/funds/reconciliation",
        "/funds/payments",
        "/funds/batches",
    ):
        assert client.get(url).status_code == 403, url
    assert client.get("/api/v1/funds", headers=api_token(client, f"sz.{role}")).status_code == 403


def test_api_funds_lists_balances_within_scope(app, paid):
    client = app.test_client()
    items = client.get("/api/v1/funds", headers=api_token(client, "sz-gs.finance")).get_json()[
        "items"
    ]
    assert len(items) == 1
    balances = {b["centre_code"]: b for b in items[0]["balances"]}
    assert set(balances) == {"SZ-GS", "SZ-GS-PJ"}
    assert balances["SZ-GS-PJ"] == {
        "centre_code": "SZ-GS-PJ",
        "received": "3000.00",
        "allocated_down": "0.00",
        "returned_up": "0.00",
        "paid": "100.00",
        "reversed": "0.00",
        "available": "2900.00",
    }
    assert balances["SZ-GS"]["allocated_down"] == "3000.00"
    other = client.get("/api/v1/funds", headers=api_token(client, "sz-wz.finance")).get_json()
    assert other["items"] == []


def test_api_allocation(app, network):
    fund = make_fund(received_fen=500_000)
    db.session.commit()
    client = app.test_client()
    headers = api_token(client, "sz.finance")
    url = f"/api/v1/funds/{fund.id}/allocations"
    ok = client.post(
        url, json={"centre_code": "sz-wz", "amount": "1000.50", "note": "下拨"}, headers=headers
    )
    assert ok.status_code == 201, ok.get_json()
    assert [e["amount"] for e in ok.get_json()["entries"]] == ["-1000.50", "1000.50"]
    too_much = client.post(url, json={"centre_code": "SZ-WZ", "amount": "5000"}, headers=headers)
    assert too_much.status_code == 409
    assert too_much.get_json()["error"]["code"] == "insufficient_balance"
    bad = client.post(url, json={"centre_code": "SZ-WZ", "amount": "-5"}, headers=headers)
    assert bad.status_code == 422 and "amount" in bad.get_json()["error"]["fields"]
    skip = client.post(url, json={"centre_code": "SZ-WZ-MD", "amount": "5"}, headers=headers)
    assert skip.status_code == 422
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/funds",
        "/funds/{fund_id}/allocations",
        "/cases/{case_id}/payments",
        "/payments/{payment_id}/reverse",
        "/ledger",
    ):
        assert path in spec["paths"], path


def test_finance_landing_cards(app, paid):
    client = app.test_client()
    login(client, "sz-gs-pj.finance")
    html = client.get("/").get_data(as_text=True)
    assert "/funds/to-pay" in html
    assert "2,900.00" in html  # what the station holds
