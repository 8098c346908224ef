"""/api/v1/verifications: a request and results through the API, in the OpenAPI document."""

import base64
import io
from datetime import date

from openpyxl import Workbook

from assist.applicants.models import Category
from tests.conftest import api_token
from tests.factories import make_applicant, make_standard


def test_verification_round_trip_through_the_api(client, network):
    make_standard()
    applicant = make_applicant(
        network["SZ-GS-PJ"], category=Category.DEEP, consent_signed_on=date(2026, 1, 5)
    )
    headers = api_token(client, "sz-gs-pj.supervisor")
    made = client.post(
        "/api/v1/verifications", json={"by": "hand", "file_ids": [applicant.id]}, headers=headers
    )
    assert made.status_code == 201
    assert made.get_json()["items"][0]["id_number"].endswith(applicant.id_number[-4:])
    assert applicant.id_number not in made.get_data(as_text=True)
    wb = Workbook()
    wb.active.append(["身份证号", "是否低保", "核对收入", "房产", "车辆", "核对日期"])
    wb.active.append([applicant.id_number, "否", "200000", "有", "无", "2026-11-20"])
    out = io.BytesIO()
    wb.save(out)
    body = {"filename": "结果.xlsx", "content_base64": base64.b64encode(out.getvalue()).decode()}
    recorded = client.post("/api/v1/verifications/results", json=body, headers=headers)
    assert recorded.status_code == 201
    assert recorded.get_json()["results"][0]["contradiction"]
    listing = client.get("/api/v1/verifications", headers=headers).get_json()
    assert listing["contradictions"][0]["file_no"] == applicant.file_no
    bad = client.post(
        "/api/v1/verifications", json={"by": "hand", "file_ids": ["x"]}, headers=headers
    )
    assert bad.status_code == 422 and "file_ids" in bad.get_json()["error"]["fields"]


def test_new_endpoints_are_in_the_openapi_document(client, network):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/stats",
        "/returns",
        "/returns/{return_id}/reopen",
        "/imports",
        "/imports/{import_id}/confirm",
        "/verifications",
        "/verifications/results",
        "/returns/compile-jobs/{job_id}",
    ):
        assert path in paths, path
    # the long-running work says so: 202 with a status URL
    assert "202" in paths["/returns"]["post"]["responses"]
    assert "202" in paths["/imports"]["post"]["responses"]
    assert "202" in paths["/imports/{import_id}/confirm"]["post"]["responses"]
