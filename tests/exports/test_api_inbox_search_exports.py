"""The inbox, search and exports through the JSON API: scoped, masked, declared in OpenAPI."""

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from assist.applicants.models import FileStatus
from assist.audit.models import AuditEntry
from assist.extensions import db
from assist.jobs.models import BackgroundJob
from tests.conftest import api_token
from tests.factories import make_applicant, make_standard
from tests.funds.factories import make_ready_case


@pytest.fixture
def api(app, network):
    make_standard()
    db.session.commit()
    client = app.test_client()

    def headers(username):
        return api_token(client, username)

    return client, headers


def test_inbox_lists_the_users_groups_with_counts_ages_amounts_and_links(api, network):
    client, headers = api
    pj = network["SZ-GS-PJ"]
    visit = make_applicant(pj, name="走访乙", status=FileStatus.HOME_VISIT)
    elsewhere = make_applicant(network["SZ-WZ"], name="别处丙", status=FileStatus.HOME_VISIT)
    ready = make_ready_case(pj, amount_fen=80_000)
    db.session.commit()

    body = client.get("/api/v1/inbox", headers=headers("sz-gs-pj.caseworker")).get_json()
    groups = {g["key"]: g for g in body["groups"]}
    home_visit = groups["files_home_visit"]
    assert home_visit["count"] == 1 and home_visit["title"]
    assert [i["record"] for i in home_visit["items"]] == [visit.file_no]
    assert home_visit["items"][0]["url"] == f"/files/{visit.id}"
    assert isinstance(home_visit["items"][0]["age_days"], int)
    assert elsewhere.file_no not in str(body)
    assert visit.id_number not in str(body)
    assert "to_pay" not in groups and body["total"] == sum(g["count"] for g in body["groups"])

    fin = client.get("/api/v1/inbox", headers=headers("sz-gs-pj.finance")).get_json()
    to_pay = next(g for g in fin["groups"] if g["key"] == "to_pay")
    assert to_pay["amount"] == "800.00" and to_pay["items"][0]["amount"] == "800.00"
    assert to_pay["items"][0]["url"] == f"/funds/cases/{ready.id}/pay"
    # An auditor has no work waiting; without a token there is no inbox.
    auditor = client.get("/api/v1/inbox", headers=headers("sz-gs-pj.auditor")).get_json()
    assert auditor == {"groups": [], "total": 0}
    assert client.get("/api/v1/inbox").status_code == 401


def test_search_takes_the_query_in_the_body_and_answers_within_scope_masked(api, network):
    client, headers = api
    applicant = make_applicant(network["SZ-GS-PJ"], name="搜索甲", phone="13800001234")
    elsewhere = make_applicant(network["SZ-WZ"], name="搜索甲")
    db.session.commit()
    cw = headers("sz-gs-pj.caseworker")
    for q in (applicant.id_number, applicant.id_last4, "13800001234", applicant.file_no, "搜索甲"):
        response = client.post("/api/v1/search", json={"q": q}, headers=cw)
        assert response.status_code == 200, q
        results = response.get_json()["results"]
        assert [r["record"] for r in results] == [applicant.file_no], q
        assert results[0]["url"] == f"/files/{applicant.id}"
        assert applicant.id_number not in response.get_data(as_text=True)  # masked
    assert elsewhere.file_no not in client.post(
        "/api/v1/search", json={"q": "搜索甲"}, headers=cw
    ).get_data(as_text=True)
    # Only POST: a full ID never travels in a URL.
    assert client.get(f"/api/v1/search?q={applicant.id_number}", headers=cw).status_code == 405
    missing = client.post("/api/v1/search", json={}, headers=cw)
    assert missing.status_code == 422 and "q" in missing.get_json()["error"]["fields"]
    bad = client.post("/api/v1/search", json={"q": "a\x00b"}, headers=cw)
    assert bad.status_code == 422


