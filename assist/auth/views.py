"""Sign-in, sign-out, own account, and the administrators' user pages."""

import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import (
    confirm_login,
    current_user,
    fresh_login_required,
    login_required,
    login_user,
    logout_user,
)
from sqlalchemy import func, select

from assist.auth import inbox as _inbox  # noqa: F401  (admins see guessed-at accounts)
from assist.auth import services
from assist.auth.forms import (
    ROLE_LABELS,
    ChangePasswordForm,
    EmptyForm,
    LoginForm,
    ReauthForm,
    UserForm,
)
from assist.auth.models import ApiToken, Role, User, UserRole
from assist.auth.throttle import throttle_address, throttle_pair
from assist.centres.models import Centre
from assist.centres.scoping import (
    get_scoped_or_404,
    not_found,
    roles_required,
    scoped,
    scoped_centres,
)
from assist.core.forms import perform
from assist.core.nav import register_nav
from assist.core.pagination import paginate
from assist.core.redirects import safe_next
from assist.exports.registry import Column, ExportSpec, register_export, requested_format, respond
from assist.extensions import db

bp = Blueprint("auth", __name__)
users_bp = Blueprint("users", __name__, url_prefix="/admin/users")


#: The API's token endpoint (assist/api/core.py) imports the throttles under these names.
throttle_account = throttle_pair


def start_session(user: User) -> None:
    """Begin a fresh signed-in session for `user` (a new session, never a reused one)."""
    session.clear()
    login_user(user, remember=False, fresh=True)
    session["login_at"] = session["signed_in_at"] = time.time()
    session.permanent = True


@bp.before_app_request
def _end_sessions_past_their_lifetime():
    """End a signed-in session SESSION_MAX_HOURS after sign-in, however busy (ASVS 7.3.2)."""
    if request.blueprint == "api" or request.endpoint == "static" or "_user_id" not in session:
        return None
    started = session.get("signed_in_at")
    max_age = current_app.config["SESSION_MAX_HOURS"] * 3600
    if isinstance(started, int | float) and time.time() - started <= max_age:
        return None
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    flash(_("Your session has reached its time limit. Please sign in again."), "info")
    return redirect(url_for("auth.login"))


def _tell_about_failures(user: User) -> None:
    failures = getattr(user, "failures_since_last_sign_in", 0)
    if failures:
        flash(
            _(
                "%(n)d failed sign-in attempts on your account since your last sign-in. "
                "If it was not you, tell your administrator.",
                n=failures,
            ),
            "warning",
        )


@bp.route("/login", methods=["GET", "POST"])
@throttle_pair
@throttle_address
def login():
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        # The attempt is audited (committed) whether or not it succeeded; a delayed one
        # (services.SignInDelayed, its only refusal) is said on the page itself.
        outcome = perform(
            lambda: services.authenticate(form.username.data, form.password.data),
            refused=lambda err: None,
        )
        if not outcome.ok:
            page = render_template("auth/login.html", form=form, throttled=outcome.error.message)
            return page, 429, {"Retry-After": str(outcome.error.seconds)}
        user = outcome.value
        if user is not None:  # the session is rotated after the commit, never before
            locale = session.get("locale")
            start_session(user)
            if locale and locale != user.locale:
                session["locale"] = locale
            _tell_about_failures(user)
            if user.must_change_password:
                return redirect(url_for("auth.change_password"))
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        g.login_failed = True
        flash(_("Wrong username or password."), "danger")
        return render_template("auth/login.html", form=form), 200
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    perform(lambda: services.sign_out(user))
    logout_user()
    session.clear()  # so the message is flashed here, into the new session, not by perform
    session["locale"] = user.locale  # the sign-in page keeps speaking the user's language
    flash(_("You have signed out."), "success")
    return redirect(url_for("auth.login"))


