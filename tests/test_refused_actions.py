"""A refused action form (a field that fails its checks) leaves the user on the record's page
with the message in their language: never a bare 400, never a POST-only URL (item 7, issue 13).

Each form is posted with a value its field refuses (a NUL character or an over-long reason,
as the form fuzzer in tests/security does); the answer is the record's page re-rendered with
the message, or a 303 back to it with the message flashed, and nothing changes.
"""

import io
import re

import pytest
from werkzeug.datastructures import FileStorage

from assist.applicants import services as file_services
from assist.cases import attachments as case_attachments
from assist.cases.models import CaseStatus
from assist.extensions import db
from tests.conftest import login, post_form
from tests.factories import PDF, make_applicant, user
from tests.funds.factories import make_ready_case
from tests.mutual_aid.conftest import make_unit

TOO_LONG = "长" * 600
ZH_REFUSAL = re.compile(r"alert-danger[^>]*>[^<]*(不得|超过|请|字|不完整|无效|不能)")


def _refused_on_page(client, response, page: str):
    """The answer is the record's page with the message: re-rendered, or a 303 back to it."""
    assert response.status_code != 405
    if response.status_code == 303:
        assert response.headers["Location"].endswith(page)
        response = client.get(page)
        assert response.status_code == 200
    else:
        assert response.status_code in (400, 422)
    html = response.get_data(as_text=True)
    assert "alert-danger" in html, html[:2000]
    assert ZH_REFUSAL.search(html), re.findall(r"alert-danger[^>]*>[^<]*", html)
    assert "<html" in html  # a whole page, not a bare error
    return html


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("actions/submit", {"reason": "a\x00b"}),
        ("actions/submit", {"reason": TOO_LONG}),
        ("override", {"reason": TOO_LONG, "category": "deep"}),
        ("review", {"note": TOO_LONG}),
    ],
)
def test_file_action_forms_refused_stay_on_the_file(client, network, path, data):
    applicant = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    status_before = applicant.status
    username = "sz-gs-pj.supervisor" if path == "override" else "sz-gs-pj.caseworker"
    login(client, username)
    page = f"/files/{applicant.id}"
    response = post_form(client, f"{page}/{path}", data, token_from=page)
    html = _refused_on_page(client, response, page)
    assert applicant.file_no in html
    db.session.expire_all()
    assert applicant.status == status_before


def test_removing_a_file_document_without_a_valid_reason_stays_on_the_file(client, network):
    applicant = make_applicant(network["SZ-GS-PJ"])
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    page = f"/files/{applicant.id}"
    added = post_form(
        client,
        f"{page}/attachments",
        {"kind": "id_copy", "file": (io.BytesIO(PDF), "id.pdf")},
        token_from=page,
        content_type="multipart/form-data",
    )
    assert added.status_code == 302
    attachment_id = int(re.search(r"/attachments/(\d+)/remove", client.get(page).text).group(1))
    response = post_form(
        client, f"{page}/attachments/{attachment_id}/remove", {"reason": TOO_LONG}, token_from=page
    )
    _refused_on_page(client, response, page)
    assert client.get(f"/attachments/{attachment_id}").status_code == 200  # still there


def test_declining_a_transfer_with_a_bad_reason_returns_to_the_transfers(client, network):
    applicant = make_applicant(network["SZ-GS-PJ"], status="active")
    db.session.flush()
    transfer = file_services.request_transfer(
        applicant,
        acting_user=user("sz-gs-pj.caseworker"),
        to_centre=network["SZ-WZ-CQ"],
        reason="moved_home",
        note="",
    )
    db.session.commit()
    login(client, "sz-wz-cq.caseworker")
    response = post_form(
        client,
        f"/files/transfers/{transfer.id}/decline",
        {"reason": TOO_LONG},
        token_from="/files/transfers",
    )
    _refused_on_page(client, response, "/files/transfers")
    db.session.expire_all()
    assert transfer.status == "pending"


def test_removing_a_case_document_without_a_valid_reason_stays_on_the_case(client, network):
    case = make_ready_case(network["SZ-GS-PJ"])
    case.status = CaseStatus.DRAFT  # documents change while the case is being prepared
    db.session.commit()
    attachment = case_attachments.add_case_attachment(
        case,
        FileStorage(io.BytesIO(PDF), "invoice.pdf"),
        acting_user=user("sz-gs-pj.caseworker"),
        kind="invoice",
    )
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    page = f"/cases/{case.id}"
    response = post_form(
        client, f"{page}/attachments/{attachment.id}/remove", {"reason": "\x00"}, token_from=page
    )
    _refused_on_page(client, response, page)
    db.session.expire_all()
    assert attachment.removed_at is None


def test_compiling_a_return_with_an_altered_form_returns_to_the_returns(client, network):
    login(client, "sz-gs-pj.supervisor")
    response = post_form(
        client,
        "/returns/compile",
        {"period_kind": "month\x00", "period": "2026-12"},
        token_from="/returns/",
    )
    _refused_on_page(client, response, "/returns/")


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("roster/confirm", {"token": "", "term": ""}),
        ("renew", {"from_term": "", "to_term": ""}),
    ],
)
def test_mutual_aid_roster_forms_refused_stay_on_the_unit(client, network, path, data):
    unit = make_unit(network["SZ-GS-PJ"])
    login(client, "sz-gs-pj.caseworker")
    page = f"/mutual-aid/units/{unit.id}"
    response = post_form(client, f"{page}/{path}", data, token_from=page)
    _refused_on_page(client, response, page)
