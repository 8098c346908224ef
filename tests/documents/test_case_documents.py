"""The approval form (帮扶审批表), the public notice list (公示名单) and their batches."""

import io
import re

import pypdf
import pytest
from sqlalchemy import select

from assist.cases import services as cases
from assist.cases.documents import NoticePeriod, approval_forms_of_period, notice_months
from assist.cases.models import AidCase
from assist.core.crypto import read_encrypted_bytes
from assist.core.masking import mask_id
from assist.core.timeutil import to_local
from assist.documents import jobs
from assist.documents.models import IssuedDocument, PrintJob
from assist.documents.registry import get_spec
from assist.extensions import db
from tests.conftest import api_token, login
from tests.documents.builders import demo_household, register_file
from tests.factories import user


def text_of(pdf: bytes) -> tuple[str, int]:
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    return re.sub(r"\s+", "", "".join(p.extract_text() for p in reader.pages)), len(reader.pages)


@pytest.fixture
def household(network):
    applicant = demo_household()
    db.session.commit()
    return applicant


def _cases() -> list[AidCase]:
    return list(db.session.scalars(select(AidCase).order_by(AidCase.id)))


def _period(centre) -> NoticePeriod:
    started = to_local(_cases()[0].notice_started_at)
    return NoticePeriod(centre, started.year, started.month)


def test_approval_form_has_a_block_per_tier_that_acted(client, household):
    medical = _cases()[1]
    login(client, "sz-gs-pj.supervisor")
    response = client.get(f"/documents/approval_form/{medical.id}.pdf")
    assert response.status_code == 200
    text, page_count = text_of(response.data)
    assert "帮扶审批表" in text and medical.case_no in text and "张三明" in text
    assert "¥8,000.00人民币捌仟元整" in text
    # Masked ID on the form, whoever prints it.
    assert mask_id(household.id_number) in text and household.id_number not in text
    assert "站级意见：平江街道职工服务站" in text
    assert "区级意见：姑苏区总工会职工援助服务中心" in text
    assert "情况属实，超出本站审批权限，建议区级审批。" in text
    assert "审批人：姑苏区总工会审批人" in text.replace("（签字）", "")
    assert "市级意见" not in text  # the city never acted
    document = db.session.scalars(select(IssuedDocument)).one()
    assert document.doc_no == response.headers["X-Document-Number"]
    assert document.doc_no in text and document.page_count == page_count
    assert page_count == 1  # one sheet to sign and seal


def test_approval_form_fits_three_tiers_on_one_sheet(client, network):
    """A ¥15,000 medical case recommended by the station and the district and approved by the
    city: three tier rows, the whole form still on one A4 sheet."""
    applicant = register_file("SZ-GS-PJ", n=3)
    case = cases.create_case(
        acting_user=user("sz-gs-pj.caseworker"),
        data=cases.CaseInput(
            kind="medical",
            applicant=applicant,
            amount_requested_fen=1_500_000,
            self_paid_fen=2_000_000,
            reason="家庭主要劳动力患病，收入骤减，生活困难。",
        ),
    )
    cases.submit_case(case, acting_user=user("sz-gs-pj.caseworker"))
    cases.recommend_case(
        case,
        acting_user=user("sz-gs-pj.supervisor"),
        amount_fen=1_500_000,
        comment="情况属实，超出本站审批权限，建议区级审批。",
    )
    cases.recommend_case(
        case,
        acting_user=user("sz-gs.supervisor"),
        amount_fen=1_500_000,
        comment="情况属实，超出区级审批权限，建议市级审批。",
    )
    cases.approve_case(case, acting_user=user("sz.supervisor"), comment="经市中心审核，同意救助。")
    db.session.commit()

    login(client, "sz-gs-pj.supervisor")
    response = client.get(f"/documents/approval_form/{case.id}.pdf")
    assert response.status_code == 200
    text, page_count = text_of(response.data)
    for tier in (
        "站级意见：平江街道职工服务站",
        "区级意见：姑苏区总工会职工援助服务中心",
        "市级意见：",
    ):
        assert tier in text
    assert "经市中心审核，同意救助。" in text and "¥15,000.00人民币壹万伍仟元整" in text
    assert page_count == 1


def test_approval_form_waiting_case_leaves_the_deciding_tier_blank(client, household):
    legal = _cases()[3]
    login(client, "sz-gs-pj.caseworker")
    text, _ = text_of(client.get(f"/documents/approval_form/{legal.id}.pdf").data)
    assert "站级意见：平江街道职工服务站" in text and "申报，请审批。" in text
    assert "年月日" in text  # the supervisor dates and signs by hand


