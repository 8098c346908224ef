"""Administrators' pages for the centre network."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, fresh_login_required, login_required

from assist.auth.forms import EmptyForm
from assist.auth.models import Role
from assist.centres import services
from assist.centres.forms import CentreEditForm, CentreForm, MoveForm
from assist.centres.models import Centre, Tier
from assist.centres.scoping import get_scoped_or_404, roles_required, scoped_centres
from assist.core.forms import int_arg, perform
from assist.core.money import format_yuan
from assist.core.nav import register_nav
from assist.extensions import db

bp = Blueprint("centres", __name__, url_prefix="/admin/centres")

register_nav(_l("Centres"), "centres.index", roles=(Role.ADMIN,), order=70, group="admin")

TIER_LABELS = {
    Tier.CITY: _l("City centre"),
    Tier.DISTRICT: _l("District / county centre"),
    Tier.STATION: _l("Street / town / enterprise station"),
}


def _visible_centres() -> list[Centre]:
    return list(db.session.scalars(scoped_centres(current_user)))


def _get(centre_id: int) -> Centre:
    return get_scoped_or_404(Centre, centre_id, current_user, Centre.id)


@bp.route("/")
@login_required
@roles_required(Role.ADMIN)
def index():
    return render_template(
        "centres/index.html", centres=_visible_centres(), tier_labels=TIER_LABELS
    )


@bp.route("/new", methods=["GET", "POST"])
@fresh_login_required
@roles_required(Role.ADMIN)
def create():
    form = CentreForm()
    parents = [c for c in _visible_centres() if c.tier < Tier.STATION and c.is_active]
    form.parent.choices = [(c.id, f"{c.code} {c.name}") for c in parents]
    if request.method == "GET" and request.args.get("parent"):
        form.parent.data = int_arg(request.args, "parent")
    if form.validate_on_submit():
        parent = _get(form.parent.data)
        outcome = perform(
            lambda: services.create_centre(
                acting_user=current_user,
                code=form.code.data,
                name=form.name.data,
                parent=parent,
                address=form.address.data or "",
                phone=form.phone.data or "",
                approval_limit_fen=form.approval_limit.fen,
            ),
            form=form,
            done=lambda centre: _("Centre %(code)s has been added.", code=centre.code),
        )
        if outcome.ok:
            return redirect(url_for("centres.index"))
    return render_template("centres/new.html", form=form)


@bp.route("/<int:centre_id>", methods=["GET", "POST"])
@fresh_login_required
@roles_required(Role.ADMIN)
def edit(centre_id: int):
    centre = _get(centre_id)
    form = CentreEditForm(obj=centre if request.method == "GET" else None)
    if request.method == "GET":
        form.approval_limit.data = format_yuan(centre.approval_limit_fen).replace(",", "")
    move_form = MoveForm()
    if centre.parent is not None:
        move_form.parent.choices = [
            (c.id, f"{c.code} {c.name}")
            for c in _visible_centres()
            if c.tier == centre.tier - 1 and c.is_active
        ]
        move_form.parent.data = centre.parent_id
    if form.validate_on_submit():
        outcome = perform(
            lambda: services.update_centre(
                centre,
                acting_user=current_user,
                name=form.name.data,
                address=form.address.data or "",
                phone=form.phone.data or "",
                approval_limit_fen=form.approval_limit.fen,
                notice_days=form.notice_days.data,
            ),
            form=form,
            done=_("The centre has been saved."),
        )
        if outcome.ok:
            return redirect(url_for("centres.edit", centre_id=centre.id))
    return render_template(
        "centres/edit.html",
        centre=centre,
        form=form,
        move_form=move_form,
        action_form=EmptyForm(),
        tier_labels=TIER_LABELS,
    )


@bp.route("/<int:centre_id>/move", methods=["POST"])
@fresh_login_required
@roles_required(Role.ADMIN)
def move(centre_id: int):
    centre = _get(centre_id)
    form = MoveForm()
    form.parent.choices = [(c.id, c.code) for c in _visible_centres()]
    if not form.validate_on_submit():
        flash(_("Choose the new parent centre."), "danger")
        return redirect(url_for("centres.edit", centre_id=centre.id))
    perform(
        lambda: services.move_centre(
            centre, acting_user=current_user, new_parent=_get(form.parent.data)
        ),
        done=_("The centre has been moved."),
    )
    return redirect(url_for("centres.edit", centre_id=centre.id))


@bp.route("/<int:centre_id>/active", methods=["POST"])
@fresh_login_required
@roles_required(Role.ADMIN)
def set_active(centre_id: int):
    centre = _get(centre_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    perform(
        lambda: services.set_centre_active(centre, acting_user=current_user, active=active),
        done=_("The centre has been reactivated.")
        if active
        else _("The centre has been deactivated."),
    )
    return redirect(url_for("centres.edit", centre_id=centre.id))


@bp.route("/<int:centre_id>/delete", methods=["POST"])
@fresh_login_required
@roles_required(Role.ADMIN)
def delete(centre_id: int):
    centre = _get(centre_id)
    if not EmptyForm().validate_on_submit():
        abort(400)
    outcome = perform(
        lambda: services.delete_centre(centre, acting_user=current_user),
        done=_("The centre has been deleted."),
    )
    if not outcome.ok:
        return redirect(url_for("centres.edit", centre_id=centre.id))
    return redirect(url_for("centres.index"))
