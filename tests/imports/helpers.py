"""Ledger files for the import tests: every kind of bad row beside good ones."""

import io

from openpyxl import Workbook

from tests.factories import next_resident_id

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


def ledger_rows(held_id: str) -> tuple[list[list], dict]:
    a, spouse, b = next_resident_id(), next_resident_id(female=True), next_resident_id()
    good = ["", "", "13912345678", "苏州市姑苏区平江路1号", "苏州纺织厂", "2026.1.5", "12000", ""]
    bad_checksum = a[:-1] + ("0" if a[-1] != "0" else "1")
    rows = [
        ["王建国", a, *good],  # 2 valid head
        ["李秀英", spouse, a, "配偶", "", "", "", "", "", "800"],  # 3 valid member
        ["赵六", bad_checksum, *good],  # 4 invalid ID
        ["钱七", 110105194912310021, *good],  # 5 ID stored as a number
        ["孙八", a, *good],  # 6 duplicate of row 2
        ["周九", held_id, *good],  # 7 already held by a centre
        [
            "吴十",
            next_resident_id(),
            next_resident_id(),
            "子女",
            "",
            "",
            "",
            "",
            "",
            "0",
        ],  # 8 no head
        [
            "郑一",
            next_resident_id(),
            "",
            "",
            "13912345678",
            "苏州",
            "厂",
            "2026年1月5日",
            "一千",
            "",
        ],  # 9
        [
            "陈二",
            b,
            "",
            "",
            "13912345679",
            "苏州市吴中区1号",
            "苏州电子厂",
            "2026-02-01",
            "9600.50",
            "",
        ],  # 10
    ]
    return rows, {"head": a, "spouse": spouse, "second": b}


def xlsx_bytes(rows: list[list], headers=HEADERS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(headers)
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list], encoding: str, headers=HEADERS) -> bytes:
    lines = [",".join(headers)] + [",".join(str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
