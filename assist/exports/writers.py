"""CSV and XLSX writers that spreadsheet programs cannot mistake for formulas."""

import csv
import io
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

#: A cell beginning with one of these may run as a formula in Excel, WPS or LibreOffice.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

#: Column kinds and their Excel number formats ("@" keeps an ID as text, never a number).
FORMATS = {
    "text": "@",
    "money": "#,##0.00",
    "number": "0",
    "date": "yyyy-mm-dd",
    "datetime": "yyyy-mm-dd hh:mm:ss",
}


def neutralise(value):
    """Prefix text that a spreadsheet would read as a formula with an apostrophe."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def to_csv(headers: list[str], kinds: list[str], rows) -> bytes:
    """UTF-8 with a byte-order mark, so Excel shows the Chinese text correctly."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([neutralise(h) for h in headers])
    for row in rows:
        writer.writerow(
            [
                neutralise(_text(v)) if k == "text" else _text(v)
                for v, k in zip(row, kinds, strict=True)
            ]
        )
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(title: str, headers: list[str], kinds: list[str], rows) -> bytes:
    """One sheet: bold frozen headers, typed cells (text, amounts, dates) and sensible widths."""
    wb = Workbook()
    ws = wb.active
    ws.title = (title or "Sheet")[:31]
    ws.append([neutralise(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
    widths = [max(len(str(h)) * 2, 8) for h in headers]
    for row in rows:
        values = []
        for i, (value, kind) in enumerate(zip(row, kinds, strict=True)):
            if kind == "text":
                value = neutralise("" if value is None else str(value))
            elif kind == "datetime" and isinstance(value, datetime) and value.tzinfo:
                value = value.replace(tzinfo=None)  # Excel has no time zones: local wall time
            values.append(value)
            widths[i] = min(max(widths[i], len(_text(value)) + 2), 60)
        ws.append(values)
        for cell, kind in zip(ws[ws.max_row], kinds, strict=True):
            cell.number_format = FORMATS[kind]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[ws.cell(row=1, column=i).column_letter].width = width
    ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
