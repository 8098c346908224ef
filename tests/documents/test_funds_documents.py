"""The payment voucher and the disbursement roster: rendered from real payments, read back as text."""

import re

from sqlalchemy import select

from assist.audit.models import AuditEntry
from assist.core.masking import mask_id
from assist.documents.models import IssuedDocument
from assist.extensions import db
from assist.funds import services as funds
from tests.conftest import api_token, login, post_form
from tests.documents.funds_data import (
    NAMES,
    bank_payment,
    goods_payment,
    paid_batch,
    pdf_text,
)
from tests.factories import next_resident_id, user


def _issued(response) -> IssuedDocument:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    db.session.expire_all()
    document = db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.doc_no == response.headers["X-Document-Number"])
    ).one()
    return document


def _actions(action: str) -> int:
    return len(db.session.scalars(select(AuditEntry).where(AuditEntry.action == action)).all())


def test_voucher_prints_names_amounts_and_capitals_as_text(client, network):
    id_number = next_resident_id()
    payment = bank_payment(network, name="欧阳建华", amount_fen=164_092, id_number=id_number)
    login(client, "sz-gs-pj.finance")
    response = post_form(client, f"/documents/voucher/{payment.id}.pdf")
    document = _issued(response)
    pages, text = pdf_text(response.data)
    assert pages == document.page_count == 1
    assert document.kind == "voucher" and document.subject_id == payment.id
    assert document.doc_no in text and document.subject_label == f"FK{payment.id:06d}"
    for expected in (
        "付款凭证",
        "欧阳建华",
        "¥1,640.92",
        "人民币壹仟陆佰肆拾元玖角贰分",
        "中国工商银行苏州分行",
        "4567",
        "ICBC2026112500001",
        payment.case.case_no,
        payment.centre.name,
        "经办",
        "审核",
        "财务",
        "领款人",
    ):
        assert expected in text, expected
    # Finance may not see full resident IDs: the voucher masks it, and never the account.
    assert mask_id(id_number) in text and id_number not in text
    assert "6222021102001234567" not in text
    assert "已冲销" not in text
    assert not document.shows_full_ids and _actions("document.issued") == 1


def test_voucher_shows_the_full_id_to_a_caseworker_and_audits_it(client, network):
    id_number = next_resident_id()
    payment = bank_payment(network, id_number=id_number)
    login(client, "sz-gs-pj.caseworker")
    response = post_form(client, f"/documents/voucher/{payment.id}.pdf")
    document = _issued(response)
    _pages, text = pdf_text(response.data)
    assert id_number in text and document.shows_full_ids
    assert _actions("document.issued_full_ids") == 1


def test_a_reversed_payment_is_marked_on_its_voucher(client, network):
    payment = bank_payment(network)
    funds.reverse_payment(payment, acting_user=user("sz-gs.finance"), reason="账号有误退回重发")
    db.session.commit()
    login(client, "sz-gs.finance")
    _pages, text = pdf_text(post_form(client, f"/documents/voucher/{payment.id}.pdf").data)
    assert "已冲销" in text and "冲销记录" in text and "账号有误退回重发" in text


def test_goods_voucher_lists_the_goods_and_who_signed(client, network):
    payment = goods_payment(network, name="孙桂兰")
    login(client, "sz-gs-pj.auditor")
    _pages, text = pdf_text(post_form(client, f"/documents/voucher/{payment.id}.pdf").data)
    for expected in ("实物明细", "大米（10公斤）", "食用油（5升）", "160.00", "人民币叁佰元整"):
        assert expected in text, expected
    assert "签收人孙桂兰" in text and "2026-01-20" in text


def test_hostile_recipient_name_prints_as_text(client, network):
    payment = bank_payment(network, name="<b>李</b>")
    login(client, "sz-gs-pj.finance")
    _pages, text = pdf_text(post_form(client, f"/documents/voucher/{payment.id}.pdf").data)
    assert "<b>李</b>" in text


def test_voucher_access_follows_the_payment_scope_and_roles(client, network):
    payment = bank_payment(network)
    for username, status in (
        ("sz-gs-pj.finance", 200),  # own centre
        ("sz-gs.auditor", 200),  # parent
        ("sz.admin", 200),  # city
        ("sz-gs-cl.finance", 404),  # sibling station
        ("sz-wz.finance", 404),  # another district
    ):
        browser = client.application.test_client()
        login(browser, username)
        response = post_form(browser, f"/documents/voucher/{payment.id}.pdf")
        assert response.status_code == status, username
    assert len(db.session.scalars(select(IssuedDocument)).all()) == 3  # refusals issue nothing


def test_voucher_through_the_api_is_scoped_and_masked_like_the_page(client, network):
    id_number = next_resident_id()
    payment = bank_payment(network, id_number=id_number)
    headers = api_token(client, "sz-gs.finance")
    response = client.get(f"/api/v1/payments/{payment.id}/voucher.pdf", headers=headers)
    document = _issued(response)
    pages, text = pdf_text(response.data)
    assert pages == document.page_count and document.doc_no in text
    assert mask_id(id_number) in text and id_number not in text
    outside = api_token(client, "sz-wz.finance")
    response = client.get(f"/api/v1/payments/{payment.id}/voucher.pdf", headers=outside)
    assert response.status_code == 404 and response.get_json()["error"]["code"]
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/payments/{payment_id}/voucher.pdf" in spec["paths"]


