"""The aid case pages: opening, deciding, queues, notice list, through the web routes."""

import hashlib
import io
import re

import pytest
from sqlalchemy import func, select

from assist.cases.models import AidCase, CaseStatus
from assist.extensions import db
from tests.cases.helpers import case_row
from tests.conftest import login, post_form
from tests.factories import make_applicant, png_bytes


@pytest.fixture
def web(app, network):
    """A browser session per username."""

    def make(username):
        client = app.test_client()
        response = login(client, username)
        assert response.status_code == 302
        return client

    return make


def _open_and_submit(web, household, amount="1500.00", kind="living", **extra):
    cw = web("sz-gs-pj.caseworker")
    response = post_form(
        cw,
        "/cases/new",
        {
            "kind": kind,
            "file_no": household.file_no,
            "amount_requested": amount,
            "reason": "家庭困难",
            **extra,
        },
        token_from="/cases/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    case_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    response = post_form(
        cw, f"/cases/{case_id}/submit", {"comment": ""}, token_from=f"/cases/{case_id}"
    )
    assert response.status_code == 302
    assert case_row(case_id).status == CaseStatus.SUBMITTED
    return cw, case_id


def test_1500_case_opened_and_approved_through_the_pages(web, household):
    cw, case_id = _open_and_submit(web, household)
    sup = web("sz-gs-pj.supervisor")
    page = sup.get(f"/cases/{case_id}").get_data(as_text=True)
    assert f"/cases/{case_id}/decide/approve" in page, page[page.find("<main") :]
    form = sup.get(f"/cases/{case_id}/decide/approve")
    assert form.status_code == 200
    assert 'value="1500.00"' in form.get_data(as_text=True)
    response = post_form(
        sup,
        f"/cases/{case_id}/decide/approve",
        {"amount_approved": "1500.00", "comment": "同意"},
        token_from=f"/cases/{case_id}/decide/approve",
    )
    assert response.status_code == 302
    row = case_row(case_id)
    assert row.status == CaseStatus.IN_NOTICE
    assert row.amount_approved_fen == 150_000
    page = cw.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "同意" in page and "timeline" in page


def test_8000_case_recommended_then_approved_at_district(web, household):
    _cw, case_id = _open_and_submit(
        web, household, amount="8000.00", kind="medical", self_paid="8000.00"
    )
    sup = web("sz-gs-pj.supervisor")
    # Approving above the station limit is refused on the form, changing nothing.
    response = post_form(
        sup,
        f"/cases/{case_id}/decide/approve",
        {"amount_approved": "8000.00"},
        token_from=f"/cases/{case_id}/decide/approve",
    )
    assert response.status_code == 409
    assert "2,000.00" in response.get_data(as_text=True)
    assert case_row(case_id).approval_centre.code == "SZ-GS-PJ"
    response = post_form(
        sup,
        f"/cases/{case_id}/decide/recommend",
        {"amount_approved": "8000.00", "comment": "建议批准"},
        token_from=f"/cases/{case_id}/decide/recommend",
    )
    assert response.status_code == 302
    district = web("sz-gs.supervisor")
    queue = district.get("/inbox/").get_data(as_text=True)
    assert case_row(case_id).case_no in queue
    response = post_form(
        district,
        f"/cases/{case_id}/decide/approve",
        {"amount_approved": "8000.00", "comment": "同意"},
        token_from=f"/cases/{case_id}/decide/approve",
    )
    assert response.status_code == 302
    assert case_row(case_id).status == CaseStatus.IN_NOTICE