def test_exports_start_a_job_report_progress_and_download_for_the_starter(app, api, network):
    client, headers = api
    app.config["EXPORT_CHUNK_ROWS"] = 2
    pj = network["SZ-GS-PJ"]
    active = [make_applicant(pj, name=f"在档{n}") for n in range(5)]
    returned = make_applicant(pj, name="退回乙", status=FileStatus.RETURNED)
    db.session.commit()
    cw = headers("sz-gs-pj.caseworker")
    response = client.post(
        "/api/v1/exports",
        json={"list": "files", "format": "xlsx", "filters": {"status": "active"}},
        headers=cw,
    )
    assert response.status_code == 201, response.get_json()
    job = response.get_json()
    assert job["list"] == "files" and job["total"] == 5
    status = client.get(f"/api/v1/exports/{job['id']}", headers=cw).get_json()
    assert status["status"] == "done" and status["done"] == 5 and status["percent"] == 100
    assert status["download_url"] == f"/api/v1/exports/{job['id']}/download"
    download = client.get(status["download_url"], headers=cw)
    assert download.status_code == 200 and download.mimetype.endswith("spreadsheetml.sheet")
    rows = list(load_workbook(io.BytesIO(download.data)).active.iter_rows(values_only=True))
    assert len(rows) == 6 and "退回乙" not in [r[1] for r in rows]
    for a in active:
        line = next(r for r in rows if r[0] == a.file_no)
        assert line[2] == a.id_number[:6] + "********" + a.id_number[-4:]
    assert returned.file_no not in [r[0] for r in rows]
    assert db.session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.action == "list.export_downloaded", AuditEntry.object_id == str(job["id"])
        )
    )
    # Another user, in the same station or elsewhere, gets 404 for the job and its file.
    for other in ("sz-gs-pj.supervisor", "sz-wz.caseworker"):
        h = headers(other)
        assert client.get(f"/api/v1/exports/{job['id']}", headers=h).status_code == 404
        assert client.get(status["download_url"], headers=h).status_code == 404
    # A full ID sent as a filter is never stored in the job: only its keyed hash.
    response = client.post(
        "/api/v1/exports",
        json={"list": "files", "format": "csv", "filters": {"q": active[0].id_number}},
        headers=cw,
    )
    assert response.status_code == 201
    stored = db.session.get(BackgroundJob, response.get_json()["id"])
    assert active[0].id_number not in str(stored.params)
    csv_file = client.get(f"/api/v1/exports/{stored.id}/download", headers=cw)
    text = csv_file.data.decode("utf-8-sig")
    assert active[0].file_no in text and active[1].file_no not in text


def test_export_requests_are_checked_and_the_role_applies(app, api, network):
    client, headers = api
    make_applicant(network["SZ-GS-PJ"], name="在档甲")
    db.session.commit()
    cw = headers("sz-gs-pj.caseworker")
    unknown = client.post("/api/v1/exports", json={"list": "secrets"}, headers=cw)
    assert unknown.status_code == 422 and "list" in unknown.get_json()["error"]["fields"]
    bad = client.post("/api/v1/exports", json={"list": "files", "format": "pdf"}, headers=cw)
    assert bad.status_code == 422 and "format" in bad.get_json()["error"]["fields"]
    # A caseworker may not list users: the list view's own role check answers.
    denied = client.post("/api/v1/exports", json={"list": "users"}, headers=cw)
    assert denied.status_code == 403 and "error" in denied.get_json()
    # Above the hard cap: a clear 422, no job.
    app.config["EXPORT_MAX_ROWS"] = 0
    capped = client.post("/api/v1/exports", json={"list": "files"}, headers=cw)
    assert capped.status_code == 422
    assert "符合条件的记录超过 0 条" in capped.get_json()["error"]["message"]
    assert db.session.scalar(select(BackgroundJob.id)) is None


def test_the_endpoints_are_declared_in_openapi(api):
    client, _headers = api
    spec = client.get("/api/v1/openapi.json").get_json()
    paths = spec["paths"]
    assert "get" in paths["/inbox"]
    search = paths["/search"]["post"]
    assert "q" in search["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert "post" in paths["/exports"] and "get" in paths["/exports/{job_id}"]
    assert "get" in paths["/exports/{job_id}/download"]
    body = paths["/exports"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["list"] and body["properties"]["format"]["enum"] == ["xlsx", "csv"]
