"""Production edges: readiness, JSON request logs without personal numbers."""

import json
import logging

from assist.core.requestlog import JsonLines
from tests.conftest import login
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
