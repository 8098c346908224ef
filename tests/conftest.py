"""Shared fixtures: a fresh, migrated database per test on SQLite or PostgreSQL.

Set TEST_DATABASE_URL (postgresql+psycopg://…) to run the suite against PostgreSQL.
"""

import atexit
import contextvars
import os
import re
import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import NamedTuple

#: The pytest-xdist worker this process is ("gw0", "gw1", …), or "" in a serial run (and in the
#: controller of a parallel run, which runs no test). xdist sets it before conftest is imported.
WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if not WORKER:
    # The run's own id, inherited by its workers: their PostgreSQL databases are named after it
    # so two runs on one TEST_DATABASE_URL never touch each other's (see _worker_database).
    os.environ["ASSIST_TEST_RUN_PID"] = str(os.getpid())
RUN_PID = os.environ["ASSIST_TEST_RUN_PID"]


def _own_temp_dir(variable: str, prefix: str) -> None:
    """A throw-away folder of this process's own (each worker its own), removed at its exit."""
    if WORKER or variable not in os.environ:
        path = tempfile.mkdtemp(prefix=f"{prefix}{WORKER or 'main'}-")
        os.environ[variable] = path
        atexit.register(shutil.rmtree, path, ignore_errors=True)


# Before the app's configuration is imported: a development app (the CLI tests start some)
# keeps its keys and database in a throw-away instance folder, never in the working tree.
_own_temp_dir("ASSIST_INSTANCE_DIR", "assist-test-instance-")
# Hypothesis keeps its files (examples, constants) there too, not in .hypothesis/.
_own_temp_dir("HYPOTHESIS_STORAGE_DIRECTORY", "assist-hypothesis-")

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from sqlalchemy.exc import OperationalError  # noqa: E402

#: The PostgreSQL database the run was given (TEST_DATABASE_URL), or "" for SQLite.
BASE_PG_URL = os.environ.get("ASSIST_TEST_BASE_DATABASE_URL") or os.environ.get(
    "TEST_DATABASE_URL", ""
)


def _worker_database(base: str, worker: str, run_pid: str) -> str:
    """`<db>_p<run pid>_<worker>`: one database per worker of one run, next to the given one."""
    url = make_url(base)
    return url.set(database=f"{url.database}_p{run_pid}_{worker}").render_as_string(
        hide_password=False
    )


if BASE_PG_URL and WORKER:
    # Everything in this worker (the app's TestingConfig, worker processes it starts, CLI
    # tests) reads TEST_DATABASE_URL: point it at the worker's own database before the app's
    # configuration is imported. The given database is only the maintenance connection.
    os.environ["ASSIST_TEST_BASE_DATABASE_URL"] = BASE_PG_URL
    os.environ["TEST_DATABASE_URL"] = _worker_database(BASE_PG_URL, WORKER, RUN_PID)

import pytest  # noqa: E402
from flask import has_app_context  # noqa: E402
from flask.testing import FlaskClient  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from assist import create_app  # noqa: E402
from assist.extensions import db  # noqa: E402
from assist.i18n import compile_catalogues  # noqa: E402


def _share_url_builders() -> None:
    """Each app's URL rules reuse the builder functions an earlier app compiled for them.

    Werkzeug compiles two Python functions per rule (source → AST → `compile()`) when a rule is
    added; with ~270 routes that is most of `create_app()` (0.3–0.5 s), and the suite builds an
    app for nearly every test. A builder is a pure function of the rule's text, its parts and
    its default names (it reaches the rule's converters through the rule it is bound to at call
    time), so one compiled for the same rule serves every app. Rules with a default for one of
    their own variables (converted once at compile time) are compiled as before.
    """
    from werkzeug.routing.rules import Rule

    compile_builder = Rule._compile_builder
    builders: dict = {}

    def shared_builder(self, append_unknown=True):
        defaults = self.defaults or {}
        if any(dynamic and data in defaults for dynamic, data in self._trace):
            return compile_builder(self, append_unknown)
        key = (self.rule, tuple(self._trace), tuple(sorted(map(str, defaults))), append_unknown)
        builder = builders.get(key)
        if builder is None:
            builder = builders[key] = compile_builder(self, append_unknown)
        return builder

    Rule._compile_builder = shared_builder


