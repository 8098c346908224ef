"""Document endpoints of the JSON API: batch print jobs (single PDFs live with their domain)."""

from flask import jsonify
from flask_babel import gettext as _
from flask_login import current_user

from assist.api import api_route, created, fields
from assist.centres.scoping import get_scoped_or_404
from assist.core.errors import ValidationError
from assist.documents import jobs
from assist.documents.models import PrintJob
from assist.documents.registry import batch_specs
from assist.documents.views import job_json
from assist.extensions import db

PRINT_JOB_REQUEST = fields.Schema(
    kind=fields.Text(40, required=True, description="document kind, e.g. case_file"),
    value=fields.Text(80, required=True, description="which batch, e.g. a station code"),
    output=fields.Choice(["pdf", "zip"], default="pdf"),
)


@api_route(
    "/print-jobs",
    methods=["POST"],
    tags=["documents"],
    summary="Start a batch print in the background",
    request_schema=PRINT_JOB_REQUEST,
    responses={201: {"description": "the job, with its progress"}},
)
def create_print_job():
    body = PRINT_JOB_REQUEST.body()
    specs = {s.kind: s for s in batch_specs()}
    spec = specs.get(body.kind)
    if spec is None:
        raise ValidationError(
            _("Unknown document kind."), fields={"kind": _("Unknown document kind.")}
        )
    values = {v for v, _label in spec.batch_choices(current_user)}
    value = body.value
    if value not in values:
        raise ValidationError(
            _("Not a batch you may print."), fields={"value": _("Not a batch you may print.")}
        )
    job = jobs.create_job(spec, value, acting_user=current_user, output=body.output)
    db.session.commit()
    jobs.kick()
    return created(job_json(job))


@api_route(
    "/print-jobs/<int:job_id>",
    tags=["documents"],
    summary="A batch print's progress and, when finished, its download address",
)
def get_print_job(job_id: int):
    job = get_scoped_or_404(PrintJob, job_id, current_user)
    if job.status in jobs.OPEN_STATES:
        jobs.kick()
    return jsonify(job_json(job))
