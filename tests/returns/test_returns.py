"""Returns: compiled from the records, signed and frozen, rolled up, reopened as version 2."""

import io
import re

import pypdf
from openpyxl import load_workbook
from sqlalchemy import select

from assist.applicants.models import Category
from assist.audit.models import AuditEntry
from assist.extensions import db
from assist.returns.models import PeriodReturn
from tests.conftest import api_token, login, post_form
from tests.factories import make_applicant
from tests.stats.helpers import seed_figures

PERIOD = "2026-12"  # the month the factories' records are made in (the clock's month)


def _compile(client, kind="month", period=PERIOD):
    response = post_form(
        client,
        "/returns/compile",
        {"period_kind": kind, "period": period},
        token_from=f"/returns/?kind={kind}&period={period}",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    # the compile runs as a job (inline in tests); its page sends the user on to the version
    job_page = response.headers["Location"]
    assert re.search(r"/returns/compile/\d+$", job_page), job_page
    landed = client.get(job_page)
    assert landed.status_code == 302, landed.get_data(as_text=True)
    return int(re.search(r"/returns/(\d+)\?v=\d+", landed.headers["Location"]).group(1))


def _signed_in(app, username):
    client = app.test_client()
    login(client, username)
    return client


def _figures(client, return_id, headers, version=None):
    url = f"/api/v1/returns/{return_id}" + (f"/versions/{version}" if version else "")
    body = client.get(url, headers=headers).get_json()
    return body


def _deep(body):
    return body["figures"]["files.category"].get("deep", [0, 0])[0]


def test_return_round_trip_up_to_the_city(app, client, network, monkeypatch):
    import assist.returns.services as services

    monkeypatch.setattr(services, "local_today", lambda: __import__("datetime").date(2027, 1, 20))
    seed_figures(network)
    db.session.commit()

    # the station compiles and signs
    login(client, "sz-gs-pj.supervisor")
    pj_id = _compile(client)
    post_form(client, f"/returns/{pj_id}/sign", token_from=f"/returns/{pj_id}")
    headers = api_token(client, "sz-gs-pj.supervisor")
    signed = _figures(client, pj_id, headers)
    assert signed["status"] == "signed" and len(signed["sha256"]) == 64
    assert signed["signed_by"] == "sz-gs-pj.supervisor"
    assert _deep(signed) == 4  # two seeded deep files and the two paid cases' households
    assert signed["figures"]["aid.kind"]["living"] == [1, 150_000]

    # later records do not change the frozen version, and it cannot be compiled again
    make_applicant(network["SZ-GS-PJ"], category=Category.DEEP)
    db.session.commit()
    assert _deep(_figures(client, pj_id, headers)) == 4
    again = client.post(
        "/api/v1/returns", json={"period_kind": "month", "period": PERIOD}, headers=headers
    )
    assert again.status_code == 409

    # the district sees who signed and who is late (due day 10 of the next month has passed)
    client = _signed_in(app, "sz-gs.supervisor")
    html = client.get(f"/returns/?kind=month&period={PERIOD}").get_data(as_text=True)
    assert "SZ-GS-PJ" in html and "已签报" in html and "逾期未报" in html
    gs_id = _compile(client)
    gs_headers = api_token(client, "sz-gs.supervisor")
    district = _figures(client, gs_id, gs_headers)
    included = {c["code"]: c["included"] for c in district["children"]}
    assert included == {"SZ-GS-PJ": True, "SZ-GS-CL": False, "SZ-GS-JC": False}
    # the district's own deep file plus the station's signed four (not 沧浪's unsigned ones)
    assert _deep(district) == 5
    page = client.get(f"/returns/{gs_id}").get_data(as_text=True)
    assert "not included: unapproved" in page or "未计入：数据未审定" in page
    post_form(client, f"/returns/{gs_id}/sign", token_from=f"/returns/{gs_id}")

    # the city rolls up the signed district
    client = _signed_in(app, "sz.supervisor")
    sz_id = _compile(client)
    city = _figures(client, sz_id, api_token(client, "sz.supervisor"))
    assert _deep(city) == 5
    assert city["figures"]["aid.kind"]["medical"] == [1, 80_000]

    # the district reopens its station's return with a reason; version 2 shows the change
    client = _signed_in(app, "sz-gs.supervisor")
    refused = post_form(
        client,
        f"/returns/{pj_id}/reopen",
        {"reason": ""},
        token_from=f"/returns/{pj_id}",
        follow=True,
    )
    assert "请填写重新打开的原因" in refused.get_data(as_text=True)
    assert db.session.scalars(select(PeriodReturn)).first().versions[-1].status == "signed"
    post_form(
        client,
        f"/returns/{pj_id}/reopen",
        {"reason": "漏报一户深度困难"},
        token_from=f"/returns/{pj_id}",
    )
    client = _signed_in(app, "sz-gs-pj.supervisor")
    _compile(client)
    v2 = _figures(client, pj_id, headers)
    assert v2["version"] == 2 and v2["status"] == "draft"
    assert _deep(v2) == 5
    assert v2["changes"]["files.category"]["deep"] == [[4, 0], [5, 0]]
    assert _deep(_figures(client, pj_id, headers, version=1)) == 4
    page = client.get(f"/returns/{pj_id}").get_data(as_text=True)
    assert "<del>4</del> 5" in page
    actions = set(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("return.%")))
    )
    assert actions == {"return.compiled", "return.signed", "return.reopened"}


