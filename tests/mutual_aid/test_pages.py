"""The mutual-aid pages through the web client, and the printed documents as PDF text."""

import io
import re

from openpyxl import load_workbook
from sqlalchemy import select

from assist.core.masking import mask_id
from assist.documents.models import IssuedDocument
from assist.extensions import db
from assist.mutual_aid.models import Claim, Enrolment, EnrolmentBatch, Unit
from tests.conftest import csrf_token, login, post_form
from tests.documents.funds_data import pdf_text
from tests.factories import make_applicant, next_resident_id
from tests.mutual_aid.helpers import (
    HOSPITAL_DOCS,
    attach,
    enrolment_of,
    hospital_claim,
    make_uscc,
    people,
    xlsx,
)


def test_a_caseworker_registers_a_unit_and_enrols_it_from_an_xlsx_file(client, hospital, network):
    _plan, term = hospital
    login(client, "sz-gs-pj.caseworker")
    page = client.get("/mutual-aid/units/new")
    assert page.status_code == 200 and "统一社会信用代码" in page.get_data(as_text=True)
    bad = post_form(
        client,
        "/mutual-aid/units/new",
        {
            "centre": network["SZ-GS-PJ"].id,
            "name": "平江丝绸厂工会",
            "uscc": "123",
            "staff_count": 12,
            "union_members": 11,
        },
        token_from="/mutual-aid/units/new",
    )
    assert bad.status_code == 422 and "不是有效的统一社会信用代码" in bad.get_data(as_text=True)
    assert db.session.scalar(select(Unit.id)) is None
    created = post_form(
        client,
        "/mutual-aid/units/new",
        {
            "centre": network["SZ-GS-PJ"].id,
            "name": "平江丝绸厂工会",
            "uscc": make_uscc(),
            "staff_count": 12,
            "union_members": 11,
        },
        token_from="/mutual-aid/units/new",
    )
    assert created.status_code == 302
    unit = db.session.scalars(select(Unit)).one()
    rows = people(12) + [("数字号", 320502198003011234)]
    token = csrf_token(client, f"/mutual-aid/units/{unit.id}")
    report = client.post(
        f"/mutual-aid/units/{unit.id}/roster",
        data={"csrf_token": token, "term": term.id, "file": (io.BytesIO(xlsx(rows)), "名册.xlsx")},
        content_type="multipart/form-data",
    )
    html = report.get_data(as_text=True)
    assert report.status_code == 200
    assert 'data-row="15"' in html and "以数字形式保存" in html
    assert db.session.scalar(select(Enrolment.id)) is None  # the dry run changed nothing
    confirm_token = re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)
    done = client.post(
        f"/mutual-aid/units/{unit.id}/roster/confirm",
        data={"csrf_token": token, "token": confirm_token, "term": term.id, "skip_bad": "y"},
    )
    assert done.status_code == 302, done.get_data(as_text=True)[:300]
    batch = db.session.scalars(select(EnrolmentBatch)).one()
    assert batch.rows_enrolled == 12 and batch.rows_skipped == 1
    page = client.get(f"/mutual-aid/batches/{batch.id}").get_data(as_text=True)
    assert "HA-T1-000001" in page and "¥960.00" in page
    # The token cannot be replayed.
    again = client.post(
        f"/mutual-aid/units/{unit.id}/roster/confirm",
        data={"csrf_token": token, "token": confirm_token, "term": term.id, "skip_bad": "y"},
    )
    assert again.status_code == 302
    assert db.session.scalar(select(EnrolmentBatch.id).where(EnrolmentBatch.id != batch.id)) is None


def test_claim_pages_show_the_working_checklist_and_lead_to_the_case(
    app, client, enrolled, hospital, caseworker
):
    _plan, term = hospital
    enrolment = enrolment_of(enrolled[0][1], term)
    login(client, "sz-gs-pj.caseworker")
    form = client.get(f"/mutual-aid/claims/new/{enrolment.id}")
    assert form.status_code == 200
    start = enrolment.cover_start.toordinal()
    from datetime import date

    response = post_form(
        client,
        f"/mutual-aid/claims/new/{enrolment.id}",
        {
            "event": "hospital",
            "event_date": date.fromordinal(start + 5).isoformat(),
            "discharge_date": date.fromordinal(start + 17).isoformat(),
            "hospital": "苏州大学附属第一医院",
            "diagnosis": "阑尾炎",
            "bank_name": "中国建设银行",
            "bank_account": "6227001234567890123",
        },
        token_from=f"/mutual-aid/claims/new/{enrolment.id}",
    )
    assert response.status_code == 302
    claim = db.session.scalars(select(Claim)).one()
    page = client.get(f"/mutual-aid/claims/{claim.id}").get_data(as_text=True)
    assert "住院 12 天 − 免赔 3 天 = 9 天 × ¥50 = ¥450" in page
    assert "医保结算单" in page and "6227001234567890123" not in page and "**** **** 0123" in page
    case_page = client.get(f"/cases/{claim.case_id}")
    assert case_page.status_code == 200
    assert "互助保障理赔" in case_page.get_data(as_text=True)
    assert "医保结算单" in case_page.get_data(as_text=True)  # the claim's document kinds
    listed = client.get("/mutual-aid/claims").get_data(as_text=True)
    assert claim.claim_no in listed
    assert client.get("/mutual-aid/claims?view=overdue").status_code == 200
    outsider = app.test_client()
    login(outsider, "sz-wz.caseworker")
    assert outsider.get(f"/mutual-aid/claims/{claim.id}").status_code == 404
    assert outsider.get(f"/mutual-aid/batches/{enrolment.batch_id}").status_code == 404


