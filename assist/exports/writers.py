"""CSV and XLSX writers that spreadsheet programs cannot mistake for formulas."""

import csv
import io
import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape

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


# --- streaming writers for exports run as background jobs ---------------------------------
#
# A job writes rows chunk by chunk straight into the encrypted output file: no workbook held
# in memory and no plain temporary file (openpyxl's write-only mode spools each sheet to an
# unencrypted file in /tmp). The XLSX is the smallest SpreadsheetML package Excel, WPS,
# LibreOffice and openpyxl read: inline strings, and one cell style per column kind.

_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
#: Column kind → index of its cell style in styles.xml (0 is the bold header).
_STYLE = {"text": 1, "money": 2, "number": 3, "date": 4, "datetime": 5}
_EPOCH = datetime(1899, 12, 30)

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.styles+xml"/></Types>'
)
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/styles" Target="styles.xml"/></Relationships>'
)
_STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="#,##0.00"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="166" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/>'
    "</cellStyleXfs>"
    '<cellXfs count="6">'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="49" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="1" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _xml_text(value: str) -> str:
    return escape(_ILLEGAL_XML.sub("", value), {'"': "&quot;"})


def _serial(value) -> float:
    """Excel's day number of a date or a (naive, local) datetime."""
    if isinstance(value, datetime):
        delta = value.replace(tzinfo=None) - _EPOCH
    else:
        delta = datetime(value.year, value.month, value.day) - _EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86_400_000_000


def _column_name(n: int) -> str:
    name = ""
    while n:
        n, rest = divmod(n - 1, 26)
        name = chr(65 + rest) + name
    return name


class XlsxStream:
    """Write one sheet row by row into a binary file object (which may not seek)."""

    def __init__(self, fh, title: str, headers: list[str], kinds: list[str]):
        self.kinds = kinds
        self.row = 0
        self.zip = zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED)
        sheet_name = _xml_text((title or "Sheet")[:31])
        for name, text in (
            ("[Content_Types].xml", _CONTENT_TYPES),
            ("_rels/.rels", _ROOT_RELS),
            ("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS),
            ("xl/styles.xml", _STYLES),
            (
                "xl/workbook.xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
                'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
                f'<sheets><sheet name="{sheet_name}" sheetId="1" r:id="rId1"/></sheets>'
                "</workbook>",
            ),
        ):
            self.zip.writestr(name, text)
        self.sheet = self.zip.open("xl/worksheets/sheet1.xml", "w", force_zip64=True)
        widths = "".join(
            f'<col min="{i}" max="{i}" width="{max(len(h) * 2, 12 if k == "text" else 14)}" '
            'customWidth="1"/>'
            for i, (h, k) in enumerate(zip(headers, kinds, strict=True), start=1)
        )
        self._write(
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
            'activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f"<cols>{widths}</cols><sheetData>"
        )
        self._row([neutralise(h) for h in headers], ["header"] * len(headers))

    def _write(self, text: str) -> None:
        self.sheet.write(text.encode("utf-8"))

    def _row(self, values, kinds) -> None:
        self.row += 1
        cells = []
        for i, (value, kind) in enumerate(zip(values, kinds, strict=True), start=1):
            ref = f"{_column_name(i)}{self.row}"
            style = 0 if kind == "header" else _STYLE[kind]
            if value is None or value == "":
                if kind == "text":
                    cells.append(f'<c r="{ref}" s="{style}"/>')
                continue
            if kind in ("header", "text") or isinstance(value, str):
                text = _xml_text(neutralise(str(value)))
                cells.append(
                    f'<c r="{ref}" s="{style}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{text}</t></is></c>"
                )
            elif isinstance(value, (date, datetime)):
                cells.append(f'<c r="{ref}" s="{style}"><v>{_serial(value)!r}</v></c>')
            else:
                cells.append(f'<c r="{ref}" s="{style}"><v>{value}</v></c>')
        self._write(f'<row r="{self.row}">{"".join(cells)}</row>')

    def write_rows(self, rows) -> None:
        for row in rows:
            self._row(row, self.kinds)

    def close(self) -> None:
        self._write("</sheetData></worksheet>")
        self.sheet.close()
        self.zip.close()


class CsvStream:
    """The CSV export written row by row (UTF-8 with a byte-order mark, like `to_csv`)."""

    def __init__(self, fh, headers: list[str], kinds: list[str]):
        self.fh = fh
        self.kinds = kinds
        self.fh.write("\ufeff".encode())
        self.write_rows([headers], text=True)

    def write_rows(self, rows, *, text: bool = False) -> None:
        out = io.StringIO()
        writer = csv.writer(out)
        for row in rows:
            kinds = ["text"] * len(row) if text else self.kinds
            writer.writerow(
                [
                    neutralise(_text(v)) if k == "text" else _text(v)
                    for v, k in zip(row, kinds, strict=True)
                ]
            )
        self.fh.write(out.getvalue().encode("utf-8"))

    def close(self) -> None:
        pass