def _share_compiled_templates() -> None:
    """Each app's Jinja environment loads the templates an earlier app compiled, as bytecode.

    An app compiles each template the first time it renders it (its own environment, its own
    cache), so nearly every test compiled the pages it opened again: a fifth of a page test's
    time. Jinja's bytecode cache is made for this: keyed by the template's name, and checked
    against the source's checksum on every load (a changed template is compiled again). The
    key also holds the environment's compile options, so an environment set up differently
    shares nothing.
    """
    from flask import Flask
    from jinja2.bccache import Bucket, BytecodeCache

    options = (
        "block_start_string",
        "block_end_string",
        "variable_start_string",
        "variable_end_string",
        "comment_start_string",
        "comment_end_string",
        "line_statement_prefix",
        "line_comment_prefix",
        "trim_blocks",
        "lstrip_blocks",
        "newline_sequence",
        "keep_trailing_newline",
        "optimized",
        "newstyle_gettext",  # Flask-Babel's i18n extension reads it while compiling
    )

    class MemoryBytecodeCache(BytecodeCache):
        def __init__(self) -> None:
            self.codes: dict[str, bytes] = {}

        def get_bucket(self, environment, name, filename, source):
            setup = (
                sorted(environment.extensions),
                getattr(environment.autoescape, "__qualname__", environment.autoescape),
                [getattr(environment, option, None) for option in options],
            )
            key = f"{self.get_cache_key(name, filename)}|{setup!r}"
            bucket = Bucket(environment, key, self.get_source_checksum(source))
            self.load_bytecode(bucket)
            return bucket

        def load_bytecode(self, bucket) -> None:
            code = self.codes.get(bucket.key)
            if code is not None:
                bucket.bytecode_from_string(code)

        def dump_bytecode(self, bucket) -> None:
            self.codes[bucket.key] = bucket.bytecode_to_string()

    cache = MemoryBytecodeCache()
    create_environment = Flask.create_jinja_environment

    def create_jinja_environment(self):
        env = create_environment(self)
        env.bytecode_cache = cache
        return env

    Flask.create_jinja_environment = create_jinja_environment


_share_url_builders()
_share_compiled_templates()

# Hypothesis keeps no example database in the working tree (.hypothesis/). Speed is measured
# in benchmarks, not tests: no per-example deadline, and no health check on how fast inputs
# are generated (both fail on a loaded machine without saying anything about the code).
settings.register_profile(
    "assist", database=None, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("assist")

ROOT = Path(__file__).resolve().parent.parent

#: The slow lane (`make test` and CI run it; `make test-quick` leaves it out): seeding the
#: demo, real browsers, rendering PDFs and batch printing. Marked here by where they live so
#: a new test in these places is slow without anyone remembering; others use the marker.
SLOW_PATHS = (
    "tests/browser/",  # headless Chromium
    "tests/a11y/",  # axe-core crawl in Chromium
    "tests/jobs/",  # worker processes
    "tests/documents/",  # WeasyPrint renders, print jobs with worker processes
    "tests/applicants/test_demo.py",  # demo households
    "tests/cases/test_demo.py",
    "tests/funds/test_demo.py",  # the whole demo, seeded
    "tests/test_demo_chain.py",
)


def pytest_collection_modifyitems(config, items):
    for item in items:
        path = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
        if path.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)
    if WORKER:  # a parallel run: the longest files first (the sort is stable)
        items.sort(
            key=lambda item: _rank(Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix())
        )


#: Files whose tests are long and independent enough to run on different pytest-xdist workers
#: (each test its own work unit). Every other file runs whole on one worker (`--dist
#: loadfile`), so that its module fixtures are built once.
SPLIT_FILES = ("tests/a11y/test_axe_crawl.py", "tests/security/test_url_map_ids.py")

#: Files that share a fixture run together as one work unit: the seeded demo's short checks
#: (`seeded_demo`; the demo itself is seeded once per worker, `demo_template`) and the a11y
#: package's demo site (package-scoped: served once for the three files).
GROUPS = {
    "tests/funds/test_demo.py": "seeded_demo",
    "tests/test_demo_chain.py": "seeded_demo",
    "tests/mutual_aid/test_demo.py": "seeded_demo",
    "tests/a11y/test_keyboard.py": "a11y",
    "tests/a11y/test_screen_reader.py": "a11y",
    "tests/a11y/test_top_bar.py": "a11y",
}

