"""月报/年报 pages: this centre's return and its children's, compile, sign, reopen, print, export."""

from io import BytesIO

from flask import (
    Blueprint,
    abort,
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

from assist.auth.forms import EmptyForm
from assist.auth.models import Role
from assist.core.errors import DomainError, NotFound
from assist.core.forms import int_arg, perform, refuse_back
from assist.core.nav import register_nav
from assist.core.scoping import get_scoped_or_404, roles_required
from assist.returns import jobs, services
from assist.returns.documents import STATE_TEXT, load_version
from assist.returns.exports import return_workbook
from assist.returns.forms import CompileForm, ReopenForm
from assist.returns.labels import CHILD_STATE_HELP, VERSION_HELP
from assist.returns.layout import lines
from assist.returns.models import PeriodKind, PeriodReturn

bp = Blueprint("returns", __name__, url_prefix="/returns")

READ_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR, Role.ADMIN)
register_nav(_l("Returns"), "returns.index", roles=READ_ROLES, order=72, group="figures")


def _reason(check, *args, **kwargs) -> str | None:
    """None when the action can succeed now, else the reason it cannot (for the buttons)."""
    try:
        check(*args, **kwargs)
    except DomainError as err:
        return err.message
    return None


@bp.route("/")
@login_required
@roles_required(*READ_ROLES)
def index():
    kind = request.args.get("kind", PeriodKind.MONTH)
    if kind not in set(PeriodKind):
        kind = PeriodKind.MONTH
    period = request.args.get("period") or services.current_period(kind)
    try:
        parsed = services.parse_return_period(kind, period)
    except DomainError as err:
        flash(err.message, "danger")
        return redirect(url_for("returns.index", kind=kind))
    centre = current_user.centre
    ret = services.find_return(centre, kind, period)
    children = services.children_status(centre, kind, period)
    return render_template(
        "returns/index.html",
        kind=kind,
        period=period,
        due=services.due_date(kind, parsed),
        ret=ret,
        children=children,
        state_text=STATE_TEXT,
        state_help=CHILD_STATE_HELP,
        version_help=VERSION_HELP,
        compile_blocked=_reason(services.check_compile, centre, ret, acting_user=current_user),
        form=CompileForm(period_kind=kind, period=period),
    )


@bp.route("/compile", methods=["POST"])
@login_required
@roles_required(Role.SUPERVISOR)
def compile_():
    """Queue the compile as a job; the user follows its progress and lands on the version."""
    form = CompileForm()
    if not form.validate_on_submit():
        return refuse_back(form, url_for("returns.index"))
    kind, period = form.period_kind.data, form.period.data
    # The commit hands the job to the engine.
    outcome = perform(
        lambda: jobs.start(current_user.centre, kind, period, acting_user=current_user)
    )
    if not outcome.ok:
        return redirect(url_for("returns.index", kind=kind, period=period))
    return redirect(url_for("returns.compile_job", job_id=outcome.value.id))


def _job_or_404(job_id: int):
    job = jobs.load_job(job_id, user=current_user)
    if job is None:
        abort(404)
    return job


@bp.route("/compile/<int:job_id>")
@login_required
@roles_required(Role.SUPERVISOR)
def compile_job(job_id: int):
    """The compile's progress; once done, on to the compiled version."""
    status = jobs.job_json(_job_or_404(job_id))
    if status["status"] == "done" and status["return_id"] and not status["error"]:
        flash(
            _(
                "Version %(n)d compiled from the records; check it, then sign it.",
                n=status["version"],
            ),
            "success",
        )
        return redirect(url_for("returns.show", return_id=status["return_id"], v=status["version"]))
    if status["error"]:
        flash(status["error"], "danger")
        return redirect(
            url_for("returns.index", kind=status["period_kind"], period=status["period"])
        )
    return render_template("returns/compile_job.html", job=status)


@bp.route("/compile/<int:job_id>/status")
@login_required
@roles_required(Role.SUPERVISOR)
def compile_job_status(job_id: int):
    """The compile's progress as JSON, for its page while the job runs."""
    status = jobs.job_json(_job_or_404(job_id))
    if status["return_id"]:
        status["url"] = url_for("returns.show", return_id=status["return_id"], v=status["version"])
    return jsonify(status)


def _load(return_id: int) -> PeriodReturn:
    return get_scoped_or_404(PeriodReturn, return_id, current_user)


@bp.route("/<int:return_id>")
@login_required
@roles_required(*READ_ROLES)
def show(return_id: int):
    ret = _load(return_id)
    if not ret.versions:
        abort(404)
    number = int_arg(request.args, "v") or ret.current.version
    version = next((v for v in ret.versions if v.version == number), None)
    if version is None:
        abort(404)
    return render_template(
        "returns/show.html",
        ret=ret,
        version=version,
        lines=lines(version.figures, version.changes),
        children=services.children_status(ret.centre, ret.period_kind, ret.period),
        state_text=STATE_TEXT,
        state_help=CHILD_STATE_HELP,
        version_help=VERSION_HELP,
        sign_blocked=_reason(services.check_sign, ret, acting_user=current_user),
        reopen_blocked=_reason(services.check_reopen, ret, acting_user=current_user),
        compile_blocked=_reason(services.check_compile, ret.centre, ret, acting_user=current_user),
        form=EmptyForm(),
        compile_form=CompileForm(period_kind=ret.period_kind, period=ret.period),
        reopen_form=ReopenForm(),
    )


@bp.route("/<int:return_id>/sign", methods=["POST"])
@login_required
@roles_required(Role.SUPERVISOR)
def sign(return_id: int):
    ret = _load(return_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    perform(
        lambda: services.sign_return(ret, acting_user=current_user),
        done=lambda version: _("Version %(n)d signed and frozen.", n=version.version),
    )
    return redirect(url_for("returns.show", return_id=ret.id))


@bp.route("/<int:return_id>/reopen", methods=["POST"])
@login_required
@roles_required(Role.SUPERVISOR)
def reopen(return_id: int):
    ret = _load(return_id)
    form = ReopenForm()
    if not form.validate_on_submit():
        for errors in form.errors.values():
            flash(str(errors[0]), "danger")
        return redirect(url_for("returns.show", return_id=ret.id))
    perform(
        lambda: services.reopen_return(ret, acting_user=current_user, reason=form.reason.data),
        done=_("The return is reopened; its centre compiles and signs the next version."),
    )
    return redirect(url_for("returns.show", return_id=ret.id))


@bp.route("/<int:return_id>/v<int:number>.xlsx")
@login_required
@roles_required(*READ_ROLES)
def export(return_id: int, number: int):
    ret = _load(return_id)
    version = next((v for v in ret.versions if v.version == number), None)
    if version is None:
        abort(404)
    try:
        load_version(current_user, version.id)
    except NotFound:
        abort(404)
    data = return_workbook(version)
    return send_file(
        BytesIO(data),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        as_attachment=True,
        download_name=f"{ret.centre.code}-{ret.period}-V{version.version}.xlsx",
    )
