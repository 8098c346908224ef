"""Document pages: download one PDF, verify a printed code, and batch printing."""

import json
from functools import wraps

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select

from assist.audit import labels as audit_labels
from assist.auth.forms import EmptyForm
from assist.centres.scoping import get_scoped_or_404, scoped
from assist.core.errors import DomainError, refusal
from assist.core.forms import apply_field_errors, audited, perform
from assist.core.nav import register_nav
from assist.documents import jobs, services
from assist.documents.forms import PrintJobForm, VerifyForm
from assist.documents.models import PrintJob
from assist.documents.registry import batch_specs, get_spec
from assist.extensions import db
from assist.jobs import outputs

bp = Blueprint("documents", __name__)

register_nav(_l("Printing"), "documents.print_jobs", order=60, group="relief")
audit_labels.register(
    actions={
        "document.issued": _l("Document printed"),
        "document.issued_full_ids": _l("Document printed with full IDs"),
        "document.verified": _l("Document verified"),
        "print_job.created": _l("Batch print started"),
        "print_job.cancelled": _l("Batch print cancelled"),
        "print_job.downloaded": _l("Batch print downloaded"),
        "print_job.expired": _l("Batch print's file deleted (retention)"),
    },
    objects={"issued_documents": _l("Printed document"), "print_jobs": _l("Batch print")},
)


def pdf_response(document, pdf: bytes, *, download: bool = False):
    from io import BytesIO

    name = f"{document.doc_no}-{document.subject_label}.pdf"
    response = send_file(
        BytesIO(pdf), mimetype="application/pdf", as_attachment=download, download_name=name
    )
    response.headers["X-Document-Number"] = document.doc_no
    return response


#: How long a print link on a page stays good: a working day, like a page left open.
LINK_MAX_AGE = 12 * 3600
#: Query parameters that do not change which document a link issues.
_UNSIGNED = ("t", "download")


def _link_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt="assist.document-link")


def _link_claim(user_id: int, endpoint: str, view_args: dict, args) -> list:
    pairs = sorted((k, str(v)) for k, v in args if k not in _UNSIGNED)
    return json.loads(json.dumps([user_id, endpoint, view_args, pairs]))


def issue_link(endpoint: str, **values) -> str:
    """A GET link that issues a document for the signed-in user: signed, so only a page of
    Assist can make one (a cross-site `<img>` cannot number documents in someone's name)."""
    rule = next(r for r in current_app.url_map.iter_rules(endpoint))
    view_args = {k: v for k, v in values.items() if k in rule.arguments}
    args = [(k, v) for k, v in values.items() if k not in rule.arguments]
    token = _link_serializer().dumps(_link_claim(current_user.id, endpoint, view_args, args))
    return url_for(endpoint, **values, t=token)


def _link_is_valid() -> bool:
    try:
        claim = _link_serializer().loads(request.args.get("t", ""), max_age=LINK_MAX_AGE)
    except BadSignature:
        return False
    args = request.args.items(multi=True)
    return claim == _link_claim(current_user.id, request.endpoint, request.view_args, args)


def issued_on_request(check):
    """Issue (number and record) a document only for a POST, whose CSRF token the app checks,
    or a GET carrying a link from `issue_link`. Any other GET gets a page with a print button,
    so an old bookmark still works and nothing is issued behind the user's back.

    `check(**view_args)` loads what the document covers (404 outside the scope, 403 for a
    role not allowed) before that page is shown, so it answers as the document would.
    """
    return lambda view: _issued_on_request(view, check)


def _issued_on_request(view, check):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if request.method == "POST" or _link_is_valid():
            return view(*args, **kwargs)
        check(**kwargs)
        values = {k: v for k, v in request.args.items() if k not in _UNSIGNED}
        action = url_for(request.endpoint, **request.view_args, **values)
        return render_template(
            "documents/confirm_issue.html",
            form=EmptyForm(),
            action=action,
            download=request.args.get("download") == "1",
        )

    return wrapped


def _load_subject(kind: str, subject_id: int) -> None:
    get_spec(kind).load(current_user, subject_id)


@bp.route("/documents/<kind>/<int:subject_id>.pdf", methods=["GET", "POST"])
@login_required
@issued_on_request(_load_subject)
def issue(kind: str, subject_id: int):
    return audited(
        lambda: services.issue(kind, subject_id, acting_user=current_user),
        lambda issued: pdf_response(*issued, download=_wants_download()),
    )


def _wants_download() -> bool:
    return request.values.get("download") == "1"