def test_60000_case_approved_at_the_city_with_the_minutes_uploaded(web, household):
    from datetime import date

    from assist.cases.models import AidRule

    db.session.add(
        AidRule(kind="medical", variant="", effective_from=date(2020, 1, 1), cap_fen=None)
    )
    db.session.commit()
    _cw, case_id = _open_and_submit(
        web, household, amount="60000.00", kind="medical", self_paid="70000.00"
    )
    for user in ("sz-gs-pj.supervisor", "sz-gs.supervisor"):
        client = web(user)
        response = post_form(
            client,
            f"/cases/{case_id}/decide/recommend",
            {"comment": "建议上报"},
            token_from=f"/cases/{case_id}/decide/recommend",
        )
        assert response.status_code == 302
    city = web("sz.supervisor")
    page = city.get(f"/cases/{case_id}/decide/approve").get_data(as_text=True)
    assert 'name="attachment"' in page and 'name="meeting_date"' in page
    response = post_form(
        city,
        f"/cases/{case_id}/decide/approve",
        {"amount_approved": "60000.00"},
        token_from=f"/cases/{case_id}/decide/approve",
    )
    assert response.status_code == 409
    assert case_row(case_id).status == CaseStatus.SUBMITTED
    response = post_form(
        city,
        f"/cases/{case_id}/decide/approve",
        {
            "amount_approved": "60000.00",
            "meeting_date": "2026-01-10",
            "reference": "苏工援〔2026〕3号",
            "attachment": (io.BytesIO(png_bytes()), "纪要.png"),
        },
        token_from=f"/cases/{case_id}/decide/approve",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    row = case_row(case_id)
    assert row.status == CaseStatus.IN_NOTICE
    assert row.collective_decision.attachment_mime == "image/png"
    # The minutes are the case's attachment, served by the one checked, audited route.
    page = city.get(f"/cases/{case_id}").get_data(as_text=True)
    minutes = re.search(r'data-kind="collective_decision">.*?href="(/attachments/\d+)"', page, re.S)
    assert minutes is not None
    assert 'data-testid="collective-decision"' in page and minutes.group(1) in page
    download = city.get(minutes.group(1))
    assert download.status_code == 200
    assert download.data == png_bytes()
    assert row.collective_decision.attachment_sha256 == hashlib.sha256(png_bytes()).hexdigest()
    # Someone outside the case's subtree cannot fetch it.
    assert web("sz-wz.supervisor").get(minutes.group(1)).status_code == 404


def test_reject_and_return_need_comments_on_the_form(web, household):
    _cw, case_id = _open_and_submit(web, household)
    sup = web("sz-gs-pj.supervisor")
    url = f"/cases/{case_id}/decide/return"
    response = post_form(sup, url, {"comment": ""}, token_from=url)
    assert response.status_code == 422
    response = post_form(sup, url, {"comment": "请补充材料"}, token_from=url)
    assert response.status_code == 302
    assert case_row(case_id).status == CaseStatus.RETURNED
    cw = web("sz-gs-pj.caseworker")
    assert case_row(case_id).case_no in cw.get("/inbox/").get_data(as_text=True)
    # The caseworker changes the amount and submits again.
    response = post_form(
        cw,
        f"/cases/{case_id}/edit",
        {"kind": "living", "amount_requested": "1400.00", "reason": "已补充材料"},
        token_from=f"/cases/{case_id}/edit",
    )
    assert response.status_code == 302
    assert case_row(case_id).amount_requested_fen == 140_000
    post_form(cw, f"/cases/{case_id}/submit", {}, token_from=f"/cases/{case_id}")
    url = f"/cases/{case_id}/decide/reject"
    response = post_form(sup, url, {"comment": "不符合条件"}, token_from=url)
    assert response.status_code == 302
    assert case_row(case_id).status == CaseStatus.REJECTED


def test_new_case_form_shows_field_errors(web, household):
    cw = web("sz-gs-pj.caseworker")
    response = post_form(
        cw,
        "/cases/new",
        {"kind": "living", "file_no": "NOPE-1", "amount_requested": "12x", "reason": "x"},
        token_from="/cases/new",
    )
    assert response.status_code == 422
    assert 'data-field-error="amount_requested"' in response.get_data(as_text=True)
    response = post_form(
        cw,
        "/cases/new",
        {"kind": "living", "file_no": "NOPE-1", "amount_requested": "12", "reason": "x"},
        token_from="/cases/new",
    )
    assert response.status_code == 422
    assert 'data-field-error="file_no"' in response.get_data(as_text=True)
    # a control character in the file number is refused with the field's message, not a
    # database error (PostgreSQL refuses NUL in text: the form fuzzer found this 500)
    for bad in ("\x00", "SZ\x07-1"):
        response = post_form(
            cw,
            "/cases/new",
            {"kind": "living", "file_no": bad, "amount_requested": "12", "reason": "x"},
            token_from="/cases/new",
        )
        assert response.status_code == 422, bad
        assert 'data-field-error="file_no"' in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(AidCase.id))) == 0