def test_member_lookup_page_is_a_post_and_masks_the_id(client, enrolled, hospital):
    id_number = enrolled[0][1]
    login(client, "sz-gs-pj.caseworker")
    page = post_form(
        client, "/mutual-aid/members", {"id_number": id_number}, token_from="/mutual-aid/members"
    )
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "HA-T1-" in html
    assert id_number not in html and mask_id(None, id_number[-4:]) in html
    missing = post_form(
        client,
        "/mutual-aid/members",
        {"id_number": next_resident_id()},
        token_from="/mutual-aid/members",
    )
    assert 'data-testid="not-found"' in missing.get_data(as_text=True)


def test_coverage_page_and_excel_export(client, enrolled, network):
    make_applicant(network["SZ-GS-PJ"], name="孙三")
    db.session.commit()
    login(client, "sz-gs.supervisor")
    page = client.get("/mutual-aid/coverage").get_data(as_text=True)
    assert "苏州丝绸厂工会" in page and "孙三" in page
    export = client.get("/mutual-aid/coverage?format=xlsx")
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    unit_row = next(r for r in rows if r[0] == "苏州丝绸厂工会")
    assert unit_row[3] == 12  # the same twelve people in two plans count once
    without = list(book.worksheets[1].iter_rows(values_only=True))
    assert without[1][1] == "孙三" and "*" in without[1][2]


def test_certificate_list_and_member_certificate_print_as_text_masked_by_role(
    app, client, enrolled, hospital
):
    _plan, term = hospital
    batch = db.session.scalars(
        select(EnrolmentBatch).where(EnrolmentBatch.term_id == term.id)
    ).one()
    login(client, "sz-gs-pj.finance")
    response = post_form(client, f"/documents/ma_certificate_list/{batch.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    pages, text = pdf_text(response.data)
    for expected in (
        "职工互助保障参保凭证清单",
        "苏州丝绸厂工会",
        "HA-T1-000001",
        "盖章",
        batch.batch_no,
        "已于",
    ):
        assert expected in text, expected
    first_id = enrolled[0][1]
    assert first_id not in text and mask_id(None, first_id[-4:]).replace(" ", "") in text
    enrolment = enrolment_of(first_id, term)
    caseworker_client = app.test_client()
    login(caseworker_client, "sz-gs-pj.caseworker")
    cert = post_form(caseworker_client, f"/documents/ma_certificate/{enrolment.id}.pdf")
    _pages, text = pdf_text(cert.data)
    assert "职工互助保障凭证" in text and first_id in text  # a caseworker sees the full ID
    doc = db.session.scalars(select(IssuedDocument).order_by(IssuedDocument.id.desc())).first()
    assert doc.shows_full_ids


def test_claim_case_approval_form_and_voucher_print(
    app, enrolled, hospital, caseworker, finance, funds
):
    from tests.cases.helpers import Api

    _plan, term = hospital
    claim = hospital_claim(caseworker, enrolment_of(enrolled[3][1], term))
    attach(caseworker, claim["case"]["id"], HOSPITAL_DOCS)
    caseworker.post(f"/mutual-aid/claims/{claim['id']}/actions/submit", json={})
    Api(app.test_client(), "sz-gs-pj.supervisor").post(
        f"/mutual-aid/claims/{claim['id']}/actions/approve", json={}
    )
    mutual, _union = funds
    paid = finance.post(
        f"/cases/{claim['case']['id']}/payments",
        json={
            "fund_id": mutual.id,
            "amount": "450.00",
            "method": "bank_transfer",
            "reference": "BANK-0002",
            "idempotency_key": "claim-pay-0002",
            "centre_code": "SZ",
        },
    ).get_json()
    form = caseworker.get(f"/cases/{claim['case']['id']}/approval-form.pdf")
    assert form.status_code == 200
    _pages, text = pdf_text(form.data)
    assert "互助保障理赔" in text and "450.00" in text
    enrolment = enrolment_of(enrolled[3][1], term)
    for expected in (
        "互助保障理赔审批表",
        "一、会员情况",
        enrolment.certificate_no,
        claim["claim_no"],
    ):
        assert expected in text, expected
    assert "困难类别" not in text
    voucher = finance.get(f"/payments/{paid['id']}/voucher.pdf")
    _pages, text = pdf_text(voucher.data)
    assert "付款凭证" in text and "互助金" in text and "9876543" not in text and "6543" in text


def test_claims_list_runs_the_same_statements_for_few_or_many_claims(
    client, enrolled, hospital, caseworker
):
    from sqlalchemy import event

    _plan, term = hospital
    login(client, "sz-gs-pj.caseworker")
    counts = []

    def count(*args, **kwargs):
        counts[-1] += 1

    for n in range(8):
        hospital_claim(caseworker, enrolment_of(enrolled[n][1], term), days=2 if n % 2 else 12)
        if n in (1, 7):
            db.session.commit()
            counts.append(0)
            event.listen(db.engine, "before_cursor_execute", count)
            try:
                assert client.get("/mutual-aid/claims").status_code == 200
            finally:
                event.remove(db.engine, "before_cursor_execute", count)
    assert counts[0] == counts[1], counts
