"""Shared fixtures: a fresh, migrated database per test on SQLite or PostgreSQL.

Set TEST_DATABASE_URL (postgresql+psycopg://…) to run the suite against PostgreSQL.
"""

import contextvars
import os
import re
import shutil

import pytest
from flask import has_app_context
from flask.testing import FlaskClient
from sqlalchemy import create_engine, text

from assist import create_app
from assist.extensions import db
from assist.i18n import compile_catalogues

PASSWORD = "Tr1cky-Pass-2026"
PG_URL = os.environ.get("TEST_DATABASE_URL", "")

CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|'
    r'name="csrf_token" value="([^"]+)"'
)


def _migrate(url: str) -> None:
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture(scope="session")
def database_template(tmp_path_factory):
    """Build the schema once per run through the real migrations."""
    compile_catalogues()
    if PG_URL:
        engine = create_engine(PG_URL)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
        _migrate(PG_URL)
        return PG_URL
    path = tmp_path_factory.mktemp("db") / "template.sqlite3"
    _migrate(f"sqlite:///{path}")
    return path


def _truncate_all(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                    "AND tablename <> 'alembic_version'"
                )
            )
        ]
        if tables:
            conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def db_url(database_template, tmp_path):
    if PG_URL:
        yield PG_URL
        _truncate_all(PG_URL)
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copy(database_template, path)
        yield f"sqlite:///{path}"


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The test body keeps an app context of its own for set-up and checks. Before each request
    its pending work is committed (so the request sees it and no write lock is held), and
    afterwards its objects are expired (so the test reads what the request wrote). Each request
    then gets a fresh `g` and database session instead of sharing the test's.
    """

    def open(self, *args, **kwargs):
        if not has_app_context():  # a redirect followed inside the request's own context
            return super().open(*args, **kwargs)
        db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def app(db_url, tmp_path):
    app = create_app(
        "testing", SQLALCHEMY_DATABASE_URI=db_url, STORAGE_DIR=str(tmp_path / "storage")
    )
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def network(app):
    """The demo network's centres with one user per role at each, all with PASSWORD."""
    from assist.demo.cli import build_network

    build_network(password=PASSWORD)
    db.session.commit()
    return centres()


CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium (Debian's) for the whole run: tests/browser and tests/a11y."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def centres() -> dict:
    from sqlalchemy import select

    from assist.centres.models import Centre

    return {c.code: c for c in db.session.scalars(select(Centre))}


def csrf_token(client, url: str = "/login") -> str:
    html = client.get(url).get_data(as_text=True)
    match = CSRF_RE.search(html)
    assert match, f"no CSRF token on {url}"
    return match.group(1) or match.group(2)


def login(client, username: str, password: str = PASSWORD, follow: bool = False):
    token = csrf_token(client, "/login")
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token},
        follow_redirects=follow,
    )


def post_form(
    client,
    url: str,
    data: dict | None = None,
    *,
    token_from: str = "/",
    follow: bool = False,
    **kwargs,
):
    """POST a form with the session's CSRF token, as the browser would."""
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, token_from))
    return client.post(url, data=data, follow_redirects=follow, **kwargs)


def api_token(client, username: str, password: str = PASSWORD) -> dict:
    response = client.post("/api/v1/auth/token", json={"username": username, "password": password})
    assert response.status_code == 201, response.get_json()
    return {"Authorization": f"Bearer {response.get_json()['token']}"}
