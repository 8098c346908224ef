"""Web input that used to reach the database raw (issue 11, findings 4 and 7): each case here
answered 500 on PostgreSQL, or was stored although it names no real thing.

Run on SQLite and PostgreSQL (TEST_DATABASE_URL): the overflow and NUL failures only show on
PostgreSQL, so each test also asserts the refusal itself (status, message, nothing stored).
"""

import io

import pytest
from pypdf import PdfWriter
from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject
from sqlalchemy import func, select
from werkzeug.exceptions import NotFound

from assist.applicants.models import Applicant
from assist.attachments.models import Attachment
from assist.cases.models import AidCase
from assist.documents.models import IssuedDocument
from assist.extensions import db
from assist.funds.models import LedgerEntry, Payment
from tests.conftest import api_token, csrf_token, login, post_form
from tests.factories import make_applicant
from tests.funds.factories import allocate_down, make_fund, make_ready_case

CONTROL = "控制字符"  # zh_Hans of inputs.text_problem's message
TOO_EARLY = "不得早于"  # zh_Hans of inputs.date_problem's message


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- finding 1: path ids --------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/files/2147483648", "/cases/99999999999", "/funds/2147483648"])
def test_a_path_id_beyond_a_primary_key_matches_no_route(app, path):
    with pytest.raises(NotFound):
        app.url_map.bind("localhost").match(path)


@pytest.mark.parametrize(
    "path", ["/files/99999999999", "/cases/2147483648", "/funds/payments/9223372036854775807"]
)
def test_a_page_with_an_id_beyond_a_primary_key_is_404(client, network, path):
    login(client, "sz.admin")
    assert client.get(path).status_code == 404


def test_an_api_id_beyond_a_primary_key_is_404(client, network):
    headers = api_token(client, "sz-gs-pj.caseworker")
    response = client.get("/api/v1/cases/99999999999", headers=headers)
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "not_found"


# --- finding 2: integer filters -------------------------------------------------------------


@pytest.mark.parametrize("value", ["4578542582", "99999999999999999999", "-1", "1.5"])
def test_a_fund_filter_beyond_an_integer_is_refused_with_a_message(client, network, value):
    login(client, "sz.finance")
    response = client.get(f"/funds/ledger?fund={value}")
    assert response.status_code == 422
    assert "2147483647" in response.get_data(as_text=True)  # says what it must be


@pytest.mark.parametrize(
    ("user", "url"),
    [
        ("sz.supervisor", "/files/?centre=4578542582"),
        ("sz.finance", "/funds/balances?year=99999999999"),
        ("sz.finance", "/funds/balances?year=4578542582"),
    ],
)
def test_integer_filters_on_other_pages_are_refused_alike(client, network, user, url):
    login(client, user)
    response = client.get(url)
    assert response.status_code == 422
    assert "2147483647" in response.get_data(as_text=True)


def test_the_figures_page_refuses_a_centre_beyond_an_integer_as_it_refuses_a_bad_period(
    client, network
):
    login(client, "sz.supervisor")
    response = client.get("/stats/?centre=4578542582")
    assert response.status_code == 302  # back to the page with the message, as for a period
    assert "2147483647" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_a_page_cursor_beyond_an_integer_starts_at_the_first_page(client, network):
    login(client, "sz.admin")
    assert client.get("/audit/?after=99999999999").status_code == 200
    assert client.get("/audit/?before=99999999999&page=99999999999").status_code == 200


def test_an_id_in_a_query_string_beyond_a_primary_key_is_404(client, network):
    login(client, "sz-gs-pj.caseworker")
    assert client.get("/cases/new?applicant=99999999999").status_code == 404


@pytest.mark.parametrize("value", ["0001-01-01", "9999-12-31", "2026-13-40"])
def test_a_date_filter_outside_the_calendar_is_refused(client, network, value):
    login(client, "sz.finance")
    assert client.get(f"/funds/ledger?from={value}").status_code == 422
    assert client.get(f"/funds/payments?to={value}").status_code == 422


