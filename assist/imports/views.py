"""台账导入 pages: upload, map the columns, check (dry run), confirm, download the report."""

import logging
import threading
from io import BytesIO

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
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
from assist.auth.models import Role, User
from assist.core.errors import DomainError
from assist.core.nav import register_nav
from assist.core.scoping import get_scoped_or_404, roles_required, scoped
from assist.extensions import db
from assist.imports import services
from assist.imports.models import LedgerImport, LedgerImportRow

log = logging.getLogger(__name__)
bp = Blueprint("imports", __name__, url_prefix="/imports")
register_nav(
    _l("Ledger import"), "imports.index", roles=(Role.CASEWORKER,), order=74, group="figures"
)

#: Files with more rows are checked in a background thread with a progress bar.
INLINE_ROWS = 2_000


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
            flash(_("Choose a ledger file (.xlsx or .csv)."), "danger")
            return redirect(url_for("imports.index"))
        try:
            batch = services.upload(upload.filename, upload.read(), acting_user=current_user)
        except DomainError as err:
            db.session.rollback()
            flash(err.message, "danger")
            return redirect(url_for("imports.index"))
        db.session.commit()
        return redirect(url_for("imports.show", import_id=batch.id))
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


def _run_check_in_background(app, import_id: int, user_id: int) -> None:
    def run():
        with app.app_context():
            batch = db.session.get(LedgerImport, import_id)
            user = db.session.get(User, user_id)
            try:
                services.check(batch, acting_user=user, progress=lambda b: db.session.commit())
                db.session.commit()
            except Exception as exc:  # noqa: BLE001 - recorded on the import for its page
                log.exception("ledger import %s check failed", import_id)
                db.session.rollback()
                batch = db.session.get(LedgerImport, import_id)
                batch.status, batch.error = "uploaded", str(exc)[:500]
                db.session.commit()

    threading.Thread(target=run, daemon=True, name=f"assist-import-{import_id}").start()


@bp.route("/<int:import_id>/check", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def check(import_id: int):
    batch = _load(import_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    mapping = {f: request.form.get(f"map_{f}", "") for f in services.FIELDS}
    try:
        services.set_mapping(
            batch, mapping, request.form.get("target_status", ""), acting_user=current_user
        )
        if batch.total > INLINE_ROWS and not current_app.testing:
            batch.status, batch.done = "checking", 0
            db.session.commit()
            _run_check_in_background(current_app._get_current_object(), batch.id, current_user.id)
            flash(_("The check is running; this page shows its progress."), "info")
            return redirect(url_for("imports.show", import_id=batch.id))
        services.check(batch, acting_user=current_user)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "danger")
        for message in err.fields.values():
            flash(message, "danger")
        return redirect(url_for("imports.show", import_id=import_id))
    db.session.commit()
    flash(
        _(
            "Checked: %(valid)d rows can be imported, %(invalid)d have problems. Nothing is imported yet.",
            valid=batch.valid_rows,
            invalid=batch.invalid_rows,
        ),
        "info",
    )
    return redirect(url_for("imports.show", import_id=batch.id))


@bp.route("/<int:import_id>/confirm", methods=["POST"])
@login_required
@roles_required(Role.CASEWORKER)
def confirm(import_id: int):
    batch = _load(import_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    try:
        services.confirm(batch, acting_user=current_user)
    except DomainError as err:
        db.session.rollback()
        flash(err.message, "danger")
        return redirect(url_for("imports.show", import_id=import_id))
    db.session.commit()
    flash(
        _("%(n)d files imported; rows with problems were skipped.", n=batch.imported_files),
        "success",
    )
    return redirect(url_for("imports.show", import_id=batch.id))


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
