"""民政核对 and 代发 pages: requests and results, contradictions, bank files and reconciliation."""

from io import BytesIO

from flask import (
    Blueprint,
    abort,
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
from markupsafe import Markup
from sqlalchemy import select

from assist.applicants.models import Category
from assist.applicants.services import SENSITIVE_ROLES
from assist.auth.forms import EmptyForm
from assist.auth.models import Role
from assist.core.forms import audited, perform
from assist.core.nav import Card, register_card, register_nav
from assist.core.panels import register_panel
from assist.core.scoping import get_scoped_or_404, roles_required, scoped
from assist.exchange import bank, civil
from assist.exchange.models import VerificationRequest, VerificationResult
from assist.extensions import db
from assist.funds.models import PaymentBatch

bp = Blueprint("exchange", __name__, url_prefix="/exchange")
register_nav(
    _l("Civil-affairs checks"),
    "exchange.verifications",
    roles=SENSITIVE_ROLES,
    order=76,
    group="figures",
)
register_nav(
    _l("Bank files"),
    "exchange.bank_index",
    roles=(Role.FINANCE, Role.AUDITOR),
    order=77,
    group="figures",
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _back(endpoint="exchange.verifications", **kwargs):
    return redirect(url_for(endpoint, **kwargs))


@bp.route("/verifications", methods=["GET", "POST"])
@login_required
@roles_required(*SENSITIVE_ROLES)
def verifications():
    form = EmptyForm()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        ids = request.form.get("file_ids", "").replace("，", ",").split(",")
        outcome = perform(
            lambda: civil.create_request(
                current_user,
                by=request.form.get("by", ""),
                value=request.form.get("category", ""),
                file_ids=[i.strip() for i in ids],
            ),
            done=lambda req: _(
                "A request for %(n)d households was made; download its file.", n=req.total
            ),
        )
        if not outcome.ok:
            return _back()
        return _back("exchange.verification", request_id=outcome.value.id)
    requests_ = db.session.scalars(
        scoped(select(VerificationRequest), current_user, VerificationRequest.centre_id)
        .order_by(VerificationRequest.id.desc())
        .limit(50)
    ).all()
    contradictions = db.session.scalars(civil.contradictions_stmt(current_user).limit(200)).all()
    return render_template(
        "exchange/verifications.html",
        requests=requests_,
        contradictions=contradictions,
        categories=[c for c in Category if c != Category.NOT_ELIGIBLE],
        form=form,
    )


@bp.route("/verifications/<int:request_id>")
@login_required
@roles_required(*SENSITIVE_ROLES)
def verification(request_id: int):
    req = get_scoped_or_404(VerificationRequest, request_id, current_user)
    return render_template("exchange/verification.html", req=req, form=EmptyForm())


@bp.route("/verifications/<int:request_id>/request.xlsx")
@login_required
@roles_required(*SENSITIVE_ROLES)
def request_file(request_id: int):
    req = get_scoped_or_404(VerificationRequest, request_id, current_user)
    return audited(
        lambda: civil.request_workbook(req, acting_user=current_user),
        lambda data: send_file(
            BytesIO(data),
            mimetype=XLSX,
            as_attachment=True,
            download_name=f"民政核对申请-{req.id}.xlsx",
        ),
    )


@bp.route("/verifications/<int:request_id>/sent", methods=["POST"])
@login_required
@roles_required(*SENSITIVE_ROLES)
def mark_sent(request_id: int):
    req = get_scoped_or_404(VerificationRequest, request_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    perform(
        lambda: civil.mark_sent(req, acting_user=current_user),
        done=_("Recorded as sent to civil affairs."),
    )
    return _back("exchange.verification", request_id=req.id)


@bp.route("/verifications/results", methods=["POST"])
@login_required
@roles_required(*SENSITIVE_ROLES)
def results():
    if not EmptyForm().validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose civil affairs' result file."), "danger")
        return _back()
    outcome = perform(
        lambda: civil.import_results(upload.filename, upload.read(), acting_user=current_user),
        done=lambda result: _(
            "%(n)d results recorded, %(c)d contradict their file's category.",
            n=len(result[0]),
            c=sum(bool(r.contradiction) for r in result[0]),
        ),
    )
    if not outcome.ok:
        return _back()
    for problem in outcome.value[1][:20]:
        flash(problem, "warning")
    return _back()


@bp.route("/verifications/results/<int:result_id>/reviewed", methods=["POST"])
@login_required
@roles_required(Role.SUPERVISOR)
def reviewed(result_id: int):
    from assist.applicants.models import Applicant

    result = db.session.get(VerificationResult, result_id)
    if result is None:
        abort(404)
    get_scoped_or_404(Applicant, result.applicant_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    perform(lambda: civil.mark_reviewed(result, acting_user=current_user))
    return _back()


# --- bank -----------------------------------------------------------------------------------


@bp.route("/bank")
@login_required
@roles_required(Role.FINANCE, Role.AUDITOR)
def bank_index():
    return render_template(
        "exchange/bank.html", rows=bank.reconciliation(current_user), form=EmptyForm()
    )


@bp.route("/bank/<int:batch_id>/file.<fmt>")
@login_required
@roles_required(Role.FINANCE)
def bank_file(batch_id: int, fmt: str):
    if fmt not in ("xlsx", "csv"):
        abort(404)
    batch = get_scoped_or_404(PaymentBatch, batch_id, current_user)
    outcome = perform(lambda: bank.bank_file(batch, fmt, acting_user=current_user))
    if not outcome.ok:
        return _back("exchange.bank_index")
    response = send_file(
        BytesIO(outcome.value),
        mimetype=XLSX if fmt == "xlsx" else "text/csv",
        as_attachment=True,
        download_name=f"代发清单-{batch.batch_no}.{fmt}",
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/bank/<int:batch_id>/return", methods=["POST"])
@login_required
@roles_required(Role.FINANCE)
def bank_return(batch_id: int):
    batch = get_scoped_or_404(PaymentBatch, batch_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        flash(_("Choose the bank's return file."), "danger")
        return _back("exchange.bank_index")
    outcome = perform(
        lambda: bank.import_return(batch, upload.filename, upload.read(), acting_user=current_user),
        done=lambda counts: _(
            "%(ok)d payments confirmed by the bank, %(failed)d failed and reversed.",
            ok=counts["confirmed"],
            failed=counts["failed"],
        ),
    )
    if not outcome.ok:
        for problem in outcome.error.extra.get("problems", [])[:20]:
            flash(problem, "warning")
    return _back("exchange.bank_index")


# --- the file page and the supervisors' cards -------------------------------------------------


def _file_panel(applicant, user):
    if not user.has_role(Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR):
        return None
    result = civil.latest_result(applicant)
    if result is None:
        return None
    html = render_template("exchange/_file_result.html", result=result)
    return Markup(html)  # noqa: S704 - an autoescaped template's output


def _contradiction_cards(user) -> list[Card]:
    if not user.has_role(Role.SUPERVISOR):
        return []
    stmt = civil.contradictions_stmt(user).limit(1000)
    n = len(db.session.scalars(stmt.with_only_columns(VerificationResult.id)).all())
    if not n:
        return []
    return [
        Card(
            _("Civil-affairs results contradicting a file"),
            str(n),
            url_for("exchange.verifications") + "#contradictions",
            tone="warning",
        )
    ]


register_panel("applicant", _file_panel)
register_card(_contradiction_cards, order=30)