# --- finding 3: control characters ----------------------------------------------------------


@pytest.mark.parametrize(
    "url", ["/files/?q=%00", "/search/?q=a%00b", "/cases/?q=%01", "/audit/?user=%00"]
)
def test_a_control_character_in_a_query_string_is_refused(client, network, url):
    login(client, "sz.admin" if url.startswith("/audit") else "sz.supervisor")
    response = client.get(url)
    assert response.status_code == 422
    assert CONTROL in response.get_data(as_text=True)


def test_a_control_character_in_the_search_box_is_refused(client, network):
    login(client, "sz-gs-pj.caseworker")
    response = post_form(client, "/search/", {"q": "王\x00"})
    assert response.status_code == 422
    assert CONTROL in response.get_data(as_text=True)


def test_a_nul_in_a_case_reason_is_a_field_error_and_opens_nothing(client, network):
    household = make_applicant(network["SZ-GS-PJ"])
    login(client, "sz-gs-pj.caseworker")
    response = post_form(
        client,
        "/cases/new",
        {
            "kind": "living",
            "file_no": household.file_no,
            "amount_requested": "500",
            "reason": "困难\x00",
        },
        token_from="/cases/new",
    )
    assert response.status_code == 422
    assert CONTROL in response.get_data(as_text=True)
    assert count(AidCase) == 0


def test_a_nul_in_the_sign_in_username_is_a_field_error(client, network):
    token = csrf_token(client, "/login")
    response = client.post(
        "/login", data={"username": "sz.admin\x00", "password": "x" * 10, "csrf_token": token}
    )
    assert response.status_code == 200
    assert CONTROL in response.get_data(as_text=True)


def test_a_nul_in_an_allocation_note_books_nothing(client, network):
    fund = make_fund(received_fen=1_000_000)
    before = count(LedgerEntry)
    login(client, "sz.finance")
    response = post_form(
        client,
        f"/funds/{fund.id}/allocate",
        {"centre": network["SZ-GS"].id, "amount": "100", "note": "拨付\x00"},
        token_from=f"/funds/{fund.id}",
    )
    assert response.status_code < 500
    assert count(LedgerEntry) == before
    page = client.get(f"/funds/{fund.id}").get_data(as_text=True) + response.get_data(as_text=True)
    assert CONTROL in page or response.status_code == 422


def _pay(client, network, **changes):
    fund = make_fund(received_fen=2_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 500_000)
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=100_000)
    login(client, "sz-gs-pj.finance")
    url = f"/funds/cases/{case.id}/pay"
    data = {
        "source": f"{fund.id}:{network['SZ-GS-PJ'].id}",
        "method": "cash",
        "amount": "400",
        "signed_by": "王建国",
        "signed_on": "2026-01-05",
        "idempotency_key": "a" * 32,
    }
    data.update(changes)
    return post_form(client, url, data, token_from=url)


def test_a_nul_in_a_payment_note_pays_nothing(client, network):
    response = _pay(client, network, note="现金\x00")
    assert response.status_code == 422
    assert CONTROL in response.get_data(as_text=True)
    assert count(Payment) == 0


# --- finding 4: dates -----------------------------------------------------------------------


@pytest.mark.parametrize("day", ["0001-01-01", "1899-12-31"])
def test_a_cash_payment_signed_before_1900_is_refused(client, network, day):
    response = _pay(client, network, signed_on=day)
    assert response.status_code == 422
    assert TOO_EARLY in response.get_data(as_text=True)
    assert count(Payment) == 0


def test_a_cash_payment_signed_in_1900_or_later_is_still_paid(client, network):
    assert _pay(client, network).status_code == 302
    assert count(Payment) == 1


