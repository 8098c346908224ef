"""A return as an Excel workbook in a fixed layout (the upper union's form)."""

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

from assist.core.money import fen_to_decimal_str
from assist.core.timeutil import to_local
from assist.documents.plain import printed_labels
from assist.returns.layout import lines
from assist.returns.models import ReturnVersion

KIND_TITLES = {"month": "月报", "year": "年报"}


def return_workbook(version: ReturnVersion) -> bytes:
    """Rows 1–6: heading and sign-off; row 8: column heads; then one row per line, fixed order."""
    ret = version.period_return
    wb = Workbook()
    ws = wb.active
    ws.title = f"{ret.period}{KIND_TITLES.get(ret.period_kind, '')}"
    signed_at = to_local(version.signed_at)
    with printed_labels():
        rows = lines(version.figures)
    ws.append([f"{ret.centre.name} 职工帮扶{KIND_TITLES.get(ret.period_kind, '')}"])
    ws.append(["单位代码", ret.centre.code, "统计期间", ret.period])
    ws.append(["版本", version.version, "状态", {"signed": "已签报"}.get(version.status, "未签报")])
    ws.append(
        [
            "签报人",
            version.signed_by.full_name if version.signed_by else "",
            "签报时间",
            f"{signed_at:%Y-%m-%d %H:%M}" if signed_at else "",
        ]
    )
    ws.append(["校验值（SHA-256）", version.sha256])
    ws.append(
        [
            "含下级",
            "；".join(f"{c['code']} 第{c['version']}版" for c in version.children if c["included"])
            or "无",
        ]
    )
    ws.append([])
    ws.append(["指标", "项目", "代码", "数量（户/户次/笔）", "金额（元）"])
    for line in rows:
        ws.append(
            [
                line.metric_title,
                line.label,
                f"{line.metric}:{line.key}",
                line.count,
                fen_to_decimal_str(line.amount_fen) if line.is_money else "",
            ]
        )
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[8]:
        cell.font = Font(bold=True)
    for column, width in zip("ABCDE", (28, 24, 26, 18, 16), strict=True):
        ws.column_dimensions[column].width = width
    for row in ws.iter_rows(min_row=9, min_col=4, max_col=5):
        for cell in row:
            cell.alignment = Alignment(horizontal="right")
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
