"""The hardship-file API: the same rules as the pages, in JSON."""

import io

from sqlalchemy import select

from assist.audit.models import AuditEntry
from assist.extensions import db
from tests.applicants.helpers import PDF, applicant_count, standard
from tests.conftest import api_token, walk_cursor
from tests.factories import make_applicant, next_resident_id


def body(**overrides) -> dict:
    data = {
        "name": "陈国庆",
        "id_number": next_resident_id(),
        "phone": "13912345678",
        "address": "苏州市姑苏区示例路8号",
        "employer": "苏州示例机械厂",
        "work_status": "unemployed",
        "health": "good",
        "causes": ["unemployment", "schooling"],
        "consent_signed_on": "2026-01-05",
        "annual_income": "36000.00",
        "rigid_expenses": "6000.00",
        "household": [
            {
                "relation": "child",
                "name": "陈小明",
                "id_number": next_resident_id(),
                "monthly_income": "0",
                "health": "good",
                "is_student": True,
            },
            {
                "relation": "spouse",
                "name": "周桂英",
                "id_number": next_resident_id(female=True),
                "monthly_income": "1200.00",
            },
        ],
    }
    data.update(overrides)
    return data


def test_register_returns_the_file_with_its_assessment(client, network):
    standard()
    headers = api_token(client, "sz-gs-pj.caseworker")
    response = client.post("/api/v1/applicants", json=body(), headers=headers)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["file_no"].startswith("SZ-GS-PJ-")
    assert data["gender"] == "M" and data["birth_date"] == "1975-06-01"
    # (36,000 − 6,000) ÷ 12 ÷ 3 = 833.33
    assert data["per_capita_monthly_income"] == "833.33"
    assert data["proposed_category"] == "deep"
    assert data["status"] == "applied"
    assert "********" in data["id_number"]
    assert data["assessment"]["standard_monthly"] == "1060.00"


def test_invalid_input_gets_422_per_field(client, network):
    standard()
    headers = api_token(client, "sz-gs-pj.caseworker")
    bad = body(id_number="110105194912310021", phone="5551234", annual_income="lots")
    bad["household"][0]["id_number"] = "320502750601123"
    response = client.post("/api/v1/applicants", json=bad, headers=headers)
    assert response.status_code == 422
    fields = response.get_json()["error"]["fields"]
    assert "annual_income" in fields
    response = client.post(
        "/api/v1/applicants",
        json=body(id_number="110105194912310021", phone="5551234"),
        headers=headers,
    )
    fields = response.get_json()["error"]["fields"]
    assert set(fields) >= {"id_number", "phone"}
    assert applicant_count() == 0


def test_duplicate_gets_409_with_held_by(client, network):
    standard()
    held = make_applicant(network["SZ-WZ-MD"], name="保密人")
    db.session.commit()
    headers = api_token(client, "sz-gs-pj.caseworker")
    response = client.post(
        "/api/v1/applicants", json=body(id_number=held.id_number), headers=headers
    )
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["held_by"] == "木渎镇职工服务站"
    assert "保密人" not in response.get_data(as_text=True)
    assert held.file_no not in response.get_data(as_text=True)
    assert applicant_count() == 1


def test_list_masks_ids_and_refuses_full_ids_in_the_url(client, network):
    standard()
    applicant = make_applicant(network["SZ-GS-PJ"], name="林美玲")
    db.session.commit()
    headers = api_token(client, "sz-gs.auditor")
    response = client.get("/api/v1/applicants?q=美玲", headers=headers)
    items = response.get_json()["items"]
    assert [i["file_no"] for i in items] == [applicant.file_no]
    assert applicant.id_number not in response.get_data(as_text=True)
    assert (
        client.get(f"/api/v1/applicants?q={applicant.id_number}", headers=headers).status_code
        == 422
    )
    found = client.post(
        "/api/v1/applicants/search", json={"q": applicant.id_number}, headers=headers
    ).get_json()["items"]
    assert [i["id"] for i in found] == [applicant.id]


def test_detail_patch_and_scope(client, network):
    standard()
    applicant = make_applicant(network["SZ-GS-PJ"], status="applied")
    db.session.commit()
    sibling = api_token(client, "sz-gs-cl.caseworker")
    assert client.get(f"/api/v1/applicants/{applicant.id}", headers=sibling).status_code == 404
    assert (
        client.patch(
            f"/api/v1/applicants/{applicant.id}", json={"phone": "13800000000"}, headers=sibling
        ).status_code
        == 404
    )
    district = api_token(client, "sz-gs.supervisor")
    assert client.get(f"/api/v1/applicants/{applicant.id}", headers=district).status_code == 200
    own = api_token(client, "sz-gs-pj.caseworker")
    response = client.patch(
        f"/api/v1/applicants/{applicant.id}",
        json={
            "phone": "0512-66660000",
            "annual_income": "6000.00",
            "consent_signed_on": "2026-01-02",
            "causes": ["illness"],
        },
        headers=own,
    )
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["phone"] == "0512-66660000"
    assert len(data["assessment_history"]) == 1
    assert data["per_capita_monthly_income"] == "500.00"
    bad = client.patch(f"/api/v1/applicants/{applicant.id}", json={"phone": "12"}, headers=own)
    assert bad.status_code == 422 and "phone" in bad.get_json()["error"]["fields"]


