"""The API lists that answered every row (or up to 200), or paged the ledger by `?page=`, answer
the one list shape now (issues 10 and 12): `{items, per_page, total, total_is_capped, next}`,
the next page by `?after=<next>`.

Each list is walked to its end with small pages: every row the caller sees comes once, in the
list's order (campaigns latest start first with ties by id, plans by code, the ledger newest
first); `?page=` is refused with the way to page, and the OpenAPI document declares it all.
"""

from datetime import timedelta

import pytest
from sqlalchemy import select

from assist.auth.models import User
from assist.campaigns.models import Campaign, CampaignList, Quota, SampleCheck
from assist.core.scoping import scoped
from assist.core.timeutil import local_today
from assist.extensions import db
from assist.funds.models import LedgerEntry
from assist.mutual_aid.models import Plan
from tests.conftest import api_token, walk_cursor
from tests.test_statement_counts import counting


@pytest.fixture
def demo(seeded_demo):
    return dict(line.split()[:2] for line in seeded_demo.output.splitlines() if line[:2] == "sz")


def _walk(client, url: str, headers) -> tuple[list, list]:
    """Follow a list's cursors to the end; every answer has the list shape and no page number."""
    ids, answers = walk_cursor(client, url, headers)
    for data in answers:
        assert set(data) >= {"items", "per_page", "total", "total_is_capped", "next"}, data
        assert "page" not in data
    return ids, answers


def _more_campaigns(client, headers):
    """Campaigns on the demo's start date (ties in the order column) and on two others."""
    demo = db.session.scalars(select(Campaign).where(Campaign.kind == "warmth")).one()
    demo_start, funds = demo.starts_on, demo.fund_ids
    today = local_today()
    for i, start in enumerate([demo_start, demo_start, today - timedelta(days=3), demo_start]):
        body = {
            "name": f"测试活动{i}",
            "occasion": "other",
            "starts_on": start.isoformat(),
            "ends_on": (today + timedelta(days=30)).isoformat(),
            "households": 1,
            "cash": "100",
            "funds": funds,
        }
        response = client.post("/api/v1/campaigns", json=body, headers=headers)
        assert response.status_code == 201, response.get_json()


