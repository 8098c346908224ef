"""Plans through the API: city administrators only, every field checked, 422 never 500."""

from datetime import date, timedelta

from sqlalchemy import func, select

from assist.core.timeutil import local_today
from assist.extensions import db
from assist.mutual_aid.models import Plan, PlanTerm
from tests.cases.helpers import Api


def term_body(**overrides):
    today = local_today()
    body = {
        "label": "2027",
        "cover_start": (today + timedelta(days=30)).isoformat(),
        "cover_end": (today + timedelta(days=394)).isoformat(),
        "window_opens": today.isoformat(),
        "window_closes": (today + timedelta(days=29)).isoformat(),
        "fee": "80.00",
        "subsidy": "30.00",
        "rules": {"daily_fen": 5000, "franchise_days": 3, "term_cap_fen": 450000},
    }
    body.update(overrides)
    return body


def test_city_admin_adds_a_plan_with_a_term_and_others_may_not(app, network):
    admin = Api(app.test_client(), "sz.admin")
    response = admin.post(
        "/mutual-aid/plans",
        json={"code": "ZY", "name": "住院津贴计划", "kind": "hospital", "term": term_body()},
    )
    assert response.status_code == 201, response.get_json()
    plan = response.get_json()
    assert plan["terms"][0]["fee"] == "80.00" and plan["terms"][0]["staff_share"] == "50.00"
    assert plan["terms"][0]["required_documents"] == {
        "hospital": ["id_copy", "diagnosis", "invoice", "medical_settlement"]
    }
    district = Api(app.test_client(), "sz-gs.admin")
    refused = district.post(
        "/mutual-aid/plans", json={"code": "X", "name": "x", "kind": "hospital"}
    )
    assert refused.status_code == 403
    overlap = admin.post(f"/mutual-aid/plans/{plan['id']}/terms", json=term_body(label="2027b"))
    assert overlap.status_code == 422 and "cover_start" in overlap.get_json()["error"]["fields"]
    listed = Api(app.test_client(), "sz-gs-pj.caseworker").get("/mutual-aid/plans")
    assert [p["code"] for p in listed.get_json()["items"]] == ["ZY"]


def test_bad_plan_input_is_422_naming_the_field_and_saves_nothing(app, network):
    admin = Api(app.test_client(), "sz.admin")
    cases = [
        ({"code": 5, "name": "x", "kind": "hospital"}, "code"),
        ({"code": "A", "name": "x", "kind": "pension"}, "kind"),
        ({"code": "A", "name": "x", "kind": "women"}, "base_plan"),
        ({"code": "A", "name": "x", "kind": "hospital", "term": "soon"}, "term"),
        ({"code": "A", "name": "x", "kind": "hospital", "term": term_body(fee=[80])}, "fee"),
        ({"code": "A", "name": "x", "kind": "hospital", "term": term_body(fee="-1")}, "fee"),
        (
            {
                "code": "A",
                "name": "x",
                "kind": "hospital",
                "term": term_body(cover_start="2027-02-30"),
            },
            "cover_start",
        ),
        (
            {
                "code": "A",
                "name": "x",
                "kind": "hospital",
                "term": term_body(rules={"daily_fen": "50"}),
            },
            "rules.daily_fen",
        ),
        (
            {
                "code": "A",
                "name": "x",
                "kind": "hospital",
                "term": term_body(required_documents={"hospital": ["passport"]}),
            },
            "required_documents",
        ),
        (
            {
                "code": "A",
                "name": "x",
                "kind": "hospital",
                "term": term_body(participation_pct=10**20),
            },
            "participation_pct",
        ),
        (
            {
                "code": "A",
                "name": "x",
                "kind": "hospital",
                "term": term_body(cover_end=(date(2040, 1, 1)).isoformat()),
            },
            "cover_end",
        ),
    ]
    for body, field in cases:
        response = admin.post("/mutual-aid/plans", json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["fields"], (field, response.get_json())
    assert admin.post("/mutual-aid/plans", data="not json").status_code == 422
    db.session.commit()
    assert db.session.scalar(select(func.count(Plan.id))) == 0
    assert db.session.scalar(select(func.count(PlanTerm.id))) == 0
