"""Ledger exports (CSV and XLSX) that spreadsheet programs cannot mistake for formulas."""

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.styles import Font

from assist.core.masking import mask_last4
from assist.core.money import fen_to_decimal_str
from assist.core.timeutil import to_local
from assist.exports.registry import Column, ExportSpec, register_export
from assist.exports.writers import FORMULA_STARTS, neutralise  # noqa: F401  (one rule for all)
from assist.funds.labels import (
    BATCH_STATUS_LABELS,
    ENTRY_LABELS,
    METHOD_LABELS,
    PAYMENT_STATUS_LABELS,
    label,
)


def _display_name(user) -> str:
    return (user.full_name or user.username) if user else ""


register_export(
    ExportSpec(
        "payments",
        _l("Payments"),
        (
            Column(_l("No."), lambda p: p.id, "number"),
            Column(_l("Paid at"), lambda p: p.paid_at, "datetime"),
            Column(_l("Case"), lambda p: p.case.case_no),
            Column(_l("Recipient"), lambda p: p.recipient_name),
            Column(_l("Fund"), lambda p: f"{p.fund.year} {p.fund.name}"),
            Column(_l("Paid by centre"), lambda p: p.centre.name),
            Column(_l("Method"), lambda p: label(METHOD_LABELS, p.method)),
            Column(_l("Amount"), lambda p: p.amount_fen, "money"),
            Column(_l("Bank reference"), lambda p: p.bank_reference),
            Column(
                _l("Account"),
                lambda p: mask_last4(p.account_last4),
            ),
            Column(_l("State"), lambda p: label(PAYMENT_STATUS_LABELS, p.status)),
            Column(_l("By"), lambda p: _display_name(p.paid_by)),
        ),
        endpoint="funds.payments",
    )
)

register_export(
    ExportSpec(
        "batches",
        _l("Payment batches"),
        (
            Column(_l("Batch"), lambda b: b.batch_no),
            Column(_l("Title"), lambda b: b.title),
            Column(_l("Fund"), lambda b: f"{b.fund.year} {b.fund.name}"),
            Column(_l("Centre"), lambda b: b.centre.name),
            Column(_l("Method"), lambda b: label(METHOD_LABELS, b.method)),
            Column(_l("Cases"), lambda b: len(b.items), "number"),
            Column(_l("Total"), lambda b: b.total_fen, "money"),
            Column(_l("State"), lambda b: label(BATCH_STATUS_LABELS, b.status)),
            Column(_l("Paid on"), lambda b: b.paid_on, "date"),
        ),
        endpoint="funds.batch_list",
    )
)


def _headers() -> list[str]:
    return [
        _("Row"),
        _("Time"),
        _("Fund"),
        _("Year"),
        _("Centre code"),
        _("Centre"),
        _("Kind"),
        _("In (yuan)"),
        _("Out (yuan)"),
        _("Balance after (yuan)"),
        _("Other centre"),
        _("Case"),
        _("Payment"),
        _("Reference"),
        _("Note"),
        _("By"),
    ]


def _money(fen: int | None):
    """Amounts as exact decimals: never negative, so never mistaken for a formula."""
    return Decimal(fen_to_decimal_str(fen)) if fen else None


def ledger_rows(entries) -> list[list]:
    """One list per ledger row: in and out in separate columns, both positive."""
    rows = []
    for e in entries:
        local = to_local(e.created_at)
        rows.append(
            [
                e.id,
                local.strftime("%Y-%m-%d %H:%M:%S") if local else "",
                e.fund.name,
                e.fund.year,
                e.centre.code,
                e.centre.name,
                label(ENTRY_LABELS, e.kind),
                _money(e.amount_fen) if e.amount_fen > 0 else None,
                _money(-e.amount_fen) if e.amount_fen < 0 else None,
                Decimal(fen_to_decimal_str(e.balance_after_fen)),
                e.counterpart_centre.code if e.counterpart_centre else "",
                e.case.case_no if e.case else "",
                e.payment_id or "",
                e.reference,
                e.note,
                e.user.username if e.user else "",
            ]
        )
    return rows


def to_csv(entries) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in _headers()])
    for row in ledger_rows(entries):
        writer.writerow(["" if v is None else neutralise(v) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(entries) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = _("Ledger")[:31]
    ws.append([neutralise(h) for h in _headers()])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ledger_rows(entries):
        ws.append([neutralise(v) for v in row])
    for column in ("H", "I", "J"):
        for cell in ws[column][1:]:
            cell.number_format = "#,##0.00"
    ws.freeze_panes = "A2"
    widths = {"B": 20, "C": 24, "E": 12, "F": 26, "G": 12, "H": 14, "I": 14, "J": 16, "N": 20}
    for column, width in widths.items():
        ws.column_dimensions[column].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