#: The longest work units, handed out first so that no worker is left with a long one at the
#: end (from `--durations`); the rest keep pytest's order. The two halves of the axe crawl go
#: to the two workers, and the worker of the first then runs the other a11y tests on the same
#: demo site.
LONGEST_FIRST = (
    "tests/a11y/test_axe_crawl.py",
    "tests/a11y/",
    "tests/test_scoping_matrix.py",  # one module-scoped world, ~330 requests per role
    "tests/jobs/test_engine.py",  # worker processes
    "tests/documents/test_print_jobs.py",
    "tests/funds/test_demo.py",
    "tests/test_demo_chain.py",
    "tests/mutual_aid/test_demo.py",
)


def _work_unit(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return nodeid if path in SPLIT_FILES else GROUPS.get(path, path)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """`--dist loadfile` (what `make test` asks for), with SPLIT_FILES, GROUPS, LONGEST_FIRST."""
    if config.getoption("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadFileScheduling

    class Scheduling(LoadFileScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _work_unit(nodeid)

    config.option.loadscopereorder = False  # the collection's order (LONGEST_FIRST)
    return Scheduling(config, log)


def _rank(path: str) -> int:
    return next((i for i, p in enumerate(LONGEST_FIRST) if path.startswith(p)), len(LONGEST_FIRST))


def _untracked() -> set[str]:
    """Files in the working tree that git does not track (ignored ones included)."""
    out = subprocess.run(  # noqa: S603
        ["git", "status", "--porcelain", "--ignored", "--untracked-files=all"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {
        line[3:]
        for line in out.splitlines()
        if line[:2] in ("??", "!!") and not re.search(r"(^|/)(__pycache__|\.venv)(/|$)|\.mo$", line)
    }


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _maintenance_engine():
    """A connection to the given database, only to create and drop the workers' databases."""
    from sqlalchemy.pool import NullPool

    return create_engine(BASE_PG_URL, isolation_level="AUTOCOMMIT", poolclass=NullPool)


def _drop_databases(which) -> None:
    """Drop the workers' databases for which `which(name, pid of their run)` is true (their
    connections ended by force: a worker may still hold pooled ones)."""
    base = make_url(BASE_PG_URL).database
    pattern = re.compile(re.escape(base) + r"_p(\d+)_gw\d+")
    engine = _maintenance_engine()
    with engine.connect() as conn:
        for name in conn.execute(text("SELECT datname FROM pg_database")).scalars():
            match = pattern.fullmatch(name)
            if match and which(name, int(match[1])):
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    engine.dispose()


def _create_worker_database() -> None:
    """(Re)create this worker's database; drop those left by runs that are no longer alive."""
    own = make_url(PG_URL).database
    _drop_databases(lambda name, pid: name == own or not _alive(pid))
    engine = _maintenance_engine()
    with engine.connect() as conn:
        for attempt in range(10):  # two workers copying template1 at once may have to wait
            try:
                conn.execute(text(f'CREATE DATABASE "{own}"'))
                break
            except OperationalError:
                if attempt == 9:
                    raise
                time.sleep(0.5 + attempt)
    engine.dispose()


def pytest_configure(config):
    if BASE_PG_URL and WORKER:
        _create_worker_database()


def pytest_unconfigure(config):
    """The run itself, once its workers are gone, drops any of their databases left over."""
    if BASE_PG_URL and not WORKER:
        _drop_databases(lambda name, pid: pid == int(RUN_PID))


def pytest_sessionstart(session):
    session.config._assist_untracked = _untracked()


def pytest_sessionfinish(session, exitstatus):
    """Fail the run when a test wrote into the working tree instead of its temporary folder.

    A worker also drops its own database here, as soon as its tests are done: the run may end
    the worker's process right after it reports that it finished (before pytest_unconfigure).
    """
    if BASE_PG_URL and WORKER:
        own = make_url(PG_URL).database
        _drop_databases(lambda name, pid: name == own)
    before = getattr(session.config, "_assist_untracked", None)
    if before is None:
        return
    written = sorted(_untracked() - before)
    if written:
        print(f"\nTests wrote outside their temporary folders: {written}")
        session.exitstatus = 1


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
    """Empty every table and restart every id sequence (PostgreSQL: the run's one database).

    `TRUNCATE` of all 63 tables costs 0.3–1.5 s (it gives each of ~350 tables, indexes and
    TOAST tables a new file), after every test; most tests leave a few rows in a few tables.
    So the tables that hold rows are emptied with `DELETE` and the sequences that were used
    restarted, as `TRUNCATE … RESTART IDENTITY` would. The DELETEs run as a replica session
    (`session_replication_role`, a superuser's setting): no trigger fires, neither the
    append-only tables' refusal nor the foreign keys' checks (every table with rows is
    emptied). A schema that is not the models' (a test that dropped it), or a user who may not
    set the role, gets the TRUNCATE as before.
    """
    from sqlalchemy.exc import DBAPIError

    engine = create_engine(url)
    try:
        with engine.begin() as conn:
            if _delete_rows(conn):
                return
    except DBAPIError:
        pass
    finally:
        engine.dispose()
    _truncate_tables(url)


def _delete_rows(conn) -> bool:
    present = set(
        conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' "
                "AND tablename <> 'alembic_version'"
            )
        ).scalars()
    )
    tables = _tables()
    if present != {t.name for t in tables}:
        return False
    filled = set(
        conn.execute(
            text(
                " UNION ALL ".join(
                    f"SELECT '{t.name}' WHERE EXISTS (SELECT 1 FROM {t.name})"  # noqa: S608
                    for t in tables
                )
            )
        ).scalars()
    )
    conn.execute(text("SET LOCAL session_replication_role = replica"))
    for table in reversed(tables):
        if table.name in filled:
            conn.execute(table.delete())
    used = conn.execute(
        text(
            "SELECT sequencename FROM pg_sequences "
            "WHERE schemaname = 'public' AND last_value IS NOT NULL"
        )
    ).scalars()
    for sequence in list(used):
        conn.execute(text(f'ALTER SEQUENCE "{sequence}" RESTART'))
    return True


def _truncate_tables(url: str) -> None:
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


def _snapshot(url: str) -> dict:
    """Every row of every table (PostgreSQL: a database is one URL, so rows are kept instead)."""
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = {
            t.name: [
                dict(r)
                for r in conn.execute(t.select().order_by(*t.primary_key.columns)).mappings()
            ]
            for t in _tables()
        }
    engine.dispose()
    return rows


def _restore(url: str, rows: dict) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        for table in _tables():
            if rows.get(table.name):
                conn.execute(table.insert(), rows[table.name])
            if "id" in table.c and rows.get(table.name):
                sql = f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), (SELECT MAX(id) FROM {table.name}))"  # noqa: E501, S608 - the schema's own table names
                conn.execute(text(sql))
    engine.dispose()


def _tables():
    return db.metadata.sorted_tables


@pytest.fixture(scope="session")
def network_template(database_template, tmp_path_factory):
    """The schema with the demo network (centres, one user per role) built once per run."""
    from assist.demo.cli import build_network

    url = PG_URL
    if not PG_URL:
        path = tmp_path_factory.mktemp("db") / "network.sqlite3"
        shutil.copy(database_template, path)
        url = f"sqlite:///{path}"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url)
    with app.app_context():
        build_network(password=PASSWORD)
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    if not PG_URL:
        return path
    rows = _snapshot(PG_URL)
    _truncate_all(PG_URL)
    return rows


