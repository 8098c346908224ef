"""The ledger sheet that the import tests, the .xls fixture maker (fixtures/make_ledger_xls.py)
and bench/import_bench.py write: its header row, a valid household's rows, a sheet as .xlsx
(the bytes maker serves any test that uploads a workbook).

Only the standard library is imported at the top: the .xls maker runs in a venv of its own
that has xlwt and nothing else."""

import io

HEADERS = [
    "姓名",
    "身份证号",
    "户主身份证号",
    "与户主关系",
    "联系电话",
    "住址",
    "工作单位",
    "授权日期",
    "家庭年收入",
    "月收入",
]

#: A valid head's columns after the name and the ID.
HEAD_DETAILS = [
    "",
    "",
    "13912345678",
    "苏州市姑苏区平江路1号",
    "苏州纺织厂",
    "2026.1.5",
    "12000",
    "",
]


def head_row(name: str, id_number) -> list:
    """A head of household with valid details (the ID is whatever the test needs)."""
    return [name, id_number, *HEAD_DETAILS]


def spouse_row(id_number: str, head_id: str) -> list:
    """A valid member: the head's spouse, with a monthly income."""
    return ["李秀英", id_number, head_id, "配偶", "", "", "", "", "", "800"]


def xlsx_bytes(rows: list[list], headers=HEADERS) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
