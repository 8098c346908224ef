"""Money in at the fund's centre, down the tiers by allocation, back up by return."""

import pytest
from sqlalchemy import select

from assist.audit.models import AuditEntry
from assist.extensions import db
from assist.funds.models import EntryKind, LedgerEntry
from assist.funds.reconcile import verify_ledger
from tests.conftest import login, post_form
from tests.factories import user
from tests.funds.factories import allocate_down, balance, make_fund


def test_allocation_flows_city_to_district_to_station(network):
    fund = make_fund(received_fen=1_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 300_000)
    db.session.commit()
    assert balance(fund, "SZ") == 700_000
    assert balance(fund, "SZ-GS") == 0
    assert balance(fund, "SZ-GS-PJ") == 300_000
    kinds = [e.kind for e in db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id))]
    assert kinds == [
        EntryKind.RECEIPT,
        EntryKind.ALLOCATION_OUT,
        EntryKind.ALLOCATION_IN,
        EntryKind.ALLOCATION_OUT,
        EntryKind.ALLOCATION_IN,
    ]
    assert verify_ledger() == []


def test_allocation_through_the_page(client, network):
    fund = make_fund(received_fen=500_000)
    login(client, "sz.finance")
    page = f"/funds/{fund.id}"
    response = post_form(
        client,
        f"/funds/{fund.id}/allocate",
        {
            "allocate-centre": network["SZ-WZ"].id,
            "allocate-amount": "1,234.56",
            "allocate-note": "年度下拨",
        },
        token_from=page,
    )
    assert response.status_code == 302
    assert balance(fund, "SZ-WZ") == 123_456
    assert balance(fund, "SZ") == 500_000 - 123_456
    audit = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "fund.allocated")
    ).one()
    assert audit.after["to"] == "SZ-WZ" and audit.after["amount_fen"] == 123_456
    html = client.get(page).get_data(as_text=True)
    assert "1,234.56" in html and "吴中区" in html


@pytest.mark.parametrize(
    ("username", "target", "why"),
    [
        ("sz.finance", "SZ-GS-PJ", "skips a tier"),
        ("sz-gs.finance", "SZ", "goes up"),
        ("sz-gs.finance", "SZ-WZ-CQ", "sideways into another district"),
    ],
)
def test_allocations_go_down_one_tier_only(client, network, username, target, why):
    fund = make_fund(received_fen=500_000)
    allocate_down(fund, [("sz.finance", "SZ-GS")], 100_000)
    db.session.commit()
    from assist.core.errors import ValidationError
    from assist.funds import services

    with pytest.raises(ValidationError):
        services.allocate(
            fund, acting_user=user(username), to_centre=network[target], amount_fen=1_000
        )
    db.session.rollback()
    assert verify_ledger() == []


def test_a_centre_cannot_allocate_more_than_it_holds(client, network):
    fund = make_fund(received_fen=100_000)
    login(client, "sz.finance")
    response = post_form(
        client,
        f"/funds/{fund.id}/allocate",
        {"allocate-centre": network["SZ-GS"].id, "allocate-amount": "1000.01"},
        token_from=f"/funds/{fund.id}",
    )
    assert response.status_code == 409
    assert "1,000.00" in response.get_data(as_text=True)
    assert balance(fund, "SZ") == 100_000
    assert balance(fund, "SZ-GS") == 0
    assert (
        db.session.scalar(select(LedgerEntry.id).where(LedgerEntry.kind == "allocation_out"))
        is None
    )


def test_return_goes_up_with_a_reason(client, network):
    fund = make_fund(received_fen=500_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-CL")], 200_000)
    db.session.commit()
    login(client, "sz-gs-cl.finance")
    page = f"/funds/{fund.id}"
    missing_reason = post_form(
        client, f"/funds/{fund.id}/return", {"return-amount": "500"}, token_from=page
    )
    assert missing_reason.status_code == 422
    assert balance(fund, "SZ-GS-CL") == 200_000
    response = post_form(
        client,
        f"/funds/{fund.id}/return",
        {"return-amount": "500", "return-reason": "本站对象已转其他资金救助"},
        token_from=page,
    )
    assert response.status_code == 302
    assert balance(fund, "SZ-GS-CL") == 150_000
    assert balance(fund, "SZ-GS") == 50_000
    rows = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.kind.in_(["return_out", "return_in"]))
    ).all()
    assert sorted(r.amount_fen for r in rows) == [-50_000, 50_000]
    assert all(r.note == "本站对象已转其他资金救助" for r in rows)
    assert verify_ledger() == []


def test_the_fund_centre_has_nobody_to_return_to(network):
    from assist.core.errors import ValidationError
    from assist.funds import services

    fund = make_fund(received_fen=500_000)
    with pytest.raises(ValidationError):
        services.return_up(fund, acting_user=user("sz.finance"), amount_fen=100, reason="x")


def test_only_finance_moves_money(app, network):
    fund = make_fund(received_fen=500_000)
    db.session.commit()
    for username in ("sz.supervisor", "sz.auditor", "sz.admin", "sz.caseworker"):
        client = app.test_client()
        login(client, username)
        response = post_form(
            client,
            f"/funds/{fund.id}/allocate",
            {"allocate-centre": network["SZ-GS"].id, "allocate-amount": "10"},
        )
        assert response.status_code == 403, username
    assert balance(fund, "SZ-GS") == 0


def test_open_a_fund_and_book_receipts(client, network):
    login(client, "sz-wz.finance")
    response = post_form(
        client,
        "/funds/new",
        {
            "name": "吴中区慈善总会捐赠",
            "source": "donations",
            "year": "2026",
            "allowed_kinds": ["schooling", "medical"],
        },
        token_from="/funds/new",
    )
    assert response.status_code == 302
    fund_url = response.headers["Location"]
    response = post_form(
        client,
        f"{fund_url}/receive",
        {"receive-amount": "20000", "receive-reference": "捐赠收据 No.0042"},
        token_from=fund_url,
    )
    assert response.status_code == 302
    html = client.get(fund_url).get_data(as_text=True)
    assert "20,000.00" in html and "捐赠收据 No.0042" in html
    # the same name twice in a year is refused, with the reason by the field
    again = post_form(
        client,
        "/funds/new",
        {
            "name": "吴中区慈善总会捐赠",
            "source": "donations",
            "year": "2026",
            "allowed_kinds": ["medical"],
        },
        token_from="/funds/new",
    )
    assert again.status_code == 422
    assert 'data-field-error="name"' in again.get_data(as_text=True)