class DemoTemplate(NamedTuple):
    """`flask seed-demo` run once: what a test that asks for the seeded demo starts from."""

    source: object  #: the database file (SQLite), or its rows (PostgreSQL)
    result: object  #: the CLI's result (its output holds the demo users' passwords)
    data_key: str  #: the key the personal numbers and stored files are encrypted under
    storage: Path  #: the stored files (visit photos, consent forms, diagnoses)

    def passwords(self) -> dict[str, str]:
        """The demo users' passwords, as the CLI printed them once."""
        lines = self.result.output.splitlines()
        return dict(line.split()[:2] for line in lines if line.startswith("sz"))

    def app_settings(self, storage: Path) -> dict:
        """An app's settings to open a copy of the demo: its data key and a copy of its files
        in `storage` (the test's own, so that what a test stores stays its own)."""
        if self.storage.exists():
            shutil.copytree(self.storage, storage, dirs_exist_ok=True)
        return {"DATA_KEY": self.data_key, "STORAGE_DIR": str(storage)}


@pytest.fixture(scope="session")
def demo_template(database_template, tmp_path_factory) -> DemoTemplate:
    """The schema with `flask seed-demo` run once per run (on each worker that needs it).

    Seeding is the suite's most expensive step (about a minute): every test of the whole demo
    starts from a copy of this one, opened with the same data key and a copy of its files."""
    url = PG_URL
    tmp = tmp_path_factory.mktemp("demo")
    if not PG_URL:
        path = tmp / "demo.sqlite3"
        shutil.copy(database_template, path)
        url = f"sqlite:///{path}"
    storage = tmp / "storage"
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=url, STORAGE_DIR=str(storage))
    with app.app_context():
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        db.session.remove()
        db.engine.dispose()
    source = path if not PG_URL else _snapshot(PG_URL)
    if PG_URL:
        _truncate_all(PG_URL)
    return DemoTemplate(source, result, app.config["DATA_KEY"], storage)