def test_approval_form_api_and_scope(client, household):
    medical = _cases()[1]
    url = f"/api/v1/cases/{medical.id}/approval-form.pdf"
    assert client.get(url, headers=api_token(client, "sz-gs-jc.supervisor")).status_code == 404
    response = client.get(url, headers=api_token(client, "sz-gs.finance"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert medical.case_no in text_of(response.data)[0]


def test_case_page_has_the_print_button(client, household):
    case = _cases()[0]
    login(client, "sz-gs-pj.caseworker")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/documents/approval_form/{case.id}.pdf"' in page and "打印审批表" in page


def test_notice_list_masks_names_and_shows_nothing_sensitive(client, household, network):
    period = _period(network["SZ-GS"])
    login(client, "sz-gs.supervisor")
    notices = client.get("/cases/notices?centre=SZ-GS").get_data(as_text=True)
    assert f'href="/documents/notice_list/{period.id}.pdf"' in notices
    response = client.get(f"/documents/notice_list/{period.id}.pdf")
    assert response.status_code == 200
    text, _ = text_of(response.data)
    assert "帮扶救助公示名单" in text and "张*明" in text and "张三明" not in text
    assert "苏州纺织机械厂" in text
    assert "生活救助" in text and "医疗救助" in text and "送温暖" in text
    assert "10,500.00" in text and "人民币壹万零伍佰元整" in text
    # Never an ID (full or masked), an illness or a bank account.
    assert household.id_number not in text and household.id_number[-4:] not in text
    assert not re.search(r"\d{6}\*{4,}", text)
    for word in ("慢性", "透析", "重大疾病", "6222", "4567", "工商银行", "身份证"):
        assert word not in text
    document = db.session.scalars(select(IssuedDocument)).one()
    assert document.kind == "notice_list" and document.centre_id == network["SZ-GS"].id


def test_notice_list_scope(client, household, network):
    period = _period(network["SZ-GS"])
    login(client, "sz-gs-pj.caseworker")  # the district's list is above the station
    assert client.get(f"/documents/notice_list/{period.id}.pdf").status_code == 404
    login_finance = client.application.test_client()
    login(login_finance, "sz-gs.finance")  # not a role of the notices page
    assert login_finance.get(f"/documents/notice_list/{period.id}.pdf").status_code == 403


def test_notice_list_verifies_unchanged_while_the_month_is_the_same(client, household, network):
    period = _period(network["SZ-GS-PJ"])
    login(client, "sz-gs-pj.supervisor")
    response = client.get(f"/documents/notice_list/{period.id}.pdf")
    document = db.session.scalars(select(IssuedDocument)).one()
    page = client.get(f"/documents/verify?code={document.verify_code}").get_data(as_text=True)
    assert response.status_code == 200 and 'data-testid="unchanged"' in page


def test_batch_choices_and_subjects(household, network):
    period = _period(network["SZ-GS-PJ"])
    caseworker = user("sz-gs-pj.caseworker")
    spec = get_spec("case_file")
    assert spec.batch_choices(caseworker) == [("SZ-GS-PJ", "SZ-GS-PJ 平江街道职工服务站")]
    assert spec.batch_subjects(caseworker, "SZ-GS-PJ") == [(household.id, household.file_no)]
    assert spec.batch_subjects(caseworker, "SZ-GS-CL") == []  # outside the station's scope
    district = user("sz-gs.supervisor")
    assert {v for v, _ in spec.batch_choices(district)} == {"SZ-GS-PJ", "SZ-GS-CL", "SZ-GS-JC"}

    assert period.value in {v for v, _ in notice_months(caseworker)}
    assert f"SZ-GS|{period.year}-{period.month:02d}" in {v for v, _ in notice_months(district)}
    forms = approval_forms_of_period(caseworker, period.value)
    assert [label for _, label in forms] == [c.case_no for c in _cases()[:3]]


def test_batch_of_a_station_prints_every_active_file(app, network):
    first = demo_household(name="周建华", n=1)
    second = demo_household(name="吴桂芳", n=2)
    db.session.commit()
    spec = get_spec("case_file")
    job = jobs.create_job(spec, "SZ-GS-PJ", acting_user=user("sz-gs-pj.caseworker"), output="pdf")
    db.session.commit()
    job_id = job.id
    assert jobs.run_pending(app) == 1
    db.session.rollback()  # end the test's transaction: see what the runner committed
    job = db.session.get(PrintJob, job_id)
    assert job.status == "done" and job.done == job.total == 2
    text, page_count = text_of(read_encrypted_bytes(job.result_path, purpose=jobs.FILE_PURPOSE))
    assert "周建华" in text and "吴桂芳" in text
    assert first.file_no in text and second.file_no in text
    documents = db.session.scalars(select(IssuedDocument)).all()
    assert sum(d.page_count for d in documents) == page_count
    assert all(d.shows_full_ids and d.print_job_id == job_id for d in documents)
