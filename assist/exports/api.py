"""Exports through the JSON API: start a list's export as a job, follow it, download it.

The export re-applies the list's filters (its query parameters, sent as `filters`) in the
list view itself, as the token's user (assist.exports.registry.capture): the file holds what
the web list shows that user, masked the same way. Only the starter sees or downloads it.
"""

from flask import jsonify, url_for
from flask_babel import gettext as _
from flask_login import current_user

from assist.api import api_route, fields, job_started
from assist.core.errors import ValidationError
from assist.exports import jobs, registry
from assist.exports.views import send_export


def _lists() -> list[str]:
    return [s.key for s in registry.specs() if s.endpoint]


EXPORT_REQUEST = fields.Schema(
    list=fields.Text(
        40,
        required=True,
        description="the list: files, transfers, cases, notices, payments, batches, audit or users",
    ),
    format=fields.Choice(list(registry.FORMATS), default="xlsx"),
    filters=fields.Data(
        default=None,
        values=fields.Text(200),
        description='the list page\'s query parameters (e.g. {"status": "active"})',
    ),
)


@api_route(
    "/exports",
    methods=["POST"],
    tags=["exports"],
    summary="Export a list (with its filters) to Excel or CSV in the background",
    request_schema=EXPORT_REQUEST,
    responses={
        201: {"description": "the job, with its progress"},
        422: {"description": "unknown list, bad filters, or more rows than EXPORT_MAX_ROWS"},
    },
)
def start_export():
    body = EXPORT_REQUEST.body()
    if body.list not in _lists():
        message = _("Unknown list.")
        raise ValidationError(message, fields={"list": message})
    spec = registry.get_export(body.list)
    args = {str(k): str(v) for k, v in (body.filters or {}).items()}
    args.pop("page", None)
    args.pop("format", None)
    path = url_for(spec.endpoint)
    source = registry.capture(path, args, current_user._get_current_object(), body.format)
    total = registry.count_rows(source)
    if total > registry.max_rows():
        message = registry.too_many_message(registry.max_rows())
        raise ValidationError(message, fields={"filters": message})
    job = jobs.start(
        body.list,
        body.format,
        path=path,
        args=args,
        acting_user=current_user._get_current_object(),
        total=total,
    )
    return job_started(job, api_json, status=201)


def api_json(job) -> dict:
    out = jobs.job_json(job)
    out["download_url"] = (
        url_for("api.download_export", job_id=job.id) if out["download_url"] else None
    )
    return out


@api_route(
    "/exports/<int:job_id>",
    tags=["exports"],
    summary="An export's progress and, when finished, its download address",
)
def get_export(job_id: int):
    return jsonify(api_json(jobs.load_job(job_id, acting_user=current_user)))


@api_route(
    "/exports/<int:job_id>/download",
    tags=["exports"],
    summary="The finished export file (only for the user who started it)",
    responses={
        200: {"description": "the XLSX or CSV file"},
        410: {"description": "deleted after its retention period"},
    },
)
def download_export(job_id: int):
    return send_export(jobs.load_job(job_id, acting_user=current_user))
