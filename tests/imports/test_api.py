"""/api/v1/imports: a dry run reports the bad rows and imports nothing; confirm imports."""

import base64

from sqlalchemy import func, select

from assist.applicants.models import Applicant
from assist.extensions import db
from tests.conftest import api_token
from tests.factories import make_applicant, make_standard
from tests.imports.helpers import ledger_rows, xlsx_bytes


def test_dry_run_then_confirm_through_the_api(client, network):
    make_standard()
    rows, _ids = ledger_rows(held_id="11010519491231002X")
    headers = api_token(client, "sz-gs-pj.caseworker")
    body = {"filename": "台账.xlsx", "content_base64": base64.b64encode(xlsx_bytes(rows)).decode()}
    response = client.post("/api/v1/imports", json=body, headers=headers)
    assert response.status_code == 201, response.get_json()
    result = response.get_json()
    assert (
        result["status"] == "checked" and result["valid_rows"] == 4
    )  # row 7 is held by no one here
    assert {r["row"] for r in result["rows"]} == {4, 5, 6, 8, 9}
    assert all("*" in r["id_number"] or not r["id_number"] for r in result["rows"])
    assert db.session.scalar(select(func.count(Applicant.id))) == 0
    done = client.post(f"/api/v1/imports/{result['id']}/confirm", headers=headers)
    assert done.status_code == 200 and done.get_json()["imported_files"] == 3
    again = client.post(f"/api/v1/imports/{result['id']}/confirm", headers=headers)
    assert again.status_code == 409
    assert (
        client.get("/api/v1/imports", headers=headers).get_json()["items"][0]["id"] == result["id"]
    )


def test_bad_api_input_is_422_naming_the_field(client, network):
    headers = api_token(client, "sz-gs-pj.caseworker")
    for body, field in (
        ({"filename": "a.xlsx", "content_base64": "%%%"}, "content_base64"),
        ({"filename": 5, "content_base64": ""}, "filename"),
        ({"filename": "a.xlsx", "content_base64": "", "dry_run": "no"}, "dry_run"),
        (
            {"filename": "a.csv", "content_base64": base64.b64encode(b"\xff\xfe\x00").decode()},
            "file",
        ),
    ):
        response = client.post("/api/v1/imports", json=body, headers=headers)
        assert response.status_code == 422, body
        assert field in response.get_json()["error"]["fields"]
    finance = api_token(client, "sz-gs-pj.finance")
    body = {
        "filename": "a.csv",
        "content_base64": base64.b64encode("姓名,身份证号\n".encode()).decode(),
    }
    assert client.post("/api/v1/imports", json=body, headers=finance).status_code == 403


def _jobs(kind):
    from assist.jobs.models import BackgroundJob

    return db.session.scalars(select(BackgroundJob).where(BackgroundJob.kind == kind)).all()


def test_a_large_ledger_through_the_api_is_checked_and_confirmed_by_jobs(app, client, network):
    from assist.jobs import engine

    app.config["IMPORT_INLINE_ROWS"] = 3  # the test ledger has 9 rows: above it
    app.config["JOBS_BACKEND"] = "runner"  # nothing runs the jobs until the test does
    make_standard()
    held = make_applicant(network["SZ-GS-CL"])
    rows, _ids = ledger_rows(held.id_number)
    db.session.commit()
    before = db.session.scalar(select(func.count(Applicant.id)))
    headers = api_token(client, "sz-gs-pj.caseworker")
    body = {"filename": "台账.xlsx", "content_base64": base64.b64encode(xlsx_bytes(rows)).decode()}
    response = client.post("/api/v1/imports", json=body, headers=headers)
    assert response.status_code == 202, response.get_json()
    waiting = response.get_json()
    assert (waiting["status"], waiting["done"], waiting["total"]) == ("checking", 0, 9)
    assert response.headers["Location"].endswith(waiting["status_url"])
    assert [j.params.get("then_confirm") for j in _jobs("imports.check")] == [None]
    assert engine.run_queued() == 1
    checked = client.get(waiting["status_url"], headers=headers).get_json()
    assert (checked["status"], checked["valid_rows"], checked["percent"]) == ("checked", 3, 100)
    assert {r["row"] for r in checked["rows"]} == {4, 5, 6, 7, 8, 9}  # the same as inline
    assert db.session.scalar(select(func.count(Applicant.id))) == before  # a dry run

    confirm = client.post(f"/api/v1/imports/{checked['id']}/confirm", headers=headers)
    assert confirm.status_code == 202 and confirm.get_json()["status"] == "importing"
    again = client.post(f"/api/v1/imports/{checked['id']}/confirm", headers=headers)
    assert again.status_code == 409  # running already: nothing queued twice
    assert engine.run_queued() == 1
    done = client.get(confirm.get_json()["status_url"], headers=headers).get_json()
    assert (done["status"], done["imported_files"]) == ("imported", 2)
    assert db.session.scalar(select(func.count(Applicant.id))) == before + 2
    assert len(_jobs("imports.confirm")) == 1

    # without dry_run, the check job queues the import when it ends
    other = api_token(client, "sz-wz-cq.caseworker")
    rows, _ids = ledger_rows(held.id_number)
    body = {
        "filename": "台账.xlsx",
        "content_base64": base64.b64encode(xlsx_bytes(rows)).decode(),
        "dry_run": False,
    }
    response = client.post("/api/v1/imports", json=body, headers=other)
    assert response.status_code == 202
    assert engine.run_queued() == 2  # the check, then the confirm it queued
    done = client.get(response.get_json()["status_url"], headers=other).get_json()
    assert (done["status"], done["imported_files"]) == ("imported", 2)
    # the status URL is scoped like the import: another centre gets 404
    assert client.get(response.get_json()["status_url"], headers=headers).status_code == 404
