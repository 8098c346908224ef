"""Language and time-zone selection for Flask-Babel."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_request_context, request, session
from flask_babel import force_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user


def select_locale() -> str:
    """Use the signed-in user's language, else the session's choice, else Simplified Chinese."""
    languages = current_app.config["LANGUAGES"]
    if not has_request_context():  # CLI commands (seed-demo) translate in the default language
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


@contextmanager
def record_language() -> Iterator[None]:
    """Translate in the records' language (the default, Simplified Chinese) meanwhile.

    Text the system writes into a record itself (a timeline note such as "公示 5 天。") is
    part of the record and is printed on Chinese documents, so it must not depend on the
    UI language of whoever happened to act. Text a user types is stored as typed.
    """
    with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
        yield


def record_text(message) -> str:
    """A lazy message (``_l("Public notice for %(n)d days.", n=5)``) in the records' language;
    anything else (a str a user typed) comes back unchanged."""
    if not isinstance(message, LazyString):
        return message
    with record_language():
        return str(message)
