"""The decision evidence: what the deciders see on the case, decision and payment pages.

The household (category, per-capita income against the standard, members, home visits), this
year's aid against the cap, earlier cases, documents, the timeline and the warnings; masked per
role; and read with a fixed number of statements however long the household's history is.
"""

import io
import itertools
import re
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from assist.applicants.models import FileStatus, HomeVisit, HouseholdMember
from assist.attachments.models import Attachment
from assist.cases.models import AidCase, CaseStatus
from assist.core.timeutil import utcnow
from assist.extensions import db
from tests.cases.helpers import case_row
from tests.conftest import login, post_form
from tests.factories import PDF, make_applicant, png_bytes
from tests.test_statement_counts import counting

_seq = itertools.count(1)


@pytest.fixture
def web(app, network):
    def make(username):
        client = app.test_client()
        assert login(client, username).status_code == 302
        return client

    return make


@pytest.fixture
def family(network, standard):
    """An active 深度困难 file with a spouse, a student child and a home visit."""
    applicant = make_applicant(network["SZ-GS-PJ"], name="张三明", employer="苏州纺织厂")
    db.session.add_all(
        [
            HouseholdMember(
                applicant=applicant, relation="spouse", name="李秀英", monthly_income_fen=80_000
            ),
            HouseholdMember(applicant=applicant, relation="child", name="张小明", is_student=True),
            HomeVisit(
                applicant_id=applicant.id,
                visited_on=date(2026, 3, 2),
                visitors="李芳、王强",
                findings="户主透析，每周三次；家中无其他劳动力。",
            ),
        ]
    )
    db.session.commit()
    return applicant


def _earlier(applicant, amount_fen: int, *, kind: str = "living") -> AidCase:
    """A closed, fully paid case of this year: it counts as granted against the cap."""
    n = next(_seq)
    case = AidCase(
        case_no=f"SZ-GS-PJ-EARLY-{n:04d}",
        centre=applicant.centre,
        applicant=applicant,
        kind=kind,
        status=CaseStatus.CLOSED,
        reason="往年救助",
        amount_requested_fen=amount_fen,
        amount_approved_fen=amount_fen,
        paid_fen=amount_fen,
        approved_at=utcnow(),
        closed_at=utcnow(),
    )
    db.session.add(case)
    db.session.commit()
    return case


def _document(owner_type: str, owner_id: int, name: str) -> None:
    db.session.add(
        Attachment(
            owner_type=owner_type,
            owner_id=owner_id,
            kind="invoice" if owner_type == "case" else "income_proof",
            original_name=name,
            content_type="application/pdf",
            size_bytes=len(PDF),
            sha256="0" * 64,
            storage_key=uuid.uuid4().hex,
        )
    )
    db.session.commit()


