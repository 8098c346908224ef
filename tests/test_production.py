"""Production edges: readiness, JSON request logs without personal numbers."""

import json
import logging

from assist.core.requestlog import JsonLines
from tests.conftest import PG_URL, login
from tests.factories import make_applicant, user


def test_readyz_checks_database_migrations_and_redis(app, client):
    ok = client.get("/readyz")
    assert ok.status_code == 200
    assert ok.json == {"status": "ok", "database": "ok", "migrations": "ok", "jobs": "inline"}
    app.config.update(REDIS_URL="redis://127.0.0.1:1/0", JOBS_BACKEND="rq")
    down = client.get("/readyz")
    assert down.status_code == 503 and down.json["redis"] == "unreachable"


def test_each_request_logs_one_json_line_without_the_query(app, client, network, caplog):
    applicant = make_applicant(network["SZ-GS-PJ"])
    full_id = applicant.id_number
    login(client, "sz.caseworker")
    caplog.set_level(logging.INFO, logger="assist.request")
    # only this request's lines: the sign-in's are logged too when an earlier test on this
    # worker left the request logger at INFO (which files run first on a worker varies)
    caplog.clear()
    response = client.get(f"/files/?q={full_id}", headers={"X-Request-ID": "abc123"})
    assert response.status_code == 200 and response.headers["X-Request-ID"] == "abc123"
    records = [r for r in caplog.records if r.name == "assist.request"]
    assert len(records) == 1
    line = JsonLines().format(records[0])
    data = json.loads(line)
    assert data["request_id"] == "abc123" and data["path"] == "/files/"
    assert data["user_id"] == user("sz.caseworker").id
    assert data["status"] == 200 and data["duration_ms"] > 0
    assert full_id not in line and full_id[-4:] not in line


def test_gunicorn_recycles_preloaded_workers_without_dropping_a_request(app, tmp_path):
    """The production server config loads the app once and forks workers from it; a worker
    recycled after max_requests comes back forked, with its own database connections."""
    import http.client
    import os
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = dict(
        os.environ,
        DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
        ASSIST_INSTANCE_DIR=str(tmp_path),
        ASSIST_CONFIG="development",
        SECRET_KEY="x" * 48,
        WEB_CONCURRENCY="2",
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_MAX_REQUESTS="4",
        GUNICORN_MAX_REQUESTS_JITTER="0",
        JOBS_BACKEND="inline",
        XDG_RUNTIME_DIR=str(tmp_path),  # gunicorn's control socket, else under $HOME
    )
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(  # noqa: S603
            [sys.executable, "-m", "gunicorn", "-c", str(root / "gunicorn.conf.py")],
            env=env,
            cwd=root,
            stdout=log,
            stderr=log,
        )
    try:
        statuses = []
        deadline = time.monotonic() + 60
        while len(statuses) < 24 and time.monotonic() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/healthz" if len(statuses) % 2 else "/login")
                statuses.append(conn.getresponse().status)
                conn.close()
            except OSError:
                if statuses:  # once serving, no request may fail across a recycle
                    raise
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(20)
    text = log_path.read_text()
    assert statuses == [200] * 24, text[-3000:]
    assert "Autorestarting worker" in text  # workers were recycled during the requests
    assert text.count("Booting worker") >= 4
    assert "Traceback" not in text


def test_the_case_list_is_planned_once_not_on_every_request(client, network):
    """The case list's page query and its bounded count carry their LIMIT and the scope's
    centre path in their text (both databases), so each has one text per centre. On
    PostgreSQL that lets the database settle on one plan: after a few requests both run on a
    prepared generic plan. That needs the connection to keep its prepared statements across
    the rollback that ends every read-only request (psycopg forgot them: nothing was ever
    prepared), and the text to carry the LIMIT and path (bound, PostgreSQL kept planning every
    call on a city's data: 225 calls, 225 plans on the benchmark's 100,000 files)."""
    from sqlalchemy import text

    from assist.extensions import db
    from tests.test_statement_counts import counting

    login(client, "sz.supervisor")
    db.session.remove()  # the requests below and the look afterwards share one connection
    with counting() as statements:
        for _ in range(12):
            assert client.get("/cases/").status_code == 200
    ours = [s for s in statements if "FROM aid_cases" in s and "LIMIT" in s]
    page = [s for s in ours if s.startswith("SELECT aid_cases.id")]
    count = [s for s in ours if s.startswith("SELECT count(*)")]
    assert page and count, ours
    for statement in page + count:
        assert "LIKE '/1/'" in statement, statement
        assert "LIMIT 51" in statement or "LIMIT 2001" in statement, statement
    if not PG_URL:
        return  # SQLite prepares nothing across requests; the rest is PostgreSQL's
    db.session.remove()
    with db.engine.connect() as conn:
        plans = conn.execute(
            text(
                "SELECT generic_plans, statement FROM pg_prepared_statements"
                " WHERE statement LIKE '%FROM aid_cases%'"
            )
        ).all()
    generic = {
        "page": [g for g, s in plans if s.startswith("SELECT aid_cases.id")],
        "count": [
            g
            for g, s in plans
            if s.startswith("SELECT count(*) AS count_1 \nFROM (SELECT aid_cases.id")
        ],
    }
    assert generic["page"] and generic["count"], plans
    assert min(generic["page"] + generic["count"]) >= 1, plans
