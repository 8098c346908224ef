"""Reading a unit's roster: xlsx (openpyxl) or CSV in UTF-8, GBK or GB18030.

Only the shape is read here: each data row's number (as the user sees it in the sheet), the
name and the ID cell *as stored*. An ID stored as a number has already lost its last digits
in Excel, so it is kept as a number and refused by the checks, never repaired.
"""

import csv
import io
import re
from dataclasses import dataclass

from flask_babel import gettext as _

from assist.core.errors import ValidationError

MAX_ROWS = 20_000
MAX_BYTES = 10 * 1024 * 1024
NAME_HEADERS = {"姓名", "name", "职工姓名"}
ID_HEADERS = {
    "身份证号",
    "身份证号码",
    "公民身份号码",
    "id",
    "id number",
    "id_number",
    "resident id",
}
_NUMERIC_TEXT = re.compile(r"^\d+(\.\d+)?[eE][+]?\d+$|^\d+\.\d+$")


@dataclass(frozen=True)
class RosterLine:
    row_no: int
    name: str
    id_raw: str
    #: True when the sheet stored the ID as a number (precision already lost).
    id_is_number: bool = False


def _header_index(cells) -> tuple[int, int] | None:
    names = [str(c).strip().lower() if c is not None else "" for c in cells]
    name_col = next((i for i, v in enumerate(names) if v in NAME_HEADERS), None)
    id_col = next((i for i, v in enumerate(names) if v in ID_HEADERS), None)
    if name_col is None or id_col is None:
        return None
    return name_col, id_col


def _lines(rows) -> list[RosterLine]:
    """Find the header row (姓名, 身份证号), then read each non-empty row after it."""
    header = None
    out: list[RosterLine] = []
    for row_no, cells in rows:
        cells = list(cells)
        if header is None:
            header = _header_index(cells)
            continue
        name_col, id_col = header
        name = cells[name_col] if name_col < len(cells) else None
        raw = cells[id_col] if id_col < len(cells) else None
        if all(c is None or str(c).strip() == "" for c in cells):
            continue
        if len(out) >= MAX_ROWS:
            msg = _("A roster may hold at most %(n)d rows.", n=MAX_ROWS)
            raise ValidationError(msg, fields={"file": msg})
        is_number = isinstance(raw, (int, float)) and not isinstance(raw, bool)
        text = "" if raw is None else (repr(raw) if is_number else str(raw).strip())
        if not is_number and _NUMERIC_TEXT.match(text):
            is_number = True  # a CSV saved from Excel: 3.20502E+17
        out.append(
            RosterLine(
                row_no=row_no,
                name="" if name is None else str(name).strip(),
                id_raw=text,
                id_is_number=is_number,
            )
        )
    if header is None:
        msg = _("The roster needs a header row with the columns 姓名 and 身份证号.")
        raise ValidationError(msg, fields={"file": msg})
    return out


def _xlsx_rows(data: bytes):
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as err:  # openpyxl raises many kinds for a damaged or foreign file
        msg = _("This file cannot be read as an Excel workbook (.xlsx).")
        raise ValidationError(msg, fields={"file": msg}) from err
    try:
        sheet = book.worksheets[0]
        yield from enumerate(sheet.iter_rows(values_only=True), start=1)
    finally:
        book.close()


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    msg = _("Save the CSV file in UTF-8 or GBK.")
    raise ValidationError(msg, fields={"file": msg})


def _csv_rows(data: bytes):
    text = _decode(data)
    if "\x00" in text:
        msg = _("The CSV file contains NUL characters; export it again.")
        raise ValidationError(msg, fields={"file": msg})
    reader = csv.reader(io.StringIO(text))
    yield from enumerate(reader, start=1)


def read_roster(filename: str, data: bytes) -> list[RosterLine]:
    """Read the roster's rows from an xlsx or CSV file; refuse other files with a message."""
    if not data:
        msg = _("Choose the roster file (xlsx or CSV).")
        raise ValidationError(msg, fields={"file": msg})
    if len(data) > MAX_BYTES:
        msg = _("The roster file is too large.")
        raise ValidationError(msg, fields={"file": msg})
    if data[:4] == b"PK\x03\x04":
        return _lines(_xlsx_rows(data))
    if (filename or "").lower().endswith((".xlsx", ".xls")):
        msg = _("This file cannot be read as an Excel workbook (.xlsx).")
        raise ValidationError(msg, fields={"file": msg})
    return _lines(_csv_rows(data))