def _open(web, applicant, amount="1500.00", *, submit=True):
    cw = web("sz-gs-pj.caseworker")
    response = post_form(
        cw,
        "/cases/new",
        {
            "kind": "living",
            "file_no": applicant.file_no,
            "amount_requested": amount,
            "reason": "家庭主要劳动力患病",
        },
        token_from="/cases/new",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    case_id = int(response.headers["Location"].rstrip("/").split("/")[-1])
    if submit:
        response = post_form(cw, f"/cases/{case_id}/submit", token_from=f"/cases/{case_id}")
        assert response.status_code == 302
        assert case_row(case_id).status == CaseStatus.SUBMITTED
    return cw, case_id


def _upload(client, case_id: int, name: str = "诊断.png") -> None:
    response = post_form(
        client,
        f"/cases/{case_id}/attachments",
        {"kind": "diagnosis", "file": (io.BytesIO(png_bytes()), name)},
        token_from=f"/cases/{case_id}",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def _panel(html: str) -> str:
    start = html.index('data-testid="evidence"')
    return html[start : html.index("</section>", start)]


def _warnings(html: str) -> set[str]:
    return set(re.findall(r'data-warning="([a-z_]+)"', _panel(html)))


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_panel_shows_the_household_the_cap_earlier_cases_and_documents(web, family):
    earlier = _earlier(family, 800_000)
    _document("applicant", family.id, "收入证明.pdf")
    cw, case_id = _open(web, family, submit=False)
    _upload(cw, case_id, "诊断书.png")
    post_form(cw, f"/cases/{case_id}/submit", token_from=f"/cases/{case_id}")

    sup = web("sz-gs-pj.supervisor")
    for url in (f"/cases/{case_id}", f"/cases/{case_id}/decide/approve"):
        html = sup.get(url).get_data(as_text=True)
        panel = _panel(html)
        text = _text(panel)
        assert 'data-category="deep"' in panel
        # 12,000 yuan a year for one head and two members: 1,000.00 a month against 1,060.00.
        assert "¥1,000.00" in text and "1,060.00" in text
        assert "李秀英" in text and "张小明" in text and "800.00" in text
        assert "户主透析" in text  # the home-visit findings
        # Living relief for a 深度困难 household: 12 × 1,060 = 12,720 yuan a year.
        assert re.search(r'evidence-cap-amount">\s*¥12,720.00', panel)
        assert re.search(r'evidence-granted">\s*¥8,000.00', panel)
        assert "¥9,500.00 · 74 %" in text  # 8,000 granted + 1,500 asked
        assert earlier.case_no in text
        assert "诊断书.png" in text and "收入证明.pdf" in text
        assert "/attachments/" in panel and "inline=1" in panel
        assert _warnings(html) == set()
    # The decision page has the timeline too; the case page shows its own in full.
    decide = _panel(sup.get(f"/cases/{case_id}/decide/approve").get_data(as_text=True))
    assert 'data-testid="evidence-timeline"' in decide and "提交审批" in _text(decide)
    assert 'data-testid="evidence-timeline"' not in _panel(
        sup.get(f"/cases/{case_id}").get_data(as_text=True)
    )


def test_an_image_opens_in_place_and_a_pdf_still_downloads(web, family):
    cw, case_id = _open(web, family, submit=False)
    _upload(cw, case_id, "诊断书.png")
    _document("case", case_id, "发票.pdf")
    image, pdf = db.session.scalars(
        select(Attachment).where(Attachment.owner_id == case_id).order_by(Attachment.id)
    ).all()
    shown = cw.get(f"/attachments/{image.id}?inline=1")
    assert shown.status_code == 200
    assert shown.headers["Content-Disposition"].startswith("inline")
    assert "sandbox" in shown.headers["Content-Security-Policy"]
    assert (
        cw.get(f"/attachments/{image.id}").headers["Content-Disposition"].startswith("attachment")
    )


def test_warnings_appear_and_disappear(web, family, network):
    cw, case_id = _open(web, family)
    sup = web("sz-gs-pj.supervisor")
    page = f"/cases/{case_id}"
    # Submitted without documents: the supervisor is warned.
    assert _warnings(sup.get(page).get_data(as_text=True)) == {"no_documents"}
    _upload(sup, case_id)  # the deciding supervisor may add one
    assert _warnings(sup.get(page).get_data(as_text=True)) == set()

    # Another ¥8,000 granted this year: 9,500 of 12,720 is 74 %, no warning; ¥9,000 makes 82 %.
    other = _earlier(family, 800_000)
    assert _warnings(sup.get(page).get_data(as_text=True)) == set()
    other.amount_approved_fen = other.paid_fen = 900_000
    db.session.commit()
    html = sup.get(page).get_data(as_text=True)
    assert _warnings(html) == {"cap_nearly_used"}
    assert "82 %" in _text(_panel(html))
    # Over the cap with this case: the warning gives the caps service's figures.
    other.amount_approved_fen = other.paid_fen = 1_200_000
    db.session.commit()
    html = sup.get(page).get_data(as_text=True)
    assert _warnings(html) == {"cap_exceeded"}
    assert "超出年度上限：上限 12,720.00 元，本年度已批准 12,000.00 元" in _text(_panel(html))
    other.amount_approved_fen = other.paid_fen = 100_000
    db.session.commit()

    # The household has left hardship: the case may not go on.
    family.status = FileStatus.EXITED
    db.session.commit()
    assert "file_not_active" in _warnings(sup.get(page).get_data(as_text=True))
    family.status = FileStatus.ACTIVE
    db.session.commit()

    # Approved: the notice runs; an objection holds the case until it is resolved.
    response = post_form(
        sup,
        f"/cases/{case_id}/decide/approve",
        {"amount_approved": "1500.00", "comment": "同意"},
        token_from=f"/cases/{case_id}/decide/approve",
    )
    assert response.status_code == 302
    assert _warnings(sup.get(page).get_data(as_text=True)) == {"notice_running"}
    response = post_form(
        sup,
        f"/cases/{case_id}/objections",
        {"raised_by": "邻居", "content": "家中另有收入"},
        token_from=page,
    )
    assert response.status_code == 302
    assert _warnings(sup.get(page).get_data(as_text=True)) == {"objections", "notice_running"}
    objection = case_row(case_id).objections[0]
    response = post_form(
        sup,
        f"/cases/{case_id}/objections/{objection.id}/resolve",
        {"outcome": "dismiss", "reason": "经核实不属实"},
        token_from=page,
    )
    assert response.status_code == 302
    assert _warnings(sup.get(page).get_data(as_text=True)) == {"notice_running"}


@pytest.mark.parametrize(
    ("username", "full"),
    [
        ("sz-gs-pj.caseworker", True),
        ("sz-gs-pj.supervisor", True),
        ("sz-gs-pj.finance", False),
        ("sz-gs-pj.auditor", False),
    ],
)
def test_the_panel_is_masked_per_role(web, family, username, full):
    _cw, case_id = _open(web, family)
    text = _text(_panel(web(username).get(f"/cases/{case_id}").get_data(as_text=True)))
    # The resident ID is masked for everyone; health is never shown here.
    assert family.id_number not in text and family.id_last4 in text
    if full:
        assert "张三明" in text and "李秀英" in text and "户主透析" in text
    else:
        assert "张*明" in text and "李*英" in text and "张三明" not in text
        assert "李秀英" not in text and "户主透析" not in text
        assert "李芳、王强" in text  # that a visit took place, and who visited


def test_the_payment_form_shows_the_evidence(web, family):
    _earlier(family, 300_000)
    _cw, case_id = _open(web, family)
    case = case_row(case_id)
    case.status = CaseStatus.READY_TO_PAY
    case.amount_approved_fen = 150_000
    case.approved_at = utcnow()
    db.session.commit()
    html = web("sz-gs-pj.finance").get(f"/funds/cases/{case_id}/pay").get_data(as_text=True)
    panel = _panel(html)
    assert re.search(r'evidence-granted">\s*¥3,000.00', panel)
    assert 'data-testid="evidence-timeline"' in panel
    assert _warnings(html) == {"no_documents"}


def _count(client, url: str) -> int:
    with counting() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


def test_the_statement_count_does_not_grow_with_the_history(web, family):
    _earlier(family, 10_000)
    _document("applicant", family.id, "file-0.pdf")
    cw, case_id = _open(web, family, submit=False)
    _upload(cw, case_id)
    post_form(cw, f"/cases/{case_id}/submit", token_from=f"/cases/{case_id}")
    sup = web("sz-gs-pj.supervisor")
    finance = web("sz-gs-pj.finance")
    pages = [(sup, f"/cases/{case_id}"), (sup, f"/cases/{case_id}/decide/approve")]
    for client, url in pages:
        _count(client, url)  # warm the session's caches
    before = [_count(client, url) for client, url in pages]

    for i in range(20):
        _earlier(family, 1_000, kind="medical" if i % 2 else "holiday")
        _document("case", case_id, f"case-{i}.pdf")
        _document("applicant", family.id, f"file-{i + 1}.pdf")
    after = [_count(client, url) for client, url in pages]
    assert after == before, (before, after)
    html = sup.get(f"/cases/{case_id}").get_data(as_text=True)
    panel = _panel(html)
    # The lists show the latest ten with a link to the rest.
    assert panel.count('href="/cases/') >= 10
    assert 'data-testid="evidence-earlier-more"' in panel
    assert "case-19.pdf" in panel and "case-5.pdf" not in panel
    assert db.session.scalar(select(func.count()).select_from(AidCase)) == 22

    case = case_row(case_id)
    case.status = CaseStatus.READY_TO_PAY
    case.amount_approved_fen = 150_000
    db.session.commit()
    pay = f"/funds/cases/{case_id}/pay"
    _count(finance, pay)
    first = _count(finance, pay)
    for _i in range(20):
        _earlier(family, 1_000, kind="medical")
    assert _count(finance, pay) == first


# ---------------------------------------------------------------------------- new case


def test_new_case_form_picks_the_household_and_shows_category_cap_and_granted(web, family, network):
    _earlier(family, 500_000)
    cw = web("sz-gs-pj.caseworker")
    html = cw.get(f"/cases/new?applicant={family.id}").get_data(as_text=True)
    # The file is picked from a list of the active files in scope, not typed.
    assert re.search(rf'<option selected value="{family.file_no}">', html), html
    card = html[html.index('data-testid="household-card"') :]
    assert 'data-category="deep"' in card
    assert re.search(r'household-cap">\s*¥12,720.00', card)
    assert re.search(r'household-granted">\s*¥5,000.00', card)
    assert re.search(r'household-left">\s*¥7,720.00', card)
    # A file of another station is not offered.
    elsewhere = make_applicant(network["SZ-WZ-CQ"], name="赵外站")
    db.session.commit()
    listed = cw.get("/cases/new").get_data(as_text=True)
    assert family.file_no in listed and elsewhere.file_no not in listed
    # The search narrows the list.
    other = make_applicant(family.centre, name="钱同站")
    db.session.commit()
    assert other.file_no in cw.get("/cases/new").get_data(as_text=True)
    narrowed = cw.get("/cases/new?q=张三").get_data(as_text=True)
    assert family.file_no in narrowed and other.file_no not in narrowed


def test_the_cap_check_runs_before_saving_and_saves_nothing(web, family):
    _earlier(family, 1_200_000)
    cw = web("sz-gs-pj.caseworker")
    data = {
        "kind": "living",
        "file_no": family.file_no,
        "amount_requested": "500.00",
        "reason": "家庭困难",
        "then": "check",
    }
    response = post_form(cw, "/cases/new", data, token_from="/cases/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    check = _text(html[html.index('data-testid="cap-check"') :][:600])
    assert "12,720.00" in check and "12,000.00" in check and "220.00" in check
    assert "alert-success" in html[html.index('data-testid="cap-check"') - 80 :][:200]
    assert db.session.scalar(select(func.count()).select_from(AidCase)) == 1

    response = post_form(
        cw, "/cases/new", {**data, "amount_requested": "800.00"}, token_from="/cases/new"
    )
    html = response.get_data(as_text=True)
    check = html[html.index('data-testid="cap-check"') - 80 :][:800]
    assert "alert-danger" in check and "800.00" in check
    assert db.session.scalar(select(func.count()).select_from(AidCase)) == 1
    # Saving the same over-cap request is refused with the same figures.
    response = post_form(
        cw,
        "/cases/new",
        {**data, "amount_requested": "800.00", "then": ""},
        token_from="/cases/new",
    )
    assert response.status_code == 409
    assert "超出年度上限" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(AidCase)) == 1


def test_a_file_number_outside_the_scope_is_refused_on_checking(web, family, network):
    other = make_applicant(network["SZ-WZ-CQ"], name="钱外区")
    db.session.commit()
    cw = web("sz-gs-pj.caseworker")
    response = post_form(
        cw,
        "/cases/new",
        {
            "kind": "living",
            "file_no": other.file_no,
            "amount_requested": "100.00",
            "reason": "x",
            "then": "check",
        },
        token_from="/cases/new",
    )
    assert response.status_code == 422
    assert 'data-field-error="file_no"' in response.get_data(as_text=True)
    assert 'data-testid="cap-check"' not in response.get_data(as_text=True)


def test_the_household_summary_follows_the_chosen_file_and_kind(web, family, network):
    _earlier(family, 500_000)
    _earlier(family, 200_000, kind="medical")
    cw = web("sz-gs-pj.caseworker")
    living = cw.get(f"/cases/new/household?file_no={family.file_no}&kind=living")
    assert living.status_code == 200
    html = living.get_data(as_text=True)
    assert re.search(r'household-cap">\s*¥12,720.00', html)
    assert re.search(r'household-granted">\s*¥5,000.00', html)
    html = cw.get(f"/cases/new/household?file_no={family.file_no}&kind=medical").get_data(
        as_text=True
    )
    assert re.search(r'household-cap">\s*¥20,000.00', html)
    assert re.search(r'household-granted">\s*¥2,000.00', html)
    # A file outside the caseworker's scope, or none, shows nothing.
    elsewhere = make_applicant(network["SZ-WZ-CQ"], name="赵外站")
    db.session.commit()
    for file_no in (elsewhere.file_no, "", "NOPE"):
        response = cw.get(f"/cases/new/household?file_no={file_no}&kind=living")
        assert response.status_code == 200
        assert "household-card" not in response.get_data(as_text=True)
    assert web("sz-gs-pj.supervisor").get("/cases/new/household").status_code == 403
