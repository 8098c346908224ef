"""The export registry: a list registers its columns once; `format=xlsx|csv` exports it.

A list view hands its filtered, scoped SELECT (the one its page shows, unpaginated) to
:func:`respond`. Columns say what kind of value they hold, so IDs stay text, amounts are
numbers and dates are dates; a column's value function applies the same masking as the page.

Up to EXPORT_INLINE_ROWS rows are answered at once. More (up to EXPORT_MAX_ROWS) start an
``exports.list`` background job (assist.exports.jobs) and the user follows its progress; the
job calls the same list view again, as the starting user with the same query string, and the
view's `respond` hands it the SELECT instead of answering (:func:`capture`), so the filters
and the scope are applied by the one code that applies them to the page.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from urllib.parse import quote, urlencode

from flask import Response, current_app, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import Select, func, select

from assist.audit.services import record
from assist.core.timeutil import local_today, to_local
from assist.exports import writers
from assist.extensions import db

FORMATS = ("xlsx", "csv")

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
    #: The list view that exports it (what a background job and the API call again).
    endpoint: str = ""


_SPECS: dict[str, ExportSpec] = {}


def register_export(spec: ExportSpec) -> ExportSpec:
    _SPECS[spec.key] = spec
    return spec


def get_export(key: str) -> ExportSpec:
    return _SPECS[key]


def specs() -> list[ExportSpec]:
    return sorted(_SPECS.values(), key=lambda s: s.key)


def inline_rows() -> int:
    """Exports up to this many rows are answered at once; more run as a background job."""
    return int(current_app.config["EXPORT_INLINE_ROWS"])


def max_rows() -> int:
    """No export, not even a background one, has more rows than this."""
    return int(current_app.config["EXPORT_MAX_ROWS"])


@dataclass
class Captured:
    """What `respond` hands back when a job calls a list view again: the rows' source."""

    source: object


def capture(path: str, args: dict, user, fmt: str):
    """Call the list view at `path` as `user` with the query `args` and `format=fmt`; return
    the source of its rows (the SELECT or records the view hands to `respond`).

    Used by the export job and the API: the view applies its filters and scope exactly as
    for the page. Raises NotFound (or the view's own refusal) when the user may not see it.
    """
    from werkzeug.exceptions import NotFound

    app = current_app._get_current_object()
    saved = g.get("_login_user")
    try:
        with app.test_request_context(path, query_string={**args, "format": fmt}):
            g._login_user = user  # what flask_login's current_user answers
            g.export_capture = True
            endpoint, view_args = app.url_map.bind("localhost").match(path, method="GET")
            result = app.view_functions[endpoint](**view_args)
    finally:
        g.pop("export_capture", None)
        if saved is None:
            g.pop("_login_user", None)
        else:
            g._login_user = saved
    if not isinstance(result, Captured):
        raise NotFound()
    return result.source


def count_rows(source) -> int:
    if isinstance(source, Select):
        return db.session.scalar(select(func.count()).select_from(source.order_by(None).subquery()))
    return len(source)


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
    if g.get("export_capture"):
        return Captured(source)
    spec = _SPECS[key]
    limit = inline_rows()
    if isinstance(source, Select):
        items = list(db.session.scalars(source.limit(limit + 1)).unique())
    else:
        source = list(source)
        items = source[: limit + 1]
    if len(items) > limit:
        return _start_job(key, source, fmt)
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


def too_many_message(n: int) -> str:
    return _(
        "More than %(n)d rows match: narrow the filters (for example by centre or "
        "date) and export again.",
        n=n,
    )


def _start_job(key: str, source, fmt: str) -> Response:
    """Above the inline limit: refuse beyond the hard cap, else start the background job."""
    from assist.exports import jobs

    args = request.args.to_dict()
    args.pop("format", None)
    args.pop("page", None)
    total = count_rows(source)
    if total > max_rows():
        flash(too_many_message(max_rows()), "warning")
        return redirect(request.path + ("?" + urlencode(args) if args else ""))
    job = jobs.start(
        key,
        fmt,
        path=request.path,
        args=args,
        acting_user=current_user._get_current_object(),
        total=total,
    )
    db.session.commit()
    return redirect(url_for("exports.job", job_id=job.id))


def _filters() -> dict:
    return {k: v for k, v in request.args.items() if k not in ("format", "page", "idh")}


def init_app(app) -> None:
    """Let every list template draw its export links."""
    app.jinja_env.globals["export_url"] = export_url