def test_the_payment_service_refuses_a_date_before_1900_for_every_edge(app, network):
    from datetime import date

    from assist.core.errors import ValidationError
    from assist.funds.services import _signed_on

    with pytest.raises(ValidationError) as refused:
        _signed_on(date(1, 1, 1), required=True)
    assert "signed_on" in refused.value.fields


# --- finding 5: documents are issued by POST or a signed link -------------------------------


def test_a_cross_site_get_issues_no_document(client, network):
    household = make_applicant(network["SZ-GS-PJ"])
    login(client, "sz-gs-pj.caseworker")
    response = client.get(f"/documents/case_file/{household.id}.pdf")  # as an <img> would
    assert response.mimetype == "text/html"
    assert 'method="post"' in response.get_data(as_text=True)
    forged = client.get(f"/documents/case_file/{household.id}.pdf?t=forged")
    assert forged.mimetype == "text/html"
    assert count(IssuedDocument) == 0


@pytest.mark.slow  # renders a PDF
def test_the_page_link_and_the_print_button_issue_the_document(client, network):
    household = make_applicant(network["SZ-GS-PJ"])
    login(client, "sz-gs-pj.caseworker")
    page = client.get(f"/files/{household.id}").get_data(as_text=True)
    start = page.index(f"/documents/case_file/{household.id}.pdf?t=")
    link = page[start : page.index('"', start)].replace("&amp;", "&")
    assert client.get(link).mimetype == "application/pdf"
    other = make_applicant(network["SZ-GS-PJ"])
    swapped = link.replace(f"/case_file/{household.id}.pdf", f"/case_file/{other.id}.pdf")
    assert client.get(swapped).mimetype == "text/html"  # a link issues only its own document
    posted = post_form(client, f"/documents/case_file/{household.id}.pdf")
    assert posted.mimetype == "application/pdf"
    assert count(IssuedDocument) == 2


# --- finding 6: active content in PDFs ------------------------------------------------------


def _pdf(root_extra: dict | None = None, attach: bool = False) -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    for key, value in (root_extra or {}).items():
        writer._root_object[NameObject(key)] = value
    if attach:
        writer.add_attachment("payload.exe", b"MZ")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _action(kind: str) -> DictionaryObject:
    return DictionaryObject(
        {
            NameObject("/S"): NameObject(kind),
            NameObject("/JS"): TextStringObject("app.alert(1)"),
            NameObject("/F"): TextStringObject("calc.exe"),
        }
    )


ACTIVE = {
    "open_action_js": {"root_extra": {"/OpenAction": _action("/JavaScript")}},
    "launch": {"root_extra": {"/OpenAction": _action("/Launch")}},
    "additional_actions": {
        "root_extra": {"/AA": DictionaryObject({NameObject("/O"): _action("/JavaScript")})}
    },
    "embedded_file": {"attach": True},
}


@pytest.mark.parametrize("name", sorted(ACTIVE))
def test_a_pdf_with_active_content_is_refused_as_an_attachment(client, network, name):
    household = make_applicant(network["SZ-GS-PJ"])
    login(client, "sz-gs-pj.caseworker")
    url = f"/files/{household.id}"
    response = post_form(
        client,
        f"{url}/attachments",
        {"kind": "id_copy", "file": (io.BytesIO(_pdf(**ACTIVE[name])), "证明.pdf")},
        token_from=url,
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "JavaScript" in response.get_data(as_text=True)
    assert count(Attachment) == 0


def test_a_plain_pdf_with_a_page_open_action_is_still_accepted(client, network):
    household = make_applicant(network["SZ-GS-PJ"])
    login(client, "sz-gs-pj.caseworker")
    url = f"/files/{household.id}"
    plain = _pdf({"/OpenAction": ArrayObject([NameObject("/Fit")])})
    response = post_form(
        client,
        f"{url}/attachments",
        {"kind": "id_copy", "file": (io.BytesIO(plain), "证明.pdf")},
        token_from=url,
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert count(Attachment) == 1
    assert db.session.scalar(select(func.count()).select_from(Applicant)) == 1
