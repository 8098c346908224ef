"""The top bar's search: one record opens it, several list mixed, a full ID never in a URL."""

import pytest

from assist.extensions import db
from tests.conftest import csrf_token, login
from tests.factories import make_applicant, make_standard
from tests.funds.factories import make_ready_case


@pytest.fixture
def web(app, network):
    make_standard()
    db.session.commit()

    def make(username):
        client = app.test_client()
        assert login(client, username).status_code == 302
        return client

    return make


def _post(client, q):
    return client.post("/search/", data={"q": q, "csrf_token": csrf_token(client, "/")})


def test_full_id_answers_on_the_post_and_never_reaches_a_url(web, network):
    applicant = make_applicant(network["SZ-GS-PJ"], name="搜索甲", phone="13800001234")
    db.session.commit()
    cw = web("sz-gs-pj.caseworker")
    response = _post(cw, applicant.id_number)
    assert response.status_code == 302
    assert response.headers["Location"] == f"/files/{applicant.id}"
    assert applicant.id_number not in response.headers["Location"]
    # Last four, phone, file number and name each find it too (via GET after the POST).
    for q in (applicant.id_last4, "13800001234", applicant.file_no, "搜索甲"):
        response = _post(cw, q)
        assert response.status_code == 302 and response.headers["Location"].startswith("/search/")
        assert cw.get(response.headers["Location"]).headers["Location"] == f"/files/{applicant.id}"
    # The box is on every page; without its CSRF token the POST is refused.
    assert 'data-testid="top-search"' in cw.get("/").get_data(as_text=True)
    assert cw.post("/search/", data={"q": "x"}).status_code == 400


def test_several_hits_list_files_cases_and_payments_within_scope(web, network):
    pj = network["SZ-GS-PJ"]
    make_applicant(pj, name="同名乙")
    case = make_ready_case(pj, name="同名乙")
    elsewhere = make_applicant(network["SZ-WZ"], name="同名乙")
    db.session.commit()
    sup = web("sz-gs-pj.supervisor")
    html = sup.get("/search/?q=同名乙").get_data(as_text=True)
    assert html.count("同名乙") >= 3 and case.case_no in html
    assert elsewhere.file_no not in html  # another district's file is not found
    assert "困难职工档案" in html and "帮扶案件" in html
    # Nothing found says what can be typed; huge input is no error, a NUL byte is refused
    # with a message (tests/security/test_web_inputs.py), never a 500.
    assert 'data-testid="no-results"' in sup.get("/search/?q=无此人").get_data(as_text=True)
    assert sup.get("/search/?q=%00abc").status_code == 422
    assert sup.get("/search/?q=" + "x" * 5000).status_code == 200


def test_finance_finds_a_payment_by_its_bank_reference(web, network):
    from assist.funds import services
    from tests.factories import user
    from tests.funds.factories import allocate_down, make_fund

    fund = make_fund(received_fen=1_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 300_000)
    case = make_ready_case(network["SZ-GS-PJ"], amount_fen=10_000)
    payment, _ = services.pay_case(
        case,
        acting_user=user("sz-gs-pj.finance"),
        fund=fund,
        amount_fen=10_000,
        details=services.PaymentDetails(method="bank_transfer", reference="ICBC-778899"),
        idempotency_key="search-payment-00001",
    )
    db.session.commit()
    fin = web("sz-gs-pj.finance")
    response = fin.get("/search/?q=ICBC-778899")
    assert response.headers["Location"] == f"/funds/payments/{payment.id}"
    # An administrator reads no files: the search finds payments only, never a household.
    admin = web("sz-gs-pj.admin")
    found = admin.get(f"/search/?q={case.applicant.file_no}").get_data(as_text=True)
    assert 'data-testid="no-results"' in found
