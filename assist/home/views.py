"""The landing page, the language switch and the health check."""

from datetime import datetime, time

from flask import (
    Blueprint,
    abort,
    current_app,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import func, select, text

from assist.audit.models import AuditEntry
from assist.auth import services as auth_services
from assist.auth.forms import EmptyForm
from assist.auth.models import Role, User
from assist.centres.scoping import path_in_scope, scoped, scoped_centres
from assist.core.forms import perform
from assist.core.nav import Card, cards_for, register_card
from assist.core.redirects import safe_next
from assist.core.timeutil import local_to_utc, local_today
from assist.extensions import db

bp = Blueprint("home", __name__)


@bp.route("/")
@login_required
def index():
    return render_template("home/index.html", cards=cards_for(current_user))


@bp.route("/language", methods=["POST"])
def set_language():
    if not EmptyForm().validate_on_submit():
        abort(400)
    locale = request.form.get("locale", "")
    if locale not in current_app.config["LANGUAGES"]:
        abort(400)
    session["locale"] = locale
    if current_user.is_authenticated:
        perform(lambda: auth_services.set_locale(current_user._get_current_object(), locale))
    return redirect(safe_next(request.form.get("next"), url_for("home.index")))


@bp.route("/healthz")
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # noqa: BLE001 - any failure means the database is unreachable
        db.session.rollback()
        return jsonify(status="error", database="unreachable"), 503
    pdf = current_app.extensions.get("pdf_environment")
    if pdf is None:
        return jsonify(status="ok", database="ok")
    return jsonify(status="ok", database="ok", pdf=pdf)


@bp.route("/readyz")
def readyz():
    """Readiness: the database answers at the migrations' head, Redis answers, workers run."""
    from assist.jobs import engine

    checks: dict[str, str] = {}
    try:
        current = db.session.scalar(text("SELECT version_num FROM alembic_version"))
        checks["database"] = "ok"
        checks["migrations"] = "ok" if current == _migrations_head() else f"at {current}"
    except Exception:  # noqa: BLE001 - any failure means the database is not usable
        db.session.rollback()
        checks["database"] = "unreachable"
    app = current_app._get_current_object()
    backend = engine.backend(app)
    checks["jobs"] = backend
    if app.config.get("REDIS_URL"):
        try:
            engine.redis_connection(app).ping()
            checks["redis"] = "ok"
        except Exception:  # noqa: BLE001 - any failure means Redis is unreachable
            checks["redis"] = "unreachable"
    if backend == "rq" and checks.get("redis") == "ok":
        checks["workers"] = "ok" if engine.workers_seen(app) else "none seen"
    ready = all(v in ("ok", backend) for v in checks.values())
    return jsonify(status="ok" if ready else "not ready", **checks), 200 if ready else 503


_HEAD: list[str] = []


def _migrations_head() -> str:
    """The newest migration of this code (read once per process)."""
    if not _HEAD:
        from alembic.config import Config
        from alembic.script import ScriptDirectory

        directory = current_app.extensions["migrate"].directory
        _HEAD.append(
            ScriptDirectory.from_config(_alembic_config(Config, directory)).get_current_head()
        )
    return _HEAD[0]


def _alembic_config(config_class, directory: str):
    config = config_class()
    config.set_main_option("script_location", directory)
    return config


def _admin_cards(user) -> list[Card]:
    if not user.has_role(Role.ADMIN):
        return []
    centres = db.session.scalars(scoped_centres(user)).all()
    users_stmt = scoped(select(func.count(User.id)), user, User.centre_id)
    active_users = db.session.scalar(users_stmt.where(User.is_active_account.is_(True))) or 0
    pending = (
        db.session.scalar(
            users_stmt.where(User.must_change_password.is_(True), User.is_active_account.is_(True))
        )
        or 0
    )
    return [
        Card(
            _("Centres in your network"),
            str(sum(c.is_active for c in centres)),
            url_for("centres.index"),
            note=_("%(n)d inactive", n=sum(not c.is_active for c in centres)),
        ),
        Card(
            _("Active users"),
            str(active_users),
            url_for("users.index"),
            note=_("%(n)d have not yet set their own password", n=pending),
            tone="warning" if pending else "primary",
        ),
    ]


def _audit_cards(user) -> list[Card]:
    if not user.has_role(Role.ADMIN, Role.AUDITOR):
        return []
    # "Today" is the day in Asia/Shanghai, as everywhere the union's staff read dates.
    since = local_to_utc(datetime.combine(local_today(), time.min))
    base = select(func.count(AuditEntry.id)).where(
        path_in_scope(user, AuditEntry.centre_path), AuditEntry.at >= since
    )
    failed = db.session.scalar(base.where(AuditEntry.action == "auth.login_failed")) or 0
    return [
        Card(
            _("Failed sign-ins today"),
            str(failed),
            url_for("audit.index", action="auth.login_failed"),
            tone="danger" if failed else "primary",
        ),
        Card(
            _("Audited actions today"),
            str(db.session.scalar(base) or 0),
            url_for("audit.index"),
        ),
    ]


register_card(_admin_cards, order=90)
register_card(_audit_cards, order=95)
