"""Assist: hardship-assistance case management for a city federation of trade unions."""

import logging
import os
from datetime import timedelta
from pathlib import Path

from flask import Flask

from config import CONFIGS, INSTANCE_DIR, Config

ROOT = Path(__file__).resolve().parent.parent

log = logging.getLogger(__name__)


def create_app(config: str | type[Config] | None = None, **overrides) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI and error pages."""
    if config is None or isinstance(config, str):
        config = CONFIGS[config or os.environ.get("ASSIST_CONFIG", "development")]
    config.init()

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config)
    app.config.update(overrides)
    app.json.ensure_ascii = False
    app.permanent_session_lifetime = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set")

    from assist.core import database  # noqa: F401  (registers the SQLite engine hooks)
    from assist.core.web import init_web
    from assist.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from assist.core.i18n import select_locale, select_timezone

    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=";".join(_translation_dirs()),
    )

    _import_models()
    from assist.core.web import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    _register_blueprints(app)
    _register_documents()
    init_web(app)
    from assist.exports.registry import init_app as init_exports

    init_exports(app)
    from assist.search.registry import init_app as init_search

    init_search(app)
    _register_cli(app)
    if not app.testing:
        # Say loudly at start-up when PDFs would be slow (no HarfBuzz subsetting) or
        # unreadable (no CJK font); the tests check both paths on their own.
        from assist.documents.pdf import check_pdf_environment

        app.extensions["pdf_environment"] = check_pdf_environment(strict_fonts=False)
    return app


def _translation_dirs() -> list[str]:
    """Every `translations/` folder in the package: each domain keeps its own catalogue."""
    package = Path(__file__).resolve().parent
    return sorted(str(p) for p in package.glob("**/translations") if p.is_dir())


def _import_models() -> None:
    """Import every models module so SQLAlchemy and Alembic see the whole schema."""
    from assist.applicants import models as _applicants  # noqa: F401
    from assist.attachments import models as _attachments  # noqa: F401
    from assist.audit import models as _audit  # noqa: F401
    from assist.auth import models as _auth  # noqa: F401
    from assist.campaigns import models as _campaigns  # noqa: F401
    from assist.cases import models as _cases  # noqa: F401
    from assist.centres import models as _centres  # noqa: F401
    from assist.documents import models as _documents  # noqa: F401
    from assist.funds import models as _funds  # noqa: F401
    from assist.pairings import models as _pairings  # noqa: F401
    from assist.pairings import services as _pairing_hooks  # noqa: F401  (ends pairs on exit)


def _register_blueprints(app: Flask) -> None:
    from assist.api import bp as api_bp
    from assist.api import core as _api_core  # noqa: F401  (each domain adds its endpoints)
    from assist.applicants import api as _applicants_api  # noqa: F401
    from assist.applicants.views import admin_bp as standards_bp
    from assist.applicants.views import bp as applicants_bp
    from assist.attachments.views import bp as attachments_bp
    from assist.audit.views import bp as audit_bp
    from assist.auth.views import bp as auth_bp
    from assist.auth.views import users_bp
    from assist.cases import api as _cases_api  # noqa: F401
    from assist.cases.views import bp as cases_bp
    from assist.centres.views import bp as centres_bp
    from assist.documents import api as _documents_api  # noqa: F401
    from assist.documents.views import bp as documents_bp
    from assist.funds import api as _funds_api  # noqa: F401
    from assist.funds.views import bp as funds_bp
    from assist.help.views import bp as help_bp
    from assist.home.views import bp as home_bp
    from assist.inbox.views import bp as inbox_bp
    from assist.search.views import bp as search_bp

    for bp in (home_bp, auth_bp, users_bp, centres_bp, audit_bp, cases_bp, funds_bp, api_bp):
        app.register_blueprint(bp)
    for bp in (
        applicants_bp,
        standards_bp,
        attachments_bp,
        documents_bp,
        inbox_bp,
        search_bp,
        help_bp,
    ):
        app.register_blueprint(bp)
    from assist.campaigns import owners as _visit_photos  # noqa: F401  (attachment owner)
    from assist.campaigns.views import bp as campaigns_bp
    from assist.pairings.views import bp as pairings_bp

    app.register_blueprint(campaigns_bp)
    app.register_blueprint(pairings_bp)


def _register_documents() -> None:
    """Import each domain's printed documents so they join the document registry."""
    from assist.applicants import documents as _applicant_documents  # noqa: F401
    from assist.cases import documents as _case_documents  # noqa: F401
    from assist.funds import documents as _funds_documents  # noqa: F401  (voucher, roster)


def _register_cli(app: Flask) -> None:
    from assist.applicants import demo as _applicants_demo  # noqa: F401  (adds its seeder)
    from assist.auth.cli import users_cli
    from assist.cases import demo as _cases_demo  # noqa: F401  (adds its demo seeder)
    from assist.cases.cli import notices_cli
    from assist.centres.cli import centres_cli
    from assist.demo.cli import seed_demo
    from assist.documents.cli import print_jobs_cli
    from assist.funds import demo as _funds_demo  # noqa: F401  (adds its demo seeder)
    from assist.funds.cli import ledger_cli

    app.cli.add_command(centres_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
    app.cli.add_command(notices_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(print_jobs_cli)
    from assist.campaigns.cli import campaigns_cli

    app.cli.add_command(campaigns_cli)