def test_names_render_inert(web, network, standard):
    applicant = make_applicant(network["SZ-GS-PJ"], name="<script>x</script>")
    db.session.commit()
    _cw, case_id = _open_and_submit(web, applicant)
    sup = web("sz-gs-pj.supervisor")
    page = sup.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;" in page


def test_notice_list_is_masked_and_printable(web, household):
    household.health_notes_enc = None
    household.bank_account = "6222020200112233445"
    db.session.commit()
    _cw, case_id = _open_and_submit(web, household)
    sup = web("sz-gs-pj.supervisor")
    post_form(
        sup,
        f"/cases/{case_id}/decide/approve",
        {"amount_approved": "1500.00"},
        token_from=f"/cases/{case_id}/decide/approve",
    )
    for url in ("/cases/notices", "/cases/notices/print?centre=SZ-GS-PJ"):
        page = sup.get(url).get_data(as_text=True)
        assert "张*明" in page
        assert "张三明" not in page
        assert "苏州纺织厂" in page
        assert "1,500.00" in page
        assert household.id_number not in page and household.id_last4 not in page
        assert "3445" not in page
    # The district sees its stations' notices; the sibling district does not.
    assert "张*明" in web("sz-gs.supervisor").get("/cases/notices").get_data(as_text=True)
    assert "张*明" not in web("sz-wz.supervisor").get("/cases/notices").get_data(as_text=True)


def test_queues_show_counts_ages_and_amounts(web, household, network, standard):
    _open_and_submit(web, household)
    other = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    _open_and_submit(web, other, amount="500.00")
    sup = web("sz-gs-pj.supervisor")
    page = sup.get("/inbox/").get_data(as_text=True)
    assert 'data-testid="queue-approvals"' in page
    assert "2,000.00" in page  # the two requests together
    home = sup.get("/").get_data(as_text=True)
    assert "2,000.00" in home
    finance = web("sz-gs-pj.finance").get("/inbox/").get_data(as_text=True)
    assert 'data-testid="queue-to_pay"' in finance
    assert 'data-testid="queue-approvals"' not in finance


def test_decisions_need_a_fresh_sign_in(app, web, household):
    _cw, case_id = _open_and_submit(web, household)
    sup = web("sz-gs-pj.supervisor")
    with sup.session_transaction() as sess:
        sess["_fresh"] = False
        sess["login_at"] = 0
    response = sup.get(f"/cases/{case_id}/decide/approve")
    assert response.status_code == 302
    assert "/reauthenticate" in response.headers["Location"]


def test_the_file_page_leads_to_the_households_cases(web, household):
    cw = web("sz-gs-pj.caseworker")
    page = cw.get(f"/files/{household.id}").get_data(as_text=True)
    assert f'href="/cases/new?applicant={household.id}"' in page
    assert f'href="/cases/?q={household.file_no}"' in page
    form = cw.get(f"/cases/new?applicant={household.id}").get_data(as_text=True)
    assert f'value="{household.file_no}"' in form
    auditor = web("sz-gs-pj.auditor").get(f"/files/{household.id}").get_data(as_text=True)
    assert 'data-testid="file-cases"' in auditor and 'data-testid="open-case"' not in auditor
