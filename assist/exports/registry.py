"""The export registry: a list registers its columns once; `format=xlsx|csv` exports it.

A list view hands its filtered, scoped SELECT (the one its page shows, unpaginated) to
:func:`respond`. Columns say what kind of value they hold, so IDs stay text, amounts are
numbers and dates are dates; a column's value function applies the same masking as the page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote, urlencode

from flask import Response, flash, redirect, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select

from assist.audit.services import record
from assist.core.timeutil import local_today, to_local
from assist.exports import writers
from assist.extensions import db

FORMATS = ("xlsx", "csv")
#: More rows than this are refused with a request to narrow the filters (bounded requests).
MAX_ROWS = 5_000

MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


@dataclass(frozen=True)
class Column:
    header: object
    value: Callable
    #: text | money (分 → yuan as a number) | number | date | datetime (stored UTC → local)
    kind: str = "text"


@dataclass(frozen=True)
class ExportSpec:
    key: str
    title: object
    columns: tuple


_SPECS: dict[str, ExportSpec] = {}


def register_export(spec: ExportSpec) -> ExportSpec:
    _SPECS[spec.key] = spec
    return spec


def get_export(key: str) -> ExportSpec:
    return _SPECS[key]


def requested_format() -> str | None:
    """The export format asked for on a list URL, or None for the HTML page."""
    fmt = request.args.get("format", "")
    return fmt if fmt in FORMATS else None


def export_url(**changes) -> str:
    """The current list URL with `format=` added (the filters kept)."""
    args = request.args.to_dict()
    args.pop("page", None)
    args.update(changes)
    return request.path + "?" + urlencode(args)


def _cell(column: Column, obj):
    value = column.value(obj)
    if value is None or value == "":
        return None if column.kind != "text" else ""
    if column.kind == "money":
        return Decimal(int(value)) / 100
    if column.kind == "datetime" and isinstance(value, datetime):
        return to_local(value).replace(tzinfo=None)
    return value


def rows_of(spec: ExportSpec, items) -> list[list]:
    return [[_cell(c, obj) for c in spec.columns] for obj in items]


def build(spec: ExportSpec, items, fmt: str) -> bytes:
    headers = [str(c.header) for c in spec.columns]
    kinds = [c.kind for c in spec.columns]
    rows = rows_of(spec, items)
    if fmt == "csv":
        return writers.to_csv(headers, kinds, rows)
    return writers.to_xlsx(str(spec.title), headers, kinds, rows)


def respond(key: str, source: Select | list, fmt: str) -> Response:
    """Export the list's rows (a SELECT of its records, or the records) in `fmt`."""
    spec = _SPECS[key]
    if isinstance(source, Select):
        items = list(db.session.scalars(source.limit(MAX_ROWS + 1)).unique())
    else:
        items = list(source)[: MAX_ROWS + 1]
    if len(items) > MAX_ROWS:
        flash(
            _(
                "More than %(n)d rows match: narrow the filters (for example by centre or "
                "date) and export again.",
                n=MAX_ROWS,
            ),
            "warning",
        )
        args = request.args.to_dict()
        args.pop("format", None)
        return redirect(request.path + ("?" + urlencode(args) if args else ""))
    body = build(spec, items, fmt)
    record(
        "list.exported",
        acting_user=current_user._get_current_object(),
        object_type=key,
        after={"format": fmt, "rows": len(items), "filters": _filters()},
    )
    db.session.commit()
    filename = f"{spec.title}-{local_today().isoformat()}.{fmt}"
    return Response(
        body,
        mimetype=MIMETYPES[fmt],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}",
            "Cache-Control": "no-store",
        },
    )


def _filters() -> dict:
    return {k: v for k, v in request.args.items() if k not in ("format", "page", "idh")}


def init_app(app) -> None:
    """Let every list template draw its export links."""
    app.jinja_env.globals["export_url"] = export_url
