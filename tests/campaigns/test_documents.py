"""The signed campaign roster and the visit register: issued, numbered, verifiable, masked."""

from sqlalchemy import select

from assist.core.masking import mask_id
from assist.documents import services as documents
from assist.documents.models import IssuedDocument
from assist.extensions import db
from tests.campaigns.helpers import (
    as_user,
    create_campaign,
    give_quota,
    listed,
    open_list,
    published_list,
    setup_money,
    today,
)
from tests.conftest import post_form
from tests.documents.funds_data import pdf_text
from tests.factories import user


def _issued(response) -> IssuedDocument:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.doc_no == response.headers["X-Document-Number"])
    ).one()


def _visit(client, entry, **extra):
    data = {
        "visited_on": today().isoformat(),
        "visitor-0-name": "王建国",
        "visitor-0-title": "区总工会主席",
        "visitor-0-leader": "1",
        "visitor-1-name": "陈晓",
        "visitor-1-title": "站长",
        "cash": "2500",
        "goods-0-name": "大米",
        "goods-0-quantity": "2",
        "goods-0-value": "100",
        "is_signed": "1",
        **extra,
    }
    response = post_form(
        as_user(client, "sz-gs-pj.caseworker"), f"/campaigns/entries/{entry.id}/visit", data
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]


def test_roster_prints_the_frozen_list_with_ids_masked_by_role(client, network):
    fund = setup_money(network)
    _campaign, clist = published_list(client, network, fund, n=3, notice_days=0)
    entries = listed(clist)
    first, second = entries[0], entries[1]
    frozen_name = first.snapshot["name"]
    id_number = first.applicant.id_number
    _visit(client, second, is_signed="", no_signature_reason="本人住院，女儿代收")
    # a later change to the file does not change the printed list
    first.applicant.name = "改了名"
    db.session.commit()

    worker = as_user(client, "sz-gs-pj.caseworker")
    assert 'data-testid="print-roster"' in worker.get(f"/campaigns/lists/{clist.id}").get_data(
        as_text=True
    )
    response = post_form(worker, f"/documents/campaign_roster/{clist.id}.pdf")
    document = _issued(response)
    pages, text = pdf_text(response.data)
    assert pages == document.page_count >= 1
    assert document.kind == "campaign_roster" and document.shows_full_ids
    assert document.subject_label == f"SW{clist.campaign_id:04d}-SZ-GS-PJ"
    for expected in (
        "送温暖发放花名册",
        "2027年春节送温暖",
        "平江街道职工服务站",
        document.doc_no,
        frozen_name,
        id_number,
        "未签：本人住院，女儿代收",
        "领取人签名",
        "合计3户",
        "大米×2",
    ):
        assert expected in text, expected
    assert "改了名" not in text
    # 3 households at the standard ¥2,500 + ¥500 goods, one visited with ¥2,500 + ¥200
    assert "8,700.00" in text or "8700.00" in text

    finance = as_user(client, "sz-gs-pj.finance")
    response = post_form(finance, f"/documents/campaign_roster/{clist.id}.pdf")
    document = _issued(response)
    _pages, text = pdf_text(response.data)
    assert not document.shows_full_ids
    assert mask_id(id_number) in text and id_number not in text


def test_visit_register_marks_leaders_and_keeps_remarks_for_caseworkers(client, network):
    fund = setup_money(network)
    _campaign, clist = published_list(client, network, fund, n=2, notice_days=0)
    entry = listed(clist)[0]
    _visit(client, entry, remarks="老伴住院，需要医疗救助")
    worker = as_user(client, "sz-gs-pj.caseworker")
    response = post_form(worker, f"/documents/visit_register/{clist.id}.pdf")
    document = _issued(response)
    _pages, text = pdf_text(response.data)
    for expected in (
        "走访慰问登记表",
        "★王建国（区总工会主席）",
        "陈晓（站长）",
        "本人已签",
        "照片0张",
        "老伴住院，需要医疗救助",
        "名单2户，已走访1户，未走访1户；领导带队1户",
        entry.snapshot["name"],
        document.doc_no,
    ):
        assert expected in text, expected
    # the register is verifiable; a later visit changes the record behind it
    found = documents.verify(document.verify_code, acting_user=user("sz-gs-pj.caseworker"))
    assert found.in_scope and found.record_changed is False
    _visit(client, listed(clist)[1])
    found = documents.verify(document.verify_code, acting_user=user("sz-gs-pj.caseworker"))
    assert found.record_changed is True

    auditor = as_user(client, "sz-gs.auditor")
    response = post_form(auditor, f"/documents/visit_register/{clist.id}.pdf")
    _pages, text = pdf_text(_issued(response) and response.data)
    assert "老伴住院" not in text and "仅经办人员可见" in text
    assert entry.applicant.id_number not in text


def test_documents_wait_for_approval_and_stay_in_scope(client, network):
    fund = setup_money(network)
    campaign = create_campaign(client, fund)
    give_quota(client, campaign, "sz.supervisor", network["SZ-GS"], 5, "15000")
    give_quota(client, campaign, "sz-gs.supervisor", network["SZ-GS-PJ"], 2, "6000")
    clist = open_list(client, campaign, "sz-gs-pj.caseworker")
    worker = as_user(client, "sz-gs-pj.caseworker")
    page = worker.get(f"/campaigns/lists/{clist.id}").get_data(as_text=True)
    assert 'data-testid="print-roster"' not in page
    response = post_form(worker, f"/documents/campaign_roster/{clist.id}.pdf")
    assert response.status_code == 409
    sibling = as_user(client, "sz-gs-cl.caseworker")
    assert post_form(sibling, f"/documents/campaign_roster/{clist.id}.pdf").status_code == 404
    assert post_form(sibling, f"/documents/visit_register/{clist.id}.pdf").status_code == 404
    assert db.session.scalar(select(db.func.count(IssuedDocument.id))) == 0
