"""Set-up for campaign tests: a fund, households, and a campaign driven through the routes."""

from datetime import date, timedelta

from sqlalchemy import select

from assist.campaigns.models import Campaign, CampaignList, ListEntry
from assist.core.timeutil import local_today
from assist.extensions import db
from tests.conftest import login, post_form
from tests.factories import make_applicant, make_standard
from tests.funds.factories import allocate_down, make_fund

_CLIENTS: dict = {}


def as_user(client, username: str):
    """A client signed in as `username` (one per user and test app, like separate browsers)."""
    app = client.application
    key = (id(app), username)
    if key not in _CLIENTS:
        other = app.test_client()
        login(other, username)
        _CLIENTS[key] = other
    return _CLIENTS[key]


def setup_money(network):
    make_standard()
    fund = make_fund(received_fen=100_000_000, name="送温暖专项")
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 5_000_000)
    db.session.commit()
    return fund


def households(centre, n, **kw):
    rows = [make_applicant(centre, name=f"李{i}明", **kw) for i in range(n)]
    db.session.commit()
    return rows


def create_campaign(client, fund, *, households=100, amount="300000", **extra):
    client = as_user(client, "sz.supervisor")
    today = local_today()
    data = {
        "name": "2027年春节送温暖",
        "kind": "warmth",
        "occasion": "spring_festival",
        "starts_on": (today - timedelta(days=10)).isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(),
        "households": str(households),
        "amount": amount,
        "cash": "2500",
        "goods-0-name": "大米",
        "goods-0-quantity": "2",
        "goods-0-value": "100",
        "goods-1-name": "食用油",
        "goods-1-quantity": "1",
        "goods-1-value": "300",
        "funds": str(fund.id),
        **extra,
    }
    response = post_form(client, "/campaigns/new", data)
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return db.session.scalars(select(Campaign).order_by(Campaign.id.desc())).first()


def give_quota(client, campaign, giver: str, centre, households: int, amount: str):
    client = as_user(client, giver)
    response = post_form(
        client,
        f"/campaigns/{campaign.id}/quotas",
        {"centre": str(centre.id), "households": str(households), "amount": amount},
    )
    return response


def open_list(client, campaign, username: str) -> CampaignList:
    client = as_user(client, username)
    response = post_form(client, f"/campaigns/{campaign.id}/my-list")
    assert response.status_code == 302
    list_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    return db.session.get(CampaignList, list_id)


def listed(clist) -> list[ListEntry]:
    return list(
        db.session.scalars(
            select(ListEntry).where(ListEntry.list_id == clist.id, ListEntry.status == "listed")
        )
    )


def today() -> date:
    return local_today()
