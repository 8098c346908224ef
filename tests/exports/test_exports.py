"""Every list exports to Excel and CSV with its filters, masked as on screen, typed cells."""

import csv
import io
from datetime import datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from assist.applicants.models import FileStatus
from assist.audit.models import AuditEntry
from assist.core.timeutil import local_today
from assist.extensions import db
from assist.funds import services
from tests.conftest import login
from tests.factories import make_applicant, make_standard, user
from tests.funds.factories import allocate_down, make_fund, make_ready_case


@pytest.fixture
def web(app, network):
    def make(username):
        client = app.test_client()
        assert login(client, username).status_code == 302
        return client

    return make


def _xlsx(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype.endswith("spreadsheetml.sheet")
    return load_workbook(io.BytesIO(response.data)).active


def _csv(response):
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def paid(network):
    fund = make_fund(received_fen=1_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 500_000)
    payments = []
    for n, reference in enumerate(('=HYPERLINK("http://x")', "R-2")):
        case = make_ready_case(network["SZ-GS-PJ"], amount_fen=150_050 - n * 50)
        payment, _ = services.pay_case(
            case,
            acting_user=user("sz-gs-pj.finance"),
            fund=fund,
            amount_fen=case.amount_approved_fen,
            details=services.PaymentDetails(method="bank_transfer", reference=reference),
            idempotency_key=f"export-{n}",
        )
        payments.append(payment)
    db.session.commit()
    return payments


def test_finance_exports_the_days_payments_to_excel_typed_and_neutralised(web, paid):
    finance = web("sz-gs-pj.finance")
    today = local_today().isoformat()
    page = finance.get(f"/funds/payments?from={today}&to={today}").get_data(as_text=True)
    assert f"/funds/payments?from={today}&amp;to={today}&amp;format=xlsx" in page
    sheet = _xlsx(finance.get(f"/funds/payments?from={today}&to={today}&format=xlsx"))
    rows = list(sheet.iter_rows(values_only=True))
    headers = list(rows[0])
    assert headers[:3] == ["序号", "发放时间", "案件"]
    amount, paid_at, reference = (headers.index(h) for h in ("金额", "发放时间", "银行流水号"))
    body = rows[1:]
    assert len(body) == 2
    assert sorted(r[amount] for r in body) == [Decimal("1500.00"), Decimal("1500.50")]
    assert all(isinstance(r[amount], (int, float)) for r in body)  # numbers, not text
    assert all(isinstance(r[paid_at], datetime) for r in body)
    assert {r[reference] for r in body} == {'\'=HYPERLINK("http://x")', "R-2"}
    case_col = headers.index("案件")
    assert all(sheet.cell(row=i, column=case_col + 1).number_format == "@" for i in (2, 3))
    # Another day's filter exports nothing; the export is audited.
    other = _xlsx(finance.get("/funds/payments?from=2020-01-01&to=2020-01-02&format=xlsx"))
    assert other.max_row == 1
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "list.exported").order_by(AuditEntry.id)
    ).first()
    assert entry.object_type == "payments" and entry.after["rows"] == 2


def test_files_export_keeps_filters_and_masks_ids_as_the_page_does(web, network):
    make_standard()
    pj = network["SZ-GS-PJ"]
    active = make_applicant(pj, name="在档甲")
    returned = make_applicant(pj, name="退回乙", status=FileStatus.RETURNED)
    elsewhere = make_applicant(network["SZ-WZ"], name="别处丙")
    db.session.commit()
    cw = web("sz-gs-pj.caseworker")
    rows = _csv(cw.get("/files/?status=active&format=csv"))
    assert rows[0][:3] == ["档案编号", "姓名", "身份证号"]
    names = [r[1] for r in rows[1:]]
    assert "在档甲" in names and "退回乙" not in names and "别处丙" not in names
    line = next(r for r in rows if r[1] == "在档甲")
    assert line[2] == active.id_number[:6] + "********" + active.id_number[-4:]
    assert active.id_number not in cw.get("/files/?format=csv").get_data(as_text=True)
    assert returned.file_no in cw.get("/files/?format=csv").data.decode("utf-8-sig")
    assert elsewhere.file_no not in cw.get("/files/?format=csv").data.decode("utf-8-sig")


def test_headers_follow_the_users_language_and_every_list_exports(web, network, paid):
    from tests.conftest import post_form

    admin = web("sz.admin")
    post_form(admin, "/language", {"locale": "en", "next": "/"})
    users = _csv(admin.get("/admin/users/?format=csv"))
    assert users[0][:3] == ["Username", "Full name", "Centre"]
    assert any(r[0] == "sz-gs-pj.finance" for r in users)
    audit = _xlsx(admin.get("/audit/?kind=payment&format=xlsx"))
    assert [c.value for c in audit[1]][:2] == ["Time", "User"]
    assert {row[4] for row in audit.iter_rows(min_row=2, values_only=True)} == {"Payment made"}
    sup = web("sz-gs-pj.supervisor")
    for url in ("/cases/?format=xlsx", "/cases/notices?format=csv", "/files/transfers?format=csv"):
        assert sup.get(url).status_code == 200, url
    fin = web("sz-gs-pj.finance")
    assert fin.get("/funds/batches?format=xlsx").status_code == 200
    # An unknown format is the ordinary page.
    assert "<html" in fin.get("/funds/payments?format=pdf").get_data(as_text=True)


def test_too_many_rows_ask_to_narrow_the_filters(app, web, paid, monkeypatch):
    # Above the inline limit and the hard cap of a background job: refused, nothing started.
    monkeypatch.setitem(app.config, "EXPORT_INLINE_ROWS", 1)
    monkeypatch.setitem(app.config, "EXPORT_MAX_ROWS", 1)
    response = web("sz-gs-pj.finance").get("/funds/payments?method=bank_transfer&format=xlsx")
    assert response.status_code == 302
    assert response.headers["Location"] == "/funds/payments?method=bank_transfer"