#: Fixtures whose database is built once per run and copied into each test that asks for it.
TEMPLATES = {"seeded_demo": "demo_template", "network": "network_template"}


@pytest.fixture
def db_url(request, database_template, tmp_path):
    """A fresh database for the test: a copy of the empty schema, or of the network or the
    seeded demo when the test asks for `network` or `seeded_demo` (built once per run)."""
    wanted = next((t for name, t in TEMPLATES.items() if name in request.fixturenames), None)
    source = request.getfixturevalue(wanted) if wanted else database_template
    if wanted == "demo_template":
        source = source.source
    if PG_URL:
        if wanted:
            _restore(PG_URL, source)
        yield PG_URL
        _truncate_all(PG_URL)
    else:
        path = tmp_path / "test.sqlite3"
        shutil.copy(source, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def seeded_demo(app, demo_template):
    """The database as `flask seed-demo` leaves it, and its stored files, opened with its data
    key (`app` sees to that); the fixture's value is the CLI's result."""
    return demo_template.result


class IsolatedClient(FlaskClient):
    """A test client whose every request runs in its own app context, as in production.

    The test body keeps an app context of its own for set-up and checks. Before each request
    its pending work is committed (so the request sees it and no write lock is held), and
    afterwards its objects are expired (so the test reads what the request wrote). Each request
    then gets a fresh `g` and database session instead of sharing the test's.
    """

    def open(self, *args, **kwargs):
        # Read the whole body, which closes a file response (send_file) as a server would.
        kwargs.setdefault("buffered", True)
        if not has_app_context():  # a redirect followed inside the request's own context
            return super().open(*args, **kwargs)
        db.session.commit()
        response = contextvars.Context().run(super().open, *args, **kwargs)
        db.session.expire_all()
        return response


@pytest.fixture
def app(request, db_url, tmp_path):
    overrides = {"STORAGE_DIR": str(tmp_path / "storage")}
    if "seeded_demo" in request.fixturenames:  # a copy of the demo: its key, its files
        overrides = request.getfixturevalue("demo_template").app_settings(tmp_path / "storage")
    app = create_app("testing", SQLALCHEMY_DATABASE_URI=db_url, **overrides)
    app.test_client_class = IsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        # A connection still out of the pool now (a thread still serving) would be returned
        # to the pool after it is disposed, never closed, and collected open later: psycopg
        # reports that as an error in whichever test runs then. Fail the test that left it.
        still_out = db.engine.pool.checkedout()
        db.engine.dispose()
    assert still_out == 0, f"{still_out} database connection(s) still in use after the test"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def network(app):
    """The demo network's centres with one user per role at each, all with PASSWORD.

    The database already holds it (`db_url` copies `network_template`)."""
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


def walk_cursor(client, url: str, headers, *, method="get", body=None, limit=200):
    """Follow an API list's `next` cursors to the end: (ids in order, each answer)."""
    ids, answers, after = [], [], None
    for _ in range(limit):
        if method == "get":
            sep = "&" if "?" in url else "?"
            answer = client.get(url + (f"{sep}after={after}" if after else ""), headers=headers)
        else:
            answer = client.post(url, json={**body, "after": after}, headers=headers)
        assert answer.status_code == 200, answer.get_json()
        data = answer.get_json()
        answers.append(data)
        ids += [i["id"] for i in data["items"]]
        after = data["next"]
        if after is None:
            return ids, answers
    raise AssertionError("the cursor never ended")