@bp.route("/documents/verify")
@login_required
def verify():
    form = VerifyForm(request.args)
    result = None
    if request.args.get("code") is not None and form.validate():
        try:
            result = services.verify(form.code.data, acting_user=current_user)
        except DomainError as err:
            apply_field_errors(form, err)
        db.session.commit()
    return render_template("documents/verify.html", form=form, result=result, get_spec=get_spec)


def _job_or_404(job_id: int) -> PrintJob:
    return get_scoped_or_404(PrintJob, job_id, current_user)


@bp.route("/print-jobs/", methods=["GET", "POST"])
@login_required
def print_jobs():
    specs = [s for s in batch_specs()]
    form = PrintJobForm()
    form.kind.choices = [(s.kind, str(s.batch_title or s.title)) for s in specs]
    chosen = (
        get_spec(form.kind.data)
        if form.kind.data in {s.kind for s in specs}
        else (specs[0] if specs else None)
    )
    choices = {s.kind: s.batch_choices(current_user) for s in specs}
    form.value.choices = choices.get(chosen.kind, []) if chosen else []
    if form.validate_on_submit():
        outcome = perform(
            lambda: jobs.create_job(
                chosen, form.value.data, acting_user=current_user, output=form.output.data
            ),
            form=form,
        )
        if outcome.ok:
            jobs.kick()
            return redirect(url_for("documents.print_job", job_id=outcome.value.id))
    recent = db.session.scalars(
        scoped(select(PrintJob), current_user, PrintJob.centre_id)
        .order_by(PrintJob.id.desc())
        .limit(20)
    ).all()
    if any(j.status in jobs.OPEN_STATES for j in recent):
        jobs.kick()
    return render_template("documents/print_jobs.html", form=form, jobs=recent, choices=choices)


@bp.route("/print-jobs/<int:job_id>")
@login_required
def print_job(job_id: int):
    job = _job_or_404(job_id)
    if job.status in jobs.OPEN_STATES:
        jobs.kick()
    return render_template(
        "documents/print_job.html",
        job=job,
        form=EmptyForm(),
        may_download=_may_download(job),
        retention_days=jobs.retention_days(),
    )


def _may_download(job: PrintJob) -> bool:
    return (
        bool(job.result_path)
        and refusal(jobs.check_download, job, acting_user=current_user) is None
    )


def job_json(job: PrintJob) -> dict:
    return {
        "id": job.id,
        "kind": job.kind,
        "title": job.title,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "percent": job.percent,
        "output": job.output,
        "error": job.error,
        "full_ids": job.shows_full_ids,
        "expired_at": job.expired_at.isoformat() + "Z" if job.expired_at else None,
        "download_url": url_for("documents.download", job_id=job.id)
        if _may_download(job)
        else None,
    }


@bp.route("/print-jobs/<int:job_id>/status")
@login_required
def print_job_status(job_id: int):
    job = _job_or_404(job_id)
    if job.status in jobs.OPEN_STATES:
        jobs.kick()  # a restarted web process picks a stalled job up again
    return jsonify(job_json(job))


@bp.route("/print-jobs/<int:job_id>/cancel", methods=["POST"])
@login_required
def cancel(job_id: int):
    job = _job_or_404(job_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    perform(
        lambda: jobs.cancel_job(job, acting_user=current_user),
        refused=lambda err: flash(err.message, "warning"),
        done=_("The print job is being cancelled; finished documents are kept."),
        tone="info",
    )
    return redirect(url_for("documents.print_job", job_id=job.id))


@bp.route("/print-jobs/<int:job_id>/download")
@login_required
def download(job_id: int):
    job = _job_or_404(job_id)
    zipped = job.output == "zip"
    return audited(
        lambda: jobs.open_output(job, acting_user=current_user),
        lambda chunks: outputs.download_response(
            chunks,
            filename=f"print-job-{job.id}.{'zip' if zipped else 'pdf'}",
            mimetype="application/zip" if zipped else "application/pdf",
        ),
    )


JOB_STATES = {
    "queued": _l("waiting"),
    "running": _l("printing"),
    "done": _l("finished"),
    "done_with_errors": _l("finished with errors"),
    "cancelled": _l("stopped"),
    "failed": _l("failed"),
    "expired": _l("file expired"),
}


@bp.app_context_processor
def _job_states():
    return {
        "job_state": lambda status: str(JOB_STATES.get(status, status)),
        "issue_link": issue_link,
    }
