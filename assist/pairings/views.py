"""Pairing pages: the register, a pair with its plan and contacts, opening and ending pairs."""

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from sqlalchemy import func, select

from assist.applicants.models import Applicant
from assist.auth.models import Role, User
from assist.campaigns import forms, labels
from assist.core.errors import DomainError
from assist.core.forms import perform
from assist.core.nav import register_nav
from assist.core.scoping import get_scoped_or_404, roles_required
from assist.core.timeutil import local_today
from assist.extensions import db
from assist.pairings import queries, services
from assist.pairings.models import ContactMode, HelperKind, Pair

bp = Blueprint("pairings", __name__, url_prefix="/pairings")

READERS = (Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN)
WORKERS = (Role.CASEWORKER, Role.SUPERVISOR)

register_nav(_l("Pairing register"), "pairings.index", roles=READERS, order=42, group="outreach")


def _count(stmt) -> int:
    return int(db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())))


@bp.route("/")
@login_required
@roles_required(*READERS)
def index():
    today = local_today()
    view = request.args.get("view", "overdue")
    stmts = {
        "overdue": queries.overdue_pairs(current_user, today),
        "active": queries.active_pairs(current_user).order_by(Pair.next_due_on, Pair.id),
        "escalated": queries.escalated_pairs(current_user),
        "unpaired": queries.files_without_helper(current_user),
    }
    if view not in stmts:
        view = "overdue"
    counts = {key: _count(stmt) for key, stmt in stmts.items()}
    migrants = _count(
        queries.active_pairs(current_user)
        .join(Applicant, Applicant.id == Pair.applicant_id)
        .where(Applicant.is_migrant_worker.is_(True))
    )
    rows = db.session.scalars(stmts[view].limit(200)).all()
    return render_template(
        "pairings/index.html", view=view, rows=rows, counts=counts, migrants=migrants, today=today
    )


@bp.route("/new/<int:applicant_id>", methods=["GET", "POST"])
@login_required
@roles_required(*WORKERS)
def new(applicant_id: int):
    applicant = get_scoped_or_404(Applicant, applicant_id, current_user)
    errors: dict = {}
    if request.method == "POST":
        helper_user = None
        username = forms.text(request.form, "helper_username", 64)
        if username:
            helper_user = db.session.scalars(select(User).where(User.username == username)).first()
        outcome = perform(
            lambda: services.open_pair(
                applicant,
                acting_user=current_user,
                data=services.PairInput(
                    helper_kind=forms.text(request.form, "helper_kind", 20),
                    helper_name=forms.text(request.form, "helper_name", 80),
                    helper_title=forms.text(request.form, "helper_title", 80),
                    helper_user=helper_user,
                    started_on=forms.day(request.form, "started_on", required=False),
                    cadence_days=forms.integer(
                        request.form, "cadence_days", required=False, maximum=366
                    ),
                    plan_cause=forms.text(request.form, "plan_cause"),
                    plan_need=forms.text(request.form, "plan_need"),
                    plan_measures=forms.text(request.form, "plan_measures"),
                    plan_goal=forms.text(request.form, "plan_goal"),
                ),
            ),
            refused=lambda err: None,  # the page lists the errors beside its fields
            done=_("The household has been paired."),
        )
        if outcome.ok:
            return redirect(url_for("pairings.detail", pair_id=outcome.value.id))
        errors = outcome.error.fields or {"": outcome.error.message}
    return render_template(
        "pairings/new.html",
        applicant=applicant,
        errors=errors,
        form=request.form,
        kinds=HelperKind,
        cadence=services.cadence_default(),
    ), 422 if errors else 200


def _load(pair_id: int) -> Pair:
    pair = db.session.get(Pair, pair_id)
    if pair is None or not (
        pair.centre.is_within(current_user.centre)
        or (pair.escalated_to is not None and pair.escalated_to.is_within(current_user.centre))
    ):
        abort(404)
    return pair


@bp.route("/<int:pair_id>")
@login_required
@roles_required(*READERS)
def detail(pair_id: int):
    pair = _load(pair_id)
    can_contact = True
    try:
        services.check_contact(pair, current_user)
    except DomainError:
        can_contact = False
    return render_template(
        "pairings/detail.html",
        pair=pair,
        can_contact=can_contact,
        modes=ContactMode,
        today=local_today(),
        overdue=pair.is_active and pair.next_due_on < local_today(),
    )


@bp.route("/<int:pair_id>/<any(contact, cadence, end):action>", methods=["POST"])
@login_required
@roles_required(*WORKERS)
def act(pair_id: int, action: str):
    pair = _load(pair_id)

    def act_on_pair() -> None:
        if action == "contact":
            services.log_contact(
                pair,
                acting_user=current_user,
                contacted_on=forms.day(request.form, "contacted_on"),
                mode=forms.text(request.form, "mode", 10),
                done=forms.text(request.form, "done"),
                next_due_on=forms.day(request.form, "next_due_on", required=False),
            )
        elif action == "cadence":
            services.set_cadence(
                pair,
                acting_user=current_user,
                cadence_days=forms.integer(request.form, "cadence_days", maximum=366),
            )
        else:
            services.end_pair(
                pair, acting_user=current_user, result=forms.text(request.form, "result")
            )

    perform(act_on_pair, done=_("Saved."))
    return redirect(url_for("pairings.detail", pair_id=pair.id))


@bp.app_context_processor
def _labels():
    return {"pairing_labels": labels}
