"""The printed case file (困难职工档案), issued from real data: text, masking, audit, verify."""

import io
import re

import pypdf
import pytest
from sqlalchemy import select

from assist.applicants import services as file_services
from assist.audit.models import AuditEntry
from assist.core.masking import mask_id
from assist.documents import pdf as pdf_engine
from assist.documents.models import IssuedDocument
from assist.extensions import db
from tests.conftest import api_token, login, post_form
from tests.documents.builders import demo_household
from tests.factories import user

HOSTILE_NAME = '<img src="file:///etc/passwd">'


def pages(pdf: bytes) -> list[str]:
    return [p.extract_text() for p in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def issued(doc_no: str) -> IssuedDocument:
    db.session.expire_all()
    return db.session.scalars(select(IssuedDocument).where(IssuedDocument.doc_no == doc_no)).one()


@pytest.fixture
def household(network):
    applicant = demo_household()
    db.session.commit()
    return applicant


def test_caseworker_prints_full_ids_and_the_print_is_audited(client, household):
    head_id = household.id_number
    member_ids = [m.id_number for m in household.members]
    login(client, "sz-gs-pj.caseworker")
    response = post_form(client, f"/documents/case_file/{household.id}.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    texts = pages(response.data)
    text = squash("".join(texts))

    for name in ("张三明", "李秀英", "张小龙", "张国强", "平江街道职工服务站"):
        assert name in text
    assert head_id in text and all(m in text for m in member_ids)
    assert "6222021102001234567" in text
    # The assessment's working and the 低保 standard used.
    assert "（30,000.00−12,000.00）÷12÷4" in text and "375.00元/人·月" in text
    assert "苏州市1,060.00元/人·月" in text
    # Cases with their timelines, and every payment in figures and capitals.
    assert "报上级审批" in text and "审批同意" in text
    assert "5,000.00人民币伍仟元整" in text and "3,000.00人民币叁仟元整" in text
    assert "9,500.00人民币玖仟伍佰元整" in text
    assert "诊断证明书.pdf" in text and "授权委托书.pdf" in text
    assert "站级平江街道职工服务站" in text and "区级姑苏区总工会职工援助服务中心" in text

    document = issued(response.headers["X-Document-Number"])
    assert document.kind == "case_file" and document.shows_full_ids
    assert document.page_count == len(texts) == 3
    assert document.doc_no in text and f"共{len(texts)}页" in text
    assert document.verify_code[:5] in text
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "document.issued_full_ids")
    ).one()
    assert entry.username == "sz-gs-pj.caseworker"
    assert entry.after["doc_no"] == document.doc_no


@pytest.mark.parametrize("username", ["sz-gs-pj.auditor", "sz-gs.finance"])
def test_other_roles_get_masked_ids_and_account(client, household, username):
    head_id = household.id_number
    login(client, username)
    response = post_form(client, f"/documents/case_file/{household.id}.pdf")
    assert response.status_code == 200
    text = squash("".join(pages(response.data)))
    assert "张三明" in text
    assert mask_id(head_id) in text
    assert head_id not in text
    assert all(m.id_number not in text for m in household.members)
    assert "6222021102001234567" not in text and "****4567" in text
    document = issued(response.headers["X-Document-Number"])
    assert not document.shows_full_ids
    actions = set(db.session.scalars(select(AuditEntry.action)))
    assert "document.issued" in actions and "document.issued_full_ids" not in actions


@pytest.mark.parametrize(
    ("username", "status"),
    [
        ("sz-gs-pj.caseworker", 200),  # own station
        ("sz-gs.supervisor", 200),  # the district above
        ("sz.auditor", 200),  # the city sees everything below it
        ("sz-gs-cl.caseworker", 404),  # a sibling station
        ("sz-wz.supervisor", 404),  # another district
        ("sz.admin", 403),  # administrators do not read files
    ],
)
def test_scope_and_roles(client, household, username, status):
    login(client, username)
    assert post_form(client, f"/documents/case_file/{household.id}.pdf").status_code == status


def test_api_case_file_is_scoped_and_masked_like_the_ui(client, household):
    url = f"/api/v1/applicants/{household.id}/case-file.pdf"
    assert client.get(url, headers=api_token(client, "sz-wz.caseworker")).status_code == 404
    response = client.get(url, headers=api_token(client, "sz-gs.auditor"))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = squash("".join(pages(response.data)))
    assert mask_id(household.id_number) in text and household.id_number not in text
    response = client.get(url, headers=api_token(client, "sz-gs.supervisor"))
    assert household.id_number in squash("".join(pages(response.data)))
    assert issued(response.headers["X-Document-Number"]).shows_full_ids


def test_verify_accepts_the_code_and_reports_a_changed_record(client, household):
    login(client, "sz-gs-pj.caseworker")
    response = post_form(client, f"/documents/case_file/{household.id}.pdf")
    document = issued(response.headers["X-Document-Number"])
    code = f"{document.verify_code[:5]}-{document.verify_code[5:]}"

    page = client.get(f"/documents/verify?code={code}").get_data(as_text=True)
    assert 'data-testid="genuine"' in page and document.doc_no in page
    assert 'data-testid="unchanged"' in page

    applicant = db.session.get(type(household), household.id)
    file_services.add_home_visit(
        applicant,
        acting_user=user("sz-gs-pj.caseworker"),
        visited_on=applicant.visits[0].visited_on,
        visitors="刘敏、王芳",
        findings="回访：户主病情加重，已住院治疗。",
    )
    db.session.commit()
    page = client.get(f"/documents/verify?code={code.lower()}").get_data(as_text=True)
    assert 'data-testid="genuine"' in page and 'data-testid="changed"' in page


def test_verify_rejects_an_unknown_code(client, household):
    login(client, "sz-gs-pj.caseworker")
    page = client.get("/documents/verify?code=00000-00000").get_data(as_text=True)
    assert 'data-testid="genuine"' not in page


def test_hostile_name_prints_as_text_and_fetches_nothing(client, household, monkeypatch):
    applicant = db.session.get(type(household), household.id)
    applicant.name = HOSTILE_NAME
    db.session.commit()
    fetched = []
    original = pdf_engine.StaticOnlyURLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf_engine.StaticOnlyURLFetcher, "fetch", spy)
    login(client, "sz-gs-pj.caseworker")
    response = post_form(client, f"/documents/case_file/{household.id}.pdf")
    assert response.status_code == 200
    assert squash(HOSTILE_NAME) in squash("".join(pages(response.data)))
    assert not [url for url in fetched if "passwd" in url]
    assert not [url for url in fetched if not url.startswith(pdf_engine.ASSET_SCHEME)]


def test_file_page_has_the_print_button(client, household):
    login(client, "sz-gs-pj.caseworker")
    page = client.get(f"/files/{household.id}").get_data(as_text=True)
    assert f'href="/documents/case_file/{household.id}.pdf?t=' in page
    assert "打印档案" in page
