"""The printed return (职工帮扶月报/年报) with signature and seal blocks."""

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assist.core.errors import NotFound
from assist.core.money import format_yuan
from assist.core.scoping import in_scope
from assist.core.timeutil import to_local
from assist.documents.plain import printed_labels
from assist.documents.registry import DocumentSpec, register
from assist.extensions import db
from assist.returns.layout import lines
from assist.returns.models import PeriodReturn, ReturnVersion

STATE_TEXT = {
    "signed": "已签报",
    "reopened": "已退回重报",
    "late": "逾期未报",
    "unsigned": "未签报（数据未审定）",
}


def load_version(user, version_id) -> ReturnVersion:
    try:
        ident = int(version_id)
    except (TypeError, ValueError):
        raise NotFound("no such return") from None
    version = db.session.scalars(
        select(ReturnVersion)
        .join(PeriodReturn, PeriodReturn.id == ReturnVersion.return_id)
        .where(ReturnVersion.id == ident, in_scope(user, PeriodReturn.centre_id))
    ).first()
    if version is None:
        raise NotFound("no such return")
    return version


def _local(value) -> str:
    local = to_local(value)
    return f"{local:%Y-%m-%d %H:%M}" if local else ""


def build_version(version: ReturnVersion, full_ids: bool) -> dict:
    ret = version.period_return
    with printed_labels():
        rows = lines(version.figures)
    return {
        "centre_name": ret.centre.name,
        "centre_code": ret.centre.code,
        "kind_title": "年报" if ret.period_kind == "year" else "月报",
        "period": ret.period,
        "version": version.version,
        "is_signed": version.status == "signed",
        "status": version.status,
        "compiled_at": _local(version.compiled_at),
        "signed_at": _local(version.signed_at),
        "signed_by": (version.signed_by.full_name or version.signed_by.username)
        if version.signed_by
        else "",
        "sha256": version.sha256,
        "children": [
            {
                "code": c["code"],
                "name": c["name"],
                "version": c["version"],
                "state": STATE_TEXT.get(c["state"], c["state"]),
            }
            for c in version.children
        ],
        "groups": _groups(rows),
        "compiled_by": (version.compiled_by.full_name or version.compiled_by.username)
        if version.compiled_by
        else "",
    }


def _groups(rows) -> list[dict]:
    """The lines by metric, in the layout's order: one table row group each."""
    out: list[dict] = []
    for line in rows:
        if not out or out[-1]["key"] != line.metric:
            out.append({"key": line.metric, "metric": line.metric_title, "rows": []})
        out[-1]["rows"].append(
            {
                "label": line.label,
                "count": line.count,
                "amount": format_yuan(line.amount_fen) if line.is_money else "",
            }
        )
    return out


RETURN_DOCUMENT = register(
    DocumentSpec(
        kind="period_return",
        title=_l("Period return"),
        template="returns/return_pdf.html",
        version="2",
        load=load_version,
        build=build_version,
        centre_id=lambda v: v.period_return.centre_id,
        label=lambda v: f"{v.period_return.centre.code}-{v.period_return.period}-V{v.version}",
    )
)
