"""Civil-affairs round trip and bank files: requests, results, contradictions, reversals."""

import io
import re
from datetime import date

from openpyxl import load_workbook
from sqlalchemy import func, select

from assist.applicants.models import Category
from assist.audit.models import AuditEntry
from assist.cases.models import CaseStatus
from assist.extensions import db
from assist.funds import batches
from assist.funds.models import EntryKind, LedgerEntry, Payment, PaymentStatus
from assist.funds.reconcile import verify_ledger
from tests.conftest import login, post_form
from tests.factories import make_applicant, make_standard, user
from tests.funds.factories import allocate_down, balance, make_fund, make_ready_case
from tests.imports.ledger_sheet import xlsx_bytes


def _xlsx(headers, rows) -> bytes:
    return xlsx_bytes(rows, headers)


def _upload(client, url, data, name, token_from):
    return post_form(
        client,
        url,
        {"file": (io.BytesIO(data), name)},
        token_from=token_from,
        content_type="multipart/form-data",
        follow=True,
    )


def test_civil_affairs_round_trip_flags_a_contradicting_file(client, network):
    make_standard(monthly_fen=106_000)
    pj = network["SZ-GS-PJ"]
    deep = make_applicant(pj, category=Category.DEEP, consent_signed_on=date(2026, 1, 5))
    fine = make_applicant(pj, category=Category.DEEP, consent_signed_on=date(2026, 1, 5))
    make_applicant(pj, category=Category.DEEP)  # no consent: never listed
    db.session.commit()
    login(client, "sz-gs-pj.caseworker")
    response = post_form(
        client,
        "/exchange/verifications",
        {"by": "category", "category": "deep"},
        token_from="/exchange/verifications",
    )
    request_id = int(re.search(r"/verifications/(\d+)", response.headers["Location"]).group(1))
    sheet = load_workbook(
        io.BytesIO(client.get(f"/exchange/verifications/{request_id}/request.xlsx").data)
    ).active
    assert [c.value for c in sheet[1]] == [
        "序号",
        "档案编号",
        "姓名",
        "身份证号",
        "家庭成员身份证号",
        "授权日期",
    ]
    listed = {row[3].value for row in sheet.iter_rows(min_row=2)}
    assert listed == {deep.id_number, fine.id_number}
    post_form(
        client,
        f"/exchange/verifications/{request_id}/sent",
        token_from=f"/exchange/verifications/{request_id}",
    )

    result = _xlsx(
        ["身份证号", "是否低保", "核对收入", "房产", "车辆", "核对日期"],
        [
            [deep.id_number, "否", "60000", "无", "有", "2026-11-20"],  # a car: not eligible
            [fine.id_number, "是", "6000", "无", "无", "2026-11-20"],
            ["110105194912310021", "否", "0", "无", "无", "2026-11-20"],  # not ours
            [110105194912310021, "否", "0", "无", "无", "2026-11-20"],  # ID as a number
        ],
    )
    page = _upload(
        client,
        "/exchange/verifications/results",
        result,
        "民政结果.xlsx",
        "/exchange/verifications",
    ).get_data(as_text=True)
    assert "第 4 行" in page and "第 5 行" in page
    supervisor = client.application.test_client()
    login(supervisor, "sz-gs-pj.supervisor")
    listing = supervisor.get("/exchange/verifications").get_data(as_text=True)
    assert (
        deep.file_no in listing
        and fine.file_no not in listing.split('id="contradictions"')[1].split("<h2")[0]
    )
    home = supervisor.get("/").get_data(as_text=True)
    assert "与档案类别矛盾" in home
    file_page = supervisor.get(f"/files/{deep.id}").get_data(as_text=True)
    assert "民政结果.xlsx" in file_page and "2026-11-20" in file_page and "不符合条件" in file_page
    actions = set(
        db.session.scalars(
            select(AuditEntry.action).where(AuditEntry.action.like("verification.%"))
        )
    )
    assert {
        "verification.requested",
        "verification.request_file_downloaded",
        "verification.sent",
        "verification.results_imported",
    } <= actions


def test_request_file_is_not_for_finance_and_other_scopes(client, network):
    pj = network["SZ-GS-PJ"]
    make_applicant(pj, consent_signed_on=date(2026, 1, 5))
    login(client, "sz-gs-pj.caseworker")
    response = post_form(
        client,
        "/exchange/verifications",
        {"by": "due"},
        token_from="/exchange/verifications",
        follow=True,
    )
    assert "alert-danger" in response.get_data(as_text=True)  # none due yet: nothing made
    post_form(
        client,
        "/exchange/verifications",
        {"by": "category", "category": "deep"},
        token_from="/exchange/verifications",
    )
    other = client.application.test_client()
    login(other, "sz-wz.caseworker")
    assert other.get("/exchange/verifications/1/request.xlsx").status_code == 404
    finance = client.application.test_client()
    login(finance, "sz-gs-pj.finance")
    assert finance.get("/exchange/verifications/1/request.xlsx").status_code == 403