def test_sensitive_view_is_audited_and_role_bound(client, network):
    standard()
    applicant = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    auditor = api_token(client, "sz-gs-pj.auditor")
    assert (
        client.post(f"/api/v1/applicants/{applicant.id}/sensitive", headers=auditor).status_code
        == 403
    )
    caseworker = api_token(client, "sz-gs-pj.caseworker")
    response = client.post(f"/api/v1/applicants/{applicant.id}/sensitive", headers=caseworker)
    assert response.status_code == 200
    assert response.get_json()["id_number"] == applicant.id_number
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "applicant.viewed_sensitive" in actions


def test_workflow_actions_through_the_api(client, network):
    standard()
    network["SZ-GS-PJ"].notice_days = 0
    db.session.commit()
    caseworker = api_token(client, "sz-gs-pj.caseworker")
    supervisor = api_token(client, "sz-gs-pj.supervisor")
    created = client.post("/api/v1/applicants", json=body(), headers=caseworker).get_json()
    base = f"/api/v1/applicants/{created['id']}"
    refused = client.post(f"{base}/actions/submit", headers=caseworker)
    assert refused.status_code == 422 and "consent_scan" in refused.get_json()["error"]["fields"]
    upload = client.post(
        f"{base}/attachments",
        data={"kind": "consent", "file": (io.BytesIO(PDF), "consent.pdf")},
        headers=caseworker,
        content_type="multipart/form-data",
    )
    assert upload.status_code == 201
    assert client.post(f"{base}/actions/submit", headers=caseworker).status_code == 200
    assert client.post(f"{base}/actions/pass_initial", headers=caseworker).status_code == 403
    assert client.post(f"{base}/actions/pass_initial", headers=supervisor).status_code == 200
    visit = {"visited_on": "2026-01-10", "visitors": "李芳、王强", "findings": "属实"}
    assert (
        client.post(f"{base}/actions/home_visit", json=visit, headers=caseworker).status_code == 200
    )
    assert client.post(f"{base}/actions/complete_visit", headers=caseworker).status_code == 200
    assert client.post(f"{base}/actions/approve", headers=supervisor).status_code == 200
    done = client.post(f"{base}/actions/activate", headers=supervisor)
    assert done.status_code == 200 and done.get_json()["status"] == "active"
    again = client.post(f"{base}/actions/activate", headers=supervisor)
    assert again.status_code == 409
    steps = [e["action"] for e in done.get_json()["timeline"]]
    assert steps[0] == "registered" and steps[-1] == "activate"


def test_openapi_documents_the_applicant_endpoints(client, network):
    spec = client.get("/api/v1/openapi.json").get_json()
    for path in (
        "/applicants",
        "/applicants/search",
        "/applicants/{applicant_id}",
        "/applicants/{applicant_id}/actions/{action}",
        "/applicants/{applicant_id}/attachments",
        "/transfers",
    ):
        assert path in spec["paths"], path
    assert (
        "post" in spec["paths"]["/applicants"]
        and "patch" in spec["paths"]["/applicants/{applicant_id}"]
    )


def _walk(client, url: str, headers, *, method="get", body=None) -> tuple[list, list]:
    return walk_cursor(client, url, headers, method=method, body=body, limit=20)


def test_the_file_list_pages_by_keyset_cursor_in_every_order(client, network):
    standard()
    names = ["赵一", "钱二", "孙三", "李四", "周五"]
    made = [make_applicant(network["SZ-GS-PJ"], name=n) for n in names]
    make_applicant(network["SZ-WZ"], name="吴外区")  # outside the caller's scope
    db.session.commit()
    headers = api_token(client, "sz-gs.auditor")
    ids, answers = _walk(client, "/api/v1/applicants?per_page=2", headers)
    assert ids == sorted(a.id for a in made)[::-1]  # newest first, each file once
    assert [len(a["items"]) for a in answers] == [2, 2, 1]
    assert all(a["total"] == 5 and a["total_is_capped"] is False for a in answers)
    assert all("page" not in a for a in answers)
    by_name, _answers = _walk(client, "/api/v1/applicants?per_page=2&sort=name", headers)
    assert sorted(by_name) == sorted(ids) and len(by_name) == 5  # another order, same files
    searched, _answers = _walk(
        client, "/api/v1/applicants/search", headers, method="post", body={"per_page": 3}
    )
    assert searched == ids
    # A cursor is what `next` gave; anything else, or the old ?page=, is a 422 naming it.
    for bad, field in (("after=12", "after"), ("after=%00", "after"), ("page=2", "page")):
        refused = client.get(f"/api/v1/applicants?{bad}", headers=headers)
        assert refused.status_code == 422 and field in refused.get_json()["error"]["fields"]
    spec = client.get("/api/v1/openapi.json").get_json()
    params = {p["name"] for p in spec["paths"]["/applicants"]["get"]["parameters"]}
    assert {"after", "per_page"} <= params
    assert "next" in spec["paths"]["/applicants"]["get"]["responses"]["200"]["description"]
