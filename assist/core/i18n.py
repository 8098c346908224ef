"""Language and time-zone selection for Flask-Babel."""

from flask import current_app, has_request_context, request, session
from flask_login import current_user


def select_locale() -> str:
    """Use the signed-in user's language, else the session's choice, else Simplified Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands, demo seeding, services called from tests
        return current_app.config["BABEL_DEFAULT_LOCALE"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("locale")
    if chosen in languages:
        return chosen
    if request and request.args.get("lang") in languages:
        return request.args["lang"]
    return current_app.config["BABEL_DEFAULT_LOCALE"]


def select_timezone() -> str:
    return current_app.config["BABEL_DEFAULT_TIMEZONE"]