def test_only_a_parent_reopens_and_only_own_supervisors_sign(client, network):
    login(client, "sz-gs-pj.supervisor")
    pj_id = _compile(client)
    headers = api_token(client, "sz-gs-pj.supervisor")
    signed = client.post(f"/api/v1/returns/{pj_id}/sign", headers=headers)
    assert signed.status_code == 200
    own = client.post(f"/api/v1/returns/{pj_id}/reopen", json={"reason": "x"}, headers=headers)
    assert own.status_code == 403
    sibling = api_token(client, "sz-wz.supervisor")
    assert (
        client.post(
            f"/api/v1/returns/{pj_id}/reopen", json={"reason": "x"}, headers=sibling
        ).status_code
        == 404
    )
    parent = api_token(client, "sz-gs.supervisor")
    assert client.post(f"/api/v1/returns/{pj_id}/sign", headers=parent).status_code == 403
    bad = client.post(f"/api/v1/returns/{pj_id}/reopen", json={"reason": 5}, headers=parent)
    assert bad.status_code == 422
    caseworker = api_token(client, "sz-gs-pj.caseworker")
    bad_period = client.post(
        "/api/v1/returns", json={"period_kind": "month", "period": "2026-13"}, headers=caseworker
    )
    assert bad_period.status_code in (403, 422)
    assert (
        client.post(
            "/api/v1/returns", json={"period_kind": "week", "period": "x"}, headers=headers
        ).status_code
        == 422
    )


def test_return_prints_with_signature_blocks_and_exports_a_fixed_layout(app, client, network):
    seed_figures(network)
    login(client, "sz-gs-pj.supervisor")
    pj_id = _compile(client)
    post_form(client, f"/returns/{pj_id}/sign", token_from=f"/returns/{pj_id}")
    version_id = db.session.scalars(select(PeriodReturn)).one().current.id
    pdf = post_form(client, f"/documents/period_return/{version_id}.pdf")
    assert pdf.status_code == 200
    text = "".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf.data)).pages)
    text = re.sub(r"\s", "", text)
    assert "职工帮扶月报" in text and "签发人" in text and "单位盖章" in text and "深度困难" in text
    xlsx = client.get(f"/returns/{pj_id}/v1.xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.data)).active
    assert [c.value for c in sheet[8]] == [
        "指标",
        "项目",
        "代码",
        "数量（户/户次/笔）",
        "金额（元）",
    ]
    codes = [row[2].value for row in sheet.iter_rows(min_row=9)]
    assert codes[:3] == [
        "files.status:applied",
        "files.status:initial_review",
        "files.status:home_visit",
    ]
    living = next(row for row in sheet.iter_rows(min_row=9) if row[2].value == "aid.kind:living")
    assert living[3].value == 1 and living[4].value == "1500.00"
    # the layout does not depend on the data: an empty return has the same code column
    client = _signed_in(app, "sz-wz-cq.supervisor")
    cq_id = _compile(client)
    empty = load_workbook(io.BytesIO(client.get(f"/returns/{cq_id}/v1.xlsx").data)).active
    fixed = [
        r[2].value
        for r in empty.iter_rows(min_row=9)
        if not r[2].value.startswith(("aid.fund", "funds."))
    ]
    assert fixed == [c for c in codes if not c.startswith(("aid.fund", "funds."))]