def test_campaigns_page_latest_start_first_each_once(client, demo):
    headers = api_token(client, "sz.supervisor", demo["sz.supervisor"])
    in_demo = len(db.session.scalars(select(Campaign.id)).all())  # send-warmth and screening
    _more_campaigns(client, headers)
    want = [
        c.id
        for c in sorted(
            db.session.scalars(select(Campaign)), key=lambda c: (c.starts_on, c.id), reverse=True
        )
    ]
    ids, answers = _walk(client, "/api/v1/campaigns?per_page=2", headers)
    assert ids == want and len(want) == in_demo + 4
    assert [len(a["items"]) for a in answers] == [2] * (len(want) // 2) + [1] * (len(want) % 2)
    assert all(a["total"] == len(want) and a["total_is_capped"] is False for a in answers)
    whole = client.get("/api/v1/campaigns", headers=headers).get_json()
    assert whole["per_page"] == 200 and [c["id"] for c in whole["items"]] == want
    # the next page is one range from the key, read with no OFFSET
    first = client.get("/api/v1/campaigns?per_page=2", headers=headers).get_json()
    with counting() as statements:
        client.get(f"/api/v1/campaigns?per_page=2&after={first['next']}", headers=headers)
    (page,) = [s for s in statements if "ORDER BY campaigns.starts_on DESC" in s]
    assert ") < (" in page, page
    if db.engine.dialect.name != "sqlite":  # SQLite's compiler always writes OFFSET 0
        assert "OFFSET" not in page, page


def test_a_campaigns_quotas_lists_and_samples_page_each_once(client, demo):
    campaign = db.session.scalar(select(Campaign.id).where(Campaign.kind == "warmth"))
    supervisor = api_token(client, "sz.supervisor", demo["sz.supervisor"])
    for seed in (1, 2, 3):  # two more sample checks than the demo's one
        response = client.post(
            f"/api/v1/campaigns/{campaign}/samples",
            json={"size": 1, "seed": seed},
            headers=supervisor,
        )
        assert response.status_code == 201, response.get_json()
    station = api_token(client, "sz-gs.auditor", demo["sz-gs.auditor"])
    for headers, user in ((supervisor, "sz.supervisor"), (station, "sz-gs.auditor")):
        who = db.session.scalar(select(User).where(User.username == user))
        for path, model, newest_first in (
            ("quotas", Quota, False),
            ("lists", CampaignList, False),
            ("samples", SampleCheck, True),
        ):
            stmt = scoped(select(model.id), who, model.centre_id).where(
                model.campaign_id == campaign
            )
            want = sorted(db.session.scalars(stmt), reverse=newest_first)
            ids, answers = _walk(client, f"/api/v1/campaigns/{campaign}/{path}?per_page=2", headers)
            assert ids == want, (user, path)
            assert all(a["total"] == len(want) and a["per_page"] == 2 for a in answers)
            if user == "sz.supervisor":
                assert len(want) > 2, path  # more than one page at the city
            default = client.get(f"/api/v1/campaigns/{campaign}/{path}", headers=headers)
            assert default.get_json()["per_page"] == 100


def test_plans_page_by_code(client, demo):
    headers = api_token(client, "sz.auditor", demo["sz.auditor"])
    want = list(db.session.scalars(select(Plan.id).order_by(Plan.code, Plan.id)))
    ids, answers = _walk(client, "/api/v1/mutual-aid/plans?per_page=1", headers)
    assert ids == want and len(want) > 1
    assert all(a["total"] == len(want) for a in answers)
    assert all(a["items"][0]["terms"] is not None for a in answers)


def test_the_ledger_follows_the_cursor_and_refuses_page_numbers(client, demo):
    headers = api_token(client, "sz.auditor", demo["sz.auditor"])
    want = list(db.session.scalars(select(LedgerEntry.id).order_by(LedgerEntry.id.desc())))
    ids, answers = _walk(client, "/api/v1/ledger?per_page=50", headers)
    assert ids == want and len(want) > 100
    assert all(a["total"] == len(want) for a in answers)
    receipts, _answers = _walk(client, "/api/v1/ledger?per_page=3&kind=receipt", headers)
    assert receipts == [
        e.id
        for e in db.session.scalars(select(LedgerEntry).order_by(LedgerEntry.id.desc()))
        if e.kind == "receipt"
    ]
    assert client.get("/api/v1/ledger", headers=headers).get_json()["per_page"] == 100


LISTS = [
    ("/ledger", "sz.auditor"),
    ("/campaigns", "sz.auditor"),
    ("/campaigns/{c}/quotas", "sz.auditor"),
    ("/campaigns/{c}/lists", "sz.auditor"),
    ("/campaigns/{c}/samples", "sz.auditor"),
    ("/mutual-aid/plans", "sz.auditor"),
]


@pytest.mark.parametrize("path,user", LISTS, ids=[p for p, _u in LISTS])
def test_old_page_numbers_and_made_up_cursors_are_refused(client, demo, path, user):
    campaign = db.session.scalar(select(Campaign.id).where(Campaign.kind == "warmth"))
    headers = api_token(client, user, demo[user])
    url = "/api/v1" + path.format(c=campaign)
    for bad, field in (("page=2", "page"), ("after=12", "after"), ("per_page=0", "per_page")):
        refused = client.get(f"{url}?{bad}", headers=headers)
        assert refused.status_code == 422, (url, bad)
        assert field in refused.get_json()["error"]["fields"], refused.get_json()
    paged = client.get(f"{url}?page=2", headers=headers).get_json()["error"]["fields"]["page"]
    assert "next" in paged and "after" in paged  # the way to page, in the caller's language
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"][path.replace("{c}", "{campaign_id}")]["get"]
    assert {"after", "per_page", "page"} <= {p["name"] for p in operation["parameters"]}
    assert "next" in operation["responses"]["200"]["description"]