def test_roster_lists_every_household_with_masked_ids_and_totals(client, network):
    batch = paid_batch(network, count=30)
    login(client, "sz-gs-pj.finance")
    response = post_form(client, f"/documents/roster/{batch.id}.pdf")
    document = _issued(response)
    pages, text = pdf_text(response.data)
    assert pages == document.page_count and pages >= 2
    assert document.subject_label == batch.batch_no and document.doc_no in text
    total = sum(item.amount_fen for item in batch.items)
    assert total == 3_435_000
    for expected in ("发放花名册", "2026年春节送温暖", "34,350.00", "人民币叁万肆仟叁佰伍拾元整"):
        assert expected in text, expected
    for name in NAMES:
        assert name in text, name
    for item in batch.items:
        applicant = item.case.applicant
        assert mask_id(applicant.id_number) in text
        assert applicant.id_number not in text
    # The header row is repeated on every page, and the page footer numbers them.
    reader_pages = [pdf_text_page(response.data, n) for n in range(pages)]
    for n, page in enumerate(reader_pages, start=1):
        assert "领款人签名" in page and f"第{n}页共{pages}页" in page


def pdf_text_page(data: bytes, n: int) -> str:
    import io

    from pypdf import PdfReader

    return re.sub(r"\s+", "", PdfReader(io.BytesIO(data)).pages[n].extract_text())


def test_roster_of_a_bank_batch_shows_account_tails_and_reversals(client, network):
    batch = paid_batch(network, count=3, method="bank_transfer")
    first = batch.items[0].payment
    funds.reverse_payment(first, acting_user=user("sz-gs.finance"), reason="退回")
    db.session.commit()
    login(client, "sz-gs-pj.finance")
    _pages, text = pdf_text(post_form(client, f"/documents/roster/{batch.id}.pdf").data)
    assert "卡号尾号" in text and "BULK-20260120" in text and "已冲销" in text


def test_roster_is_for_fund_readers_only(client, network):
    batch = paid_batch(network, count=2)
    login(client, "sz-gs-pj.caseworker")
    assert post_form(client, f"/documents/roster/{batch.id}.pdf").status_code == 403
    post_form(client, "/logout")
    login(client, "sz-gs-cl.finance")
    assert post_form(client, f"/documents/roster/{batch.id}.pdf").status_code == 404


def test_pages_offer_the_print_buttons(client, network):
    batch = paid_batch(network, count=2)
    payment = batch.items[0].payment
    login(client, "sz-gs-pj.finance")
    html = client.get(f"/funds/payments/{payment.id}").get_data(as_text=True)
    assert f"/documents/voucher/{payment.id}.pdf" in html and "打印凭证" in html
    html = client.get(f"/funds/batches/{batch.id}").get_data(as_text=True)
    assert f"/documents/roster/{batch.id}.pdf" in html and "打印花名册 PDF" in html
    html = client.get(f"/funds/batches/{batch.id}/roster").get_data(as_text=True)
    assert f"/documents/roster/{batch.id}.pdf" in html


# --- verification --------------------------------------------------------------------------


def _code(text: str) -> str:
    match = re.search(r"核验码：?([0-9A-Z]{5}-[0-9A-Z]{5})", text)
    assert match, "no verification code printed"
    return match.group(1)


def test_verify_page_accepts_the_printed_code_and_sees_a_reversal(client, network):
    payment = bank_payment(network)
    login(client, "sz-gs-pj.finance")
    response = post_form(client, f"/documents/voucher/{payment.id}.pdf")
    document = _issued(response)
    _pages, text = pdf_text(response.data)
    code = _code(text)
    html = client.get(f"/documents/verify?code={code.lower()}").get_data(as_text=True)
    assert 'data-testid="genuine"' in html and 'data-testid="unchanged"' in html
    assert document.doc_no in html and document.sha256 in html

    funds.reverse_payment(payment, acting_user=user("sz-gs.finance"), reason="重复支付")
    db.session.commit()
    html = client.get(f"/documents/verify?code={code}").get_data(as_text=True)
    assert 'data-testid="genuine"' in html and 'data-testid="changed"' in html


def test_verify_refuses_an_unknown_code(client, network):
    login(client, "sz-gs-pj.finance")
    html = client.get("/documents/verify?code=ZZZZZ-ZZZZZ").get_data(as_text=True)
    assert 'data-testid="genuine"' not in html
    assert "没有以此核验码出具的文书" in html


def test_verify_outside_the_scope_shows_only_minimal_metadata(client, network):
    batch = paid_batch(network, count=2)
    login(client, "sz-gs-pj.finance")
    response = post_form(client, f"/documents/roster/{batch.id}.pdf")
    document = _issued(response)
    code = _code(pdf_text(response.data)[1])
    post_form(client, "/logout")
    login(client, "sz-wz.finance")
    html = client.get(f"/documents/verify?code={code}").get_data(as_text=True)
    assert 'data-testid="genuine"' in html and document.doc_no in html
    assert batch.batch_no not in html and document.sha256 not in html
    assert 'data-testid="unchanged"' not in html and 'data-testid="changed"' not in html


def test_roster_record_unchanged_on_another_day_and_in_english(client, network, monkeypatch):
    """The fingerprint ignores the printing day and the reader's UI language."""
    from datetime import date

    from assist.documents import services
    from assist.funds import documents as funds_documents

    batch = paid_batch(network, count=2)
    with client.application.test_request_context():
        first = funds_documents.roster_document_data(batch, False)
    monkeypatch.setattr("assist.funds.batches.local_today", lambda: date(2030, 1, 1))
    with client.application.test_request_context(headers={"Accept-Language": "en"}):
        from flask_babel import force_locale

        with force_locale("en"):
            again = funds_documents.roster_document_data(batch, False)
    assert services.fingerprint(first) == services.fingerprint(again)
    assert again["method_label"] == "现金"
