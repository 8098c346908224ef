"""Request hooks shared by every page: sign-in, freshness, headers, errors and filters."""

import logging
import time
from functools import cache

from flask import (
    Flask,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_datetime, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload
from werkzeug.routing import IntegerConverter

from assist.core.errors import DomainError, NotFound, ValidationError
from assist.core.forms import field_aria, form_errors
from assist.core.inputs import MAX_ID, text_problem
from assist.core.masking import mask_id, mask_last4, mask_name
from assist.core.money import fen_to_capitals, format_yuan
from assist.core.timeutil import to_local
from assist.extensions import db, login_manager

log = logging.getLogger(__name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)

#: Endpoints a user who must change their password may still reach.
_PASSWORD_CHANGE_ALLOWED = {
    "auth.change_password",
    "auth.logout",
    "static",
    "home.healthz",
    "home.readyz",
    "home.set_language",
}


@cache
def _user_by_id():
    """The signed-in user's statement, built once per process: SQLAlchemy then reuses its
    cache key and compiled form instead of building and hashing a new one on every request."""
    from assist.auth.models import User

    return select(User).options(joinedload(User.role_rows)).where(User.id == bindparam("user_id"))


def init_web(app: Flask) -> None:
    login_manager.login_view = "auth.login"
    login_manager.refresh_view = "auth.reauthenticate"
    login_manager.login_message = _l("Please sign in to continue.")
    login_manager.needs_refresh_message = _l("Please confirm your password to continue.")
    login_manager.login_message_category = "info"
    login_manager.needs_refresh_message_category = "info"
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(token: str):
        try:
            user_id, version = (int(part) for part in token.split(":", 1))
        except ValueError:
            return None
        # One statement on every signed-in request: the user with centre and roles joined,
        # built once (`_user_by_id`): only the id changes from one request to the next.
        user = db.session.scalars(_user_by_id(), {"user_id": user_id}).unique().first()
        if user is None or user.session_version != version or not user.is_active_account:
            return None
        return user

    @app.before_request
    def _session_hooks():
        if request.blueprint == "api" or request.endpoint == "static":
            return None
        session.permanent = True
        if not current_user.is_authenticated:
            return None
        login_at = session.get("login_at", 0)
        if time.time() - login_at > app.config["FRESH_LOGIN_MINUTES"] * 60:
            session["_fresh"] = False
        if current_user.must_change_password and request.endpoint not in _PASSWORD_CHANGE_ALLOWED:
            flash(_("Set your own password before you continue."), "warning")
            return redirect(url_for("auth.change_password"))
        return None

    @app.before_request
    def _refuse_broken_query_text():
        """No page reads a query string holding a control or broken character (PostgreSQL
        refuses NUL in a query): one refusal, naming the parameter, before any view runs."""
        if _wants_json():
            return  # the API's input layer answers for its own parameters
        for name, values in request.args.lists():
            problem = next(filter(None, map(text_problem, [name, *values])), None)
            if problem is not None:
                message = _(
                    "The address parameter %(name)s %(problem)s.", name=name, problem=problem
                )
                raise ValidationError(message, fields={name: problem})

    @app.after_request
    def _security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static":
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.teardown_request
    def _rollback_on_error(exc):
        if exc is not None:
            db.session.rollback()

    _register_errors(app)
    _register_template_helpers(app)


def digits_up_to(limit: int) -> str:
    """A regular expression for the unsigned decimal numbers from 0 to `limit`."""
    text = str(limit)
    parts = [rf"\d{{1,{len(text) - 1}}}"] if len(text) > 1 else []
    for i, digit in enumerate(text):
        if digit != "0":
            rest = len(text) - i - 1
            parts.append(f"{text[:i]}[0-{int(digit) - 1}]" + (rf"\d{{{rest}}}" if rest else ""))
    parts.append(text)
    return "(?:" + "|".join(parts) + ")"


class IdConverter(IntegerConverter):
    """`<int:…>` in URLs: an id beyond what a primary key holds (`inputs.MAX_ID`) matches no
    route (404) instead of overflowing in the query (PostgreSQL `integer` ids stop at 2³¹−1).

    The bound is in the pattern, not only in `max`: Werkzeug checks `max` after choosing a
    rule, so a larger id sent with another method than the route's GET would answer 405.
    """

    regex = digits_up_to(MAX_ID)

    def __init__(self, url_map, fixed_digits=0, min=None, max=MAX_ID, signed=False):  # noqa: A002
        super().__init__(url_map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def _wants_json() -> bool:
    return request.blueprint == "api" or request.path.startswith("/api/")


def api_error(status: int, code: str, message: str, fields: dict | None = None, **extra):
    body = {"error": {"code": code, "message": message, "fields": fields or {}}}
    body["error"].update(extra)
    return jsonify(body), status


def _register_errors(app: Flask) -> None:
    messages = {
        400: (_l("Bad request"), _l("The request could not be understood.")),
        401: (_l("Sign-in required"), _l("Please sign in to continue.")),
        403: (_l("Not allowed"), _l("Your role does not allow this.")),
        404: (_l("Not found"), _l("There is no such page or record.")),
        405: (_l("Not allowed"), _l("This method is not allowed here.")),
        413: (_l("Too large"), _l("The upload is larger than allowed.")),
        500: (_l("Something went wrong"), _l("The error has been logged. Please try again.")),
    }
    codes = {
        400: "bad_request",
        401: "unauthorized",
        403: "forbidden",
        404: "not_found",
        405: "method_not_allowed",
        413: "too_large",
        500: "server_error",
    }

    def handle(err):
        status = getattr(err, "code", 500) or 500
        if status not in messages:
            status = 500
        if status == 500:
            db.session.rollback()
            log.exception("unhandled error on %s", request.path)
        title, text = messages[status]
        if _wants_json():
            body, status = api_error(status, codes[status], str(text))
            if status == 405 and getattr(err, "valid_methods", None):
                body.headers["Allow"] = ", ".join(err.valid_methods)
            return body, status
        if status == 401:
            return login_manager.unauthorized()
        return render_template("errors/error.html", status=status, title=title, text=text), status

    for status in messages:
        app.register_error_handler(status, handle)
    app.register_error_handler(Exception, _unexpected(handle))

    @app.errorhandler(CSRFError)
    def _csrf(err):
        if _wants_json():
            return api_error(400, "csrf", _("The form expired. Please try again."))
        flash(_("The form expired or was sent twice. Please try again."), "danger")
        return render_template(
            "errors/error.html",
            status=400,
            title=_("Form expired"),
            text=_("The form expired or was sent twice. Please try again."),
        ), 400

    @app.errorhandler(RateLimitExceeded)
    def _throttled(err):
        g.throttled = True
        text = _(
            "Too many failed sign-in attempts. Wait 15 minutes and try again, "
            "or ask an administrator to reset your password."
        )
        if _wants_json():
            return api_error(429, "throttled", text)
        return render_template("auth/login.html", form=_login_form(), throttled=text), 429

    @app.errorhandler(DomainError)
    def _domain(err: DomainError):
        if _wants_json():
            return api_error(err.status, err.code, err.message, err.fields, **err.extra)
        title = messages[404][0] if isinstance(err, NotFound) else _("Not possible")
        return render_template(
            "errors/error.html", status=err.status, title=title, text=err.message
        ), err.status


def _login_form():
    from assist.auth.forms import LoginForm

    return LoginForm()


def _unexpected(handle):
    def wrapped(err):
        from werkzeug.exceptions import HTTPException

        if isinstance(err, HTTPException):
            return err
        return handle(err)

    return wrapped


def _register_template_helpers(app: Flask) -> None:
    app.jinja_env.filters["yuan"] = format_yuan
    app.jinja_env.filters["capitals"] = fen_to_capitals
    app.jinja_env.filters["mask_id"] = mask_id
    app.jinja_env.filters["mask_name"] = mask_name
    app.jinja_env.filters["mask_last4"] = mask_last4
    app.jinja_env.filters["local_dt"] = lambda v, fmt="yyyy-MM-dd HH:mm": (
        format_datetime(v, fmt) if v else ""
    )
    app.jinja_env.filters["to_local"] = to_local
    from assist.core.panels import record_panels

    app.jinja_env.globals["record_panels"] = record_panels
    app.jinja_env.globals["form_errors"] = form_errors
    app.jinja_env.globals["field_aria"] = field_aria
    app.jinja_env.globals["next_dom_id"] = next_dom_id
    from assist.core import badges

    badges.init_app(app)

    @app.context_processor
    def _globals():
        from assist.auth.forms import ROLE_LABELS
        from assist.auth.models import Role
        from assist.core.nav import nav_items

        return {
            "get_locale": get_locale,
            "languages": app.config["LANGUAGES"],
            "nav_items": nav_items,
            "role_label": lambda role: ROLE_LABELS[Role(role)],
        }


def next_dom_id(prefix: str = "d") -> str:
    """An id unique within the page being rendered (a status badge's description, …)."""
    from flask import g

    g._dom_ids = getattr(g, "_dom_ids", 0) + 1
    return f"{prefix}-{g._dom_ids}"
