"""Ledger exports (CSV and XLSX) that spreadsheet programs cannot mistake for formulas."""

import csv
import io
from decimal import Decimal

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from assist.core.money import fen_to_decimal_str
from assist.core.timeutil import to_local
from assist.funds.labels import ENTRY_LABELS, label

#: A cell beginning with one of these may run as a formula in Excel, WPS or LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value):
    """Prefix text that a spreadsheet would read as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


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
