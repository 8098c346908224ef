"""Assist: hardship-assistance case management for a city federation of trade unions."""

import json
import logging
import os
from datetime import timedelta
from pathlib import Path

from flask import Flask

from config import CONFIGS, INSTANCE_DIR, Config

ROOT = Path(__file__).resolve().parent.parent

log = logging.getLogger(__name__)

#: Environment variable through which an app passes its settings to a worker it starts.
INHERITED_SETTINGS = "ASSIST_INHERITED_SETTINGS"


def create_app(config: str | type[Config] | None = None, **overrides) -> Flask:
    """Build the application: configuration, extensions, blueprints, CLI and error pages."""
    inherited = json.loads(os.environ.get(INHERITED_SETTINGS) or "{}")
    if inherited:  # a worker process started by an app (assist.jobs) shares its settings
        config = config or inherited.get("config")
        overrides = {**inherited.get("settings", {}), **overrides}
    if config is None or isinstance(config, str):
        config = CONFIGS[config or os.environ.get("ASSIST_CONFIG", "development")]
    config.init()
    config_name = next((k for k, v in CONFIGS.items() if v is config), "development")

    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder="static",
        instance_path=str(INSTANCE_DIR),
    )
    app.config.from_object(config)
    app.config["CONFIG_NAME"] = config_name  # a local job runner starts with the same
    app.config.update(overrides)
    app.json.ensure_ascii = False
    app.permanent_session_lifetime = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"])
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY is not set")
    proxies = int(app.config.get("TRUSTED_PROXIES") or 0)
    if proxies > 0:  # the client's address and scheme come from the proxies we run
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)

    from assist.core import database  # noqa: F401  (registers the SQLite engine hooks)
    from assist.core.web import init_web
    from assist.extensions import babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    from assist.core.i18n import init_fast_translations, select_locale, select_timezone

    babel.init_app(
        app,
        locale_selector=select_locale,
        timezone_selector=select_timezone,
        default_translation_directories=";".join(_translation_dirs()),
    )
    init_fast_translations(app)

    _import_models()
    from assist.core.web import IdConverter

    app.url_map.converters["int"] = IdConverter  # before any route is added
    _register_blueprints(app)
    _register_documents()
    init_web(app)
    from assist.core.requestlog import init_request_log

    init_request_log(app)
    from assist.jobs.engine import init_app as init_jobs

    init_jobs(app)
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
    from assist.exchange import models as _exchange  # noqa: F401
    from assist.funds import models as _funds  # noqa: F401
    from assist.imports import models as _imports  # noqa: F401
    from assist.jobs import models as _jobs  # noqa: F401
    from assist.mutual_aid import models as _mutual_aid  # noqa: F401
    from assist.pairings import models as _pairings  # noqa: F401
    from assist.pairings import services as _pairing_hooks  # noqa: F401  (ends pairs on exit)
    from assist.returns import models as _returns  # noqa: F401
    from assist.stats import models as _stats  # noqa: F401


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
    from assist.campaigns import api as _campaigns_api  # noqa: F401
    from assist.cases import api as _cases_api  # noqa: F401
    from assist.cases.views import bp as cases_bp
    from assist.centres.views import bp as centres_bp
    from assist.documents import api as _documents_api  # noqa: F401
    from assist.documents.views import bp as documents_bp
    from assist.exchange import api as _exchange_api  # noqa: F401
    from assist.exchange.views import bp as exchange_bp
    from assist.exports import api as _exports_api  # noqa: F401
    from assist.funds import api as _funds_api  # noqa: F401
    from assist.funds.views import bp as funds_bp
    from assist.help.views import bp as help_bp
    from assist.home.views import bp as home_bp
    from assist.imports import api as _imports_api  # noqa: F401
    from assist.imports.views import bp as imports_bp
    from assist.inbox import api as _inbox_api  # noqa: F401
    from assist.mutual_aid import api as _mutual_aid_api  # noqa: F401
    from assist.mutual_aid.views import bp as mutual_aid_bp
    from assist.pairings import api as _pairings_api  # noqa: F401
    from assist.returns import api as _returns_api  # noqa: F401
    from assist.returns.views import bp as returns_bp
    from assist.search import api as _search_api  # noqa: F401
    from assist.stats import api as _stats_api  # noqa: F401
    from assist.stats.views import bp as stats_bp

    for bp in (home_bp, auth_bp, users_bp, centres_bp, audit_bp, cases_bp, funds_bp, api_bp):
        app.register_blueprint(bp)
    for bp in (applicants_bp, standards_bp, attachments_bp, documents_bp, mutual_aid_bp):
        app.register_blueprint(bp)
    from assist.exports.views import bp as exports_bp
    from assist.inbox.views import bp as inbox_bp
    from assist.search.views import bp as search_bp

    for bp in (stats_bp, returns_bp, imports_bp, exchange_bp, inbox_bp, search_bp, help_bp):
        app.register_blueprint(bp)
    app.register_blueprint(exports_bp)
    from assist.campaigns import owners as _visit_photos  # noqa: F401  (attachment owner)
    from assist.campaigns.views import bp as campaigns_bp
    from assist.pairings.views import bp as pairings_bp

    app.register_blueprint(campaigns_bp)
    app.register_blueprint(pairings_bp)


def _register_documents() -> None:
    """Import each domain's printed documents so they join the document registry."""
    from assist.applicants import documents as _applicant_documents  # noqa: F401
    from assist.campaigns import documents as _campaign_documents  # noqa: F401  (roster, visits)
    from assist.cases import documents as _case_documents  # noqa: F401
    from assist.funds import documents as _funds_documents  # noqa: F401  (voucher, roster)
    from assist.mutual_aid import documents as _mutual_aid_documents  # noqa: F401
    from assist.returns import documents as _returns_documents  # noqa: F401  (returns)
    from assist.stats import documents as _stats_documents  # noqa: F401  (figures report)


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
    from assist.mutual_aid import demo as _mutual_aid_demo  # noqa: F401  (after the funds')

    app.cli.add_command(centres_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo)
    from assist.demo.bulk import seed_bulk_cmd

    app.cli.add_command(seed_bulk_cmd)
    from assist.core.backup import backup_cmd, restore_cmd

    app.cli.add_command(backup_cmd)
    app.cli.add_command(restore_cmd)
    app.cli.add_command(notices_cli)
    app.cli.add_command(ledger_cli)
    app.cli.add_command(print_jobs_cli)
    from assist.stats.cli import stats_cli

    app.cli.add_command(stats_cli)
    from assist.campaigns import demo as _campaigns_demo  # noqa: F401  (seeds after the funds)
    from assist.jobs.cli import jobs_cli, scheduler, worker

    app.cli.add_command(worker)
    app.cli.add_command(scheduler)
    app.cli.add_command(jobs_cli)
    from assist.campaigns.cli import campaigns_cli

    app.cli.add_command(campaigns_cli)
    from assist.mutual_aid.cli import mutual_aid_cli

    app.cli.add_command(mutual_aid_cli)