@bp.route("/reauthenticate", methods=["GET", "POST"])
@login_required
def reauthenticate():
    form = ReauthForm()
    if form.validate_on_submit():
        outcome = perform(lambda: services.authenticate(current_user.username, form.password.data))
        if not outcome.ok:  # services.SignInDelayed, flashed
            return render_template("auth/reauthenticate.html", form=form), 429
        user = outcome.value
        if user is not None:
            confirm_login()
            session["login_at"] = time.time()
            return redirect(safe_next(request.args.get("next"), url_for("home.index")))
        flash(_("Wrong password."), "danger")
    return render_template("auth/reauthenticate.html", form=form)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        outcome = perform(
            lambda: services.change_password(
                user, current=form.current_password.data, new=form.password.data
            ),
            form=form,
        )
        if outcome.ok:
            start_session(user)  # only this session continues, under a new session version
            flash(_("Your password has been changed."), "success")  # the new session's first
            return redirect(url_for("home.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/account")
@login_required
def account():
    tokens = services.user_tokens(current_user)
    return render_template("auth/account.html", tokens=tokens, form=EmptyForm())


@bp.route("/account/tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke_token(token_id: int):
    form = EmptyForm()
    if not form.validate_on_submit():
        abort(400)
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != current_user.id:
        abort(404)
    perform(
        lambda: services.revoke_token(token, acting_user=current_user),
        done=_("The token has been revoked."),
    )
    return redirect(url_for("auth.account"))


# --- user administration ----------------------------------------------------------------

register_export(
    ExportSpec(
        "users",
        _l("Users"),
        (
            Column(_l("Username"), lambda u: u.username),
            Column(_l("Full name"), lambda u: u.full_name),
            Column(_l("Centre"), lambda u: u.centre.name),
            Column(_l("Roles"), lambda u: "、".join(str(ROLE_LABELS[r]) for r in sorted(u.roles))),
            Column(_l("Account active"), lambda u: _("yes") if u.is_active_account else _("no")),
            Column(_l("Last sign-in"), lambda u: u.last_login_at, "datetime"),
        ),
        endpoint="users.index",
    )
)
register_nav(_l("Users"), "users.index", roles=(Role.ADMIN,), order=80, group="admin")


def _centre_choices() -> list[tuple[int, str]]:
    return [
        (c.id, f"{c.code} {c.name}")
        for c in db.session.scalars(scoped_centres(current_user))
        if c.is_active
    ]


def _scoped_centre(centre_id: int) -> Centre:
    centre = db.session.get(Centre, centre_id)
    if centre is None or not centre.is_within(current_user.centre):
        raise not_found()
    return centre


@users_bp.route("/")
@login_required
@roles_required(Role.ADMIN)
def index():
    q = (request.args.get("q") or "").strip().lower()
    stmt = scoped(select(User), current_user, User.centre_id).join(User.centre)
    if q:
        like = f"%{q}%"
        stmt = stmt.where(func.lower(User.username).like(like) | User.full_name.like(like))
    role = request.args.get("role")
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.id.in_(select(UserRole.user_id).where(UserRole.role == role)))
    order = (Centre.code, User.username, User.id)
    fmt = requested_format()
    if fmt:
        return respond("users", stmt.order_by(*order), fmt)
    page = paginate(stmt, per_page=50, key=order, ascending=True)
    return render_template("users/index.html", page=page, q=q, role=role, roles=list(Role))


@users_bp.route("/new", methods=["GET", "POST"])
@fresh_login_required
@roles_required(Role.ADMIN)
def create():
    form = UserForm()
    form.centre.choices = _centre_choices()
    temporary = None
    if form.validate_on_submit():
        temporary = services.generate_password()
        outcome = perform(
            lambda: services.create_user(
                acting_user=current_user,
                username=form.username.data,
                full_name=form.full_name.data,
                centre=_scoped_centre(form.centre.data),
                roles=form.roles.data,
                password=temporary,
                must_change_password=True,
            ),
            form=form,
        )
        if outcome.ok:
            return render_template(
                "users/password_issued.html", user=outcome.value, password=temporary
            )
    return render_template("users/form.html", form=form, user=None)


@users_bp.route("/<int:user_id>", methods=["GET", "POST"])
@fresh_login_required
@roles_required(Role.ADMIN)
def edit(user_id: int):
    user = get_scoped_or_404(User, user_id, current_user)
    form = UserForm(obj=None if request.method == "POST" else user)
    form.centre.choices = _centre_choices()
    if request.method == "GET":
        form.centre.data = user.centre_id
        form.roles.data = sorted(r.value for r in user.roles)
    del form.username
    if form.validate_on_submit():
        outcome = perform(
            lambda: services.update_user(
                user,
                acting_user=current_user,
                full_name=form.full_name.data,
                centre=_scoped_centre(form.centre.data),
                roles=form.roles.data,
            ),
            form=form,
            done=_("The user has been saved."),
        )
        if outcome.ok:
            return redirect(url_for("users.edit", user_id=user.id))
    return render_template(
        "users/form.html",
        form=form,
        user=user,
        action_form=EmptyForm(),
        tokens=services.user_tokens(user),
    )


@users_bp.route("/<int:user_id>/active", methods=["POST"])
@fresh_login_required
@roles_required(Role.ADMIN)
def set_active(user_id: int):
    user = get_scoped_or_404(User, user_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    perform(
        lambda: services.set_active(user, acting_user=current_user, active=active),
        done=_("The user has been reactivated.")
        if active
        else _("The user has been deactivated and signed out everywhere."),
    )
    return redirect(url_for("users.edit", user_id=user.id))


@users_bp.route("/<int:user_id>/reset-password", methods=["POST"])
@fresh_login_required
@roles_required(Role.ADMIN)
def reset_password(user_id: int):
    user = get_scoped_or_404(User, user_id, current_user)
    if not EmptyForm().validate_on_submit():
        abort(400)
    outcome = perform(lambda: services.reset_password(user, acting_user=current_user))
    if not outcome.ok:
        return redirect(url_for("users.edit", user_id=user.id))
    return render_template("users/password_issued.html", user=user, password=outcome.value)
