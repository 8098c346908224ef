"""台账导入 pages: upload, map the columns, check (dry run), confirm, download the report."""

import logging
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
from sqlalchemy import select

from assist.auth.forms import EmptyForm
from assist.auth.models import Role
from assist.core.errors import DomainError
from assist.core.forms import perform
from assist.core.nav import register_nav
from assist.core.scoping import get_scoped_or_404, roles_required, scoped
from assist.extensions import db
from assist.imports import jobs, services
from assist.imports.models import LedgerImport, LedgerImportRow

log = logging.getLogger(__name__)
bp = Blueprint("imports", __name__, url_prefix="/imports")
register_nav(
    _l("Ledger import"), "imports.index", roles=(Role.CASEWORKER,), order=74, group="figures"
)


@bp.route("/", methods=["GET", "POST"])
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR)
def index():
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        upload = request.files.get("file")
        if upload is None or not upload.filename:
            flash(_("Choose a ledger file (.xlsx, .xls or .csv)."), "danger")
            return redirect(url_for("imports.index"))
        outcome = perform(
            lambda: services.upload(upload.filename, upload.read(), acting_user=current_user)
        )
        if not outcome.ok:
            return redirect(url_for("imports.index"))
        return redirect(url_for("imports.show", import_id=outcome.value.id))
    batches = db.session.scalars(
        scoped(select(LedgerImport), current_user, LedgerImport.centre_id)
        .order_by(LedgerImport.id.desc())
        .limit(50)
    ).all()
    return render_template("imports/index.html", batches=batches, form=form)


def _load(import_id: int) -> LedgerImport:
    return get_scoped_or_404(LedgerImport, import_id, current_user)


@bp.route("/<int:import_id>")
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR)
def show(import_id: int):
    batch = _load(import_id)
    problems = db.session.scalars(
        select(LedgerImportRow)
        .where(
            LedgerImportRow.import_id == batch.id, LedgerImportRow.status.in_(("invalid", "failed"))
        )
        .order_by(LedgerImportRow.row_no)
        .limit(500)
    ).all()
    return render_template(
        "imports/show.html",
        batch=batch,
        fields=services.FIELDS,
        problems=problems,
        form=EmptyForm(),
        may_act=current_user.has_role(Role.CASEWORKER)
        and current_user.centre_id == batch.centre_id,
    )


@bp.route("/<int:import_id>/status")
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR)
def status(import_id: int):
    """The import's progress as JSON, for its page while a job runs."""
    batch = _load(import_id)
    return jsonify(
        {
            "id": batch.id,
            "status": batch.status,
            "total": batch.total,
            "done": batch.done,
            "percent": batch.percent,
            "valid_rows": batch.valid_rows,
            "invalid_rows": batch.invalid_rows,
            "imported_files": batch.imported_files,
            "error": batch.error,
            "running": batch.status in ("checking", "importing"),
        }
    )


@bp.route("/<int:import_id>/check", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def check(import_id: int):
    batch = _load(import_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    mapping = {f: request.form.get(f"map_{f}", "") for f in services.FIELDS}

    def check_rows() -> str:
        services.set_mapping(
            batch, mapping, request.form.get("target_status", ""), acting_user=current_user
        )
        if jobs.in_background(batch):  # the commit hands the job to the engine
            jobs.start(batch, jobs.CHECK_KIND, acting_user=current_user)
            return _("The check is running; this page shows its progress.")
        services.check(batch, acting_user=current_user)
        return _(
            "Checked: %(valid)d rows can be imported, %(invalid)d have problems. Nothing is imported yet.",
            valid=batch.valid_rows,
            invalid=batch.invalid_rows,
        )

    def refused(err: DomainError) -> None:
        flash(err.message, "danger")
        for message in err.fields.values():
            flash(message, "danger")

    perform(check_rows, refused=refused, done=lambda message: message, tone="info")
    return redirect(url_for("imports.show", import_id=import_id))


@bp.route("/<int:import_id>/confirm", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def confirm(import_id: int):
    batch = _load(import_id)
    if not EmptyForm().validate_on_submit():
        abort(400)

    def import_rows() -> bool:
        """True when the import runs in the background (the commit hands it to the engine)."""
        if jobs.in_background(batch):
            services.check_confirm(batch, acting_user=current_user)
            jobs.start(batch, jobs.CONFIRM_KIND, acting_user=current_user)
            return True
        services.confirm(batch, acting_user=current_user)
        return False

    outcome = perform(import_rows)
    if outcome.ok and outcome.value:
        flash(_("The import is running; this page shows its progress."), "info")
    elif outcome.ok:
        flash(
            _("%(n)d files imported; rows with problems were skipped.", n=batch.imported_files),
            "success",
        )
    return redirect(url_for("imports.show", import_id=import_id))


@bp.route("/<int:import_id>/report.csv")
@login_required
@roles_required(Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR)
def report(import_id: int):
    batch = _load(import_id)
    return send_file(
        BytesIO(services.report_csv(batch)),
        mimetype="text/csv",
        as_attachment=True,
        download_name=f"ledger-import-{batch.id}-report.csv",
    )