def _paid_bank_batch(network):
    fund = make_fund(received_fen=2_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 600_000)
    pj = network["SZ-GS-PJ"]
    finance = user("sz-gs-pj.finance")
    one = make_ready_case(pj, amount_fen=100_000, name="王一")
    two = make_ready_case(pj, amount_fen=50_000, name="李二")
    batch = batches.create_batch(
        acting_user=finance, title="12月生活救助", fund=fund, method="bank_transfer"
    )
    batches.add_case(batch, one, acting_user=finance)
    batches.add_case(batch, two, acting_user=finance)
    batches.pay_batch(batch, acting_user=finance, reference="BULK-12")
    db.session.commit()
    return fund, batch, one, two


def test_bank_file_and_return_reverse_a_failed_payment(client, network):
    fund, batch, one, two = _paid_bank_batch(network)
    login(client, "sz-gs-pj.finance")
    data = client.get(f"/exchange/bank/{batch.id}/file.xlsx")
    assert data.status_code == 200 and data.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(data.data)).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [r[3] for r in rows] == ["6222021102001234567"] * 2  # the full account, as text
    assert sum(float(r[5]) for r in rows) == 1500.0
    numbers = {r[2]: r[1] for r in rows}
    csv_text = client.get(f"/exchange/bank/{batch.id}/file.csv").data.decode("utf-8-sig")
    assert "6222021102001234567" in csv_text
    assert (
        db.session.scalar(
            select(func.count(AuditEntry.id)).where(AuditEntry.action == "bank_file.generated")
        )
        == 2
    )

    bank_return = _xlsx(
        ["付款编号", "状态", "失败原因"],
        [[numbers["王一"], "成功", ""], [numbers["李二"], "失败", "账户已销户"]],
    )
    # the payer cannot record the failure (the reversal needs another finance officer): nothing changes
    page = _upload(
        client, f"/exchange/bank/{batch.id}/return", bank_return, "回单.xlsx", "/exchange/bank"
    ).get_data(as_text=True)
    assert "alert-danger" in page
    assert (
        db.session.scalar(
            select(func.count(Payment.id)).where(Payment.status == PaymentStatus.REVERSED)
        )
        == 0
    )

    district = client.application.test_client()
    login(district, "sz-gs.finance")
    page = _upload(
        district, f"/exchange/bank/{batch.id}/return", bank_return, "回单.xlsx", "/exchange/bank"
    ).get_data(as_text=True)
    assert "alert-success" in page
    failed = db.session.scalars(select(Payment).where(Payment.case_id == two.id)).one()
    assert failed.status == PaymentStatus.REVERSED and "账户已销户" in failed.reversal_reason
    db.session.refresh(two)
    assert two.status == CaseStatus.READY_TO_PAY
    assert balance(fund, "SZ-GS-PJ") == 600_000 - 100_000
    reversal = db.session.scalars(
        select(LedgerEntry).where(LedgerEntry.kind == EntryKind.REVERSAL)
    ).one()
    assert reversal.amount_fen == 50_000
    assert verify_ledger() == []
    table = district.get("/exchange/bank").get_data(as_text=True)
    row = re.search(rf"{batch.batch_no}.*?</tr>", table, re.S).group(0)
    assert [int(n) for n in re.findall(r'class="text-end">(\d+)<', row)] == [2, 1, 1, 0]
    # the same return again changes nothing
    again = _upload(
        district, f"/exchange/bank/{batch.id}/return", bank_return, "回单.xlsx", "/exchange/bank"
    )
    assert "alert-danger" in again.get_data(as_text=True)


def test_bank_file_is_finance_only(client, network):
    _fund, batch, _one, _two = _paid_bank_batch(network)
    login(client, "sz-gs-pj.supervisor")
    assert client.get(f"/exchange/bank/{batch.id}/file.xlsx").status_code == 403
    auditor = client.application.test_client()
    login(auditor, "sz-gs-pj.auditor")
    assert auditor.get(f"/exchange/bank/{batch.id}/file.csv").status_code == 403
    assert auditor.get("/exchange/bank").status_code == 200
    other = client.application.test_client()
    login(other, "sz-wz.finance")
    assert other.get(f"/exchange/bank/{batch.id}/file.xlsx").status_code == 404
