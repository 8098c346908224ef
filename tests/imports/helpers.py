"""Ledger files for the import tests: every kind of bad row beside good ones."""

from tests.factories import next_resident_id
from tests.imports.ledger_sheet import HEADERS, head_row, spouse_row, xlsx_bytes

__all__ = ["HEADERS", "csv_bytes", "ledger_rows", "xlsx_bytes"]


def ledger_rows(held_id: str) -> tuple[list[list], dict]:
    a, spouse, b = next_resident_id(), next_resident_id(female=True), next_resident_id()
    bad_checksum = a[:-1] + ("0" if a[-1] != "0" else "1")
    rows = [
        head_row("王建国", a),  # 2 valid head
        spouse_row(spouse, a),  # 3 valid member
        head_row("赵六", bad_checksum),  # 4 invalid ID
        head_row("钱七", 110105194912310021),  # 5 ID stored as a number
        head_row("孙八", a),  # 6 duplicate of row 2
        head_row("周九", held_id),  # 7 already held by a centre
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


def csv_bytes(rows: list[list], encoding: str, headers=HEADERS) -> bytes:
    lines = [",".join(headers)] + [",".join(str(c) for c in row) for row in rows]
    return ("\r\n".join(lines) + "\r\n").encode(encoding)
