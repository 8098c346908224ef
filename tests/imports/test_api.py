"""/api/v1/imports: a dry run reports the bad rows and imports nothing; confirm imports."""

import base64

from sqlalchemy import func, select

from assist.applicants.models import Applicant
from assist.extensions import db
from tests.conftest import api_token
from tests.factories import make_standard
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
