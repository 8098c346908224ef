"""/exports/<id>: a large export's progress page, its status JSON and its download."""

from flask import Blueprint, jsonify, render_template
from flask_login import current_user, login_required

from assist.core.forms import audited
from assist.exports import jobs
from assist.jobs import outputs

bp = Blueprint("exports", __name__, url_prefix="/exports")


@bp.route("/<int:job_id>")
@login_required
def job(job_id: int):
    job = jobs.load_job(job_id, acting_user=current_user)
    return render_template(
        "exports/job.html",
        job=job,
        info=jobs.job_json(job),
        open_states=jobs.OPEN_STATES,
        retention_days=jobs.retention_days(),
    )


@bp.route("/<int:job_id>/status")
@login_required
def status(job_id: int):
    return jsonify(jobs.job_json(jobs.load_job(job_id, acting_user=current_user)))


@bp.route("/<int:job_id>/download")
@login_required
def download(job_id: int):
    return send_export(jobs.load_job(job_id, acting_user=current_user))


def send_export(job):
    """The finished file, its download audited first (the page's link and the API's)."""
    return audited(
        lambda: jobs.open_output(job, acting_user=current_user),
        lambda chunks: outputs.download_response(
            chunks, filename=jobs.filename(job), mimetype=jobs.mimetype(job)
        ),
    )
