"""Language and time-zone selection for Flask-Babel."""

from collections.abc import Iterator
from contextlib import contextmanager

from flask import current_app, has_request_context, request, session
from flask.globals import _cv_app
from flask_babel import Domain, force_locale
from flask_babel.speaklater import LazyString
from flask_login import current_user
from markupsafe import Markup, escape


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


class FastDomain(Domain):
    """Flask-Babel's message domain with the request's catalogue kept at hand.

    Flask-Babel finds the catalogue anew for every message: three lookups of its context on
    `g`, the locale turned into a string and a dictionary lookup. A list page translates a few
    hundred messages (headings, labels, every row's state and category), and that lookup was
    the largest single cost of rendering one. Here the catalogue found for a context is kept on
    that context beside the locale object it was found for: `force_locale` and `refresh` put
    a different locale object there (or none), so the catalogue is found again, exactly as
    Flask-Babel would find it.
    """

    def get_translations(self):
        app_ctx = _cv_app.get(None)
        if app_ctx is not None:
            ns = app_ctx.g.__dict__.get("_flask_babel")
            if ns is not None:
                kept = ns.__dict__.get("assist_translations")
                if kept is not None and kept[0] is ns.__dict__.get("babel_locale"):
                    return kept[1]
                translations = super().get_translations()
                ns.assist_translations = (ns.__dict__.get("babel_locale"), translations)
                return translations
        return super().get_translations()


def _lazy_html(self) -> Markup:
    return escape(str(self))


def init_fast_translations(app) -> None:
    """Use `FastDomain` for the app's messages, in Python code and in templates.

    Lazy messages also answer `__html__` (their text, escaped): escaping one — every
    `{{ label }}` of a template — asked for that attribute through the lazy string, which
    translated the message just to find it missing, and then translated it again for its text.
    """
    LazyString.__html__ = _lazy_html
    config = app.extensions["babel"]
    # Flask-Babel caches its domain on the Babel object, which every app of the process shares.
    domain = config.instance.__dict__.get("domain_instance")
    if not isinstance(domain, FastDomain):
        domain = FastDomain(domain=config.default_domain)
        config.instance.__dict__["domain_instance"] = domain
    app.jinja_env.install_gettext_callables(
        gettext=lambda s: domain.get_translations().ugettext(s),
        ngettext=lambda s, p, n: domain.get_translations().ungettext(s, p, n),
        newstyle=True,
        pgettext=lambda c, s: domain.get_translations().upgettext(c, s),
        npgettext=lambda c, s, p, n: domain.get_translations().unpgettext(c, s, p, n),
    )
