"""The job engine on real workers: the app's local runner process, and an RQ worker process.

Each test runs twice: once with the local runner (no Redis), once with `flask --app assist
worker` on the machine's Redis (TEST_REDIS_URL, default db 3, a queue of the test's own).
"""

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import select, text

from assist.extensions import db
from assist.funds.models import LedgerCheck
from assist.jobs import engine
from assist.jobs.models import BackgroundJob
from tests.funds.factories import allocate_down, make_fund

REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/3")
ROOT = Path(__file__).resolve().parents[2]


def _redis_up() -> bool:
    from redis import Redis

    try:
        return bool(Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001
        return False


@pytest.fixture(params=["local", "rq"])
def worker_app(request, app):
    """The test app, its jobs handed to a real worker process of the chosen backend."""
    if request.param == "local":
        app.config["JOBS_BACKEND"] = "local"
        yield app
        engine.stop_local_runner(app)
        return
    assert _redis_up(), f"Redis is needed at {REDIS_URL} (.ci/run starts it)"
    queue = f"assist-test-{uuid.uuid4().hex[:8]}"
    app.config.update(JOBS_BACKEND="rq", REDIS_URL=REDIS_URL, JOBS_QUEUE=queue)
    env = dict(os.environ, **engine.child_env(app, JOBS_BACKEND="rq"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "assist", "worker"], env=env, cwd=str(ROOT)
    )
    app.extensions["test_worker_pid"] = proc.pid
    try:
        yield app
    finally:
        proc.terminate()
        proc.wait(20)
        from redis import Redis

        conn = Redis.from_url(REDIS_URL)
        for key in conn.scan_iter(f"rq:*{queue}*"):
            conn.delete(key)


def _wait_for(job_id: int, timeout: float = 90) -> BackgroundJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        db.session.rollback()
        job = db.session.get(BackgroundJob, job_id)
        if job.status in ("done", "failed"):
            return job
        time.sleep(0.3)
    raise AssertionError(f"job {job_id} still {job.status} after {timeout} s")


def test_a_ledger_check_runs_on_the_worker_and_is_stored(worker_app, network):
    fund = make_fund(received_fen=1_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS")], 200_000)
    db.session.commit()
    job = engine.submit("funds.verify_ledger")
    db.session.commit()  # the commit hands the job to the worker
    job = _wait_for(job.id)
    assert job.status == "done", job.error
    assert job.worker and not job.worker.endswith(f":{os.getpid()}")  # another process ran it
    check = db.session.scalars(select(LedgerCheck)).one()
    assert (check.rows_checked, check.difference_count, check.job_id) == (3, 0, job.id)


def _worker_pid(app) -> int:
    if "test_worker_pid" in app.extensions:  # the RQ worker this fixture started
        return app.extensions["test_worker_pid"]
    return engine._local_procs[id(app)].pid  # the local runner the app started


def test_the_worker_process_runs_at_the_lower_job_priority(worker_app, network):
    """JOB_NICE (10 by default) reaches the worker process: it runs below the web workers."""
    assert worker_app.config["JOB_NICE"] == 10
    job = engine.submit("funds.verify_ledger")
    db.session.commit()
    assert _wait_for(job.id).status == "done"
    base = os.getpriority(os.PRIO_PROCESS, 0)
    assert os.getpriority(os.PRIO_PROCESS, _worker_pid(worker_app)) == max(base, 10)


def test_a_failing_job_is_recorded_and_a_stale_one_is_resumed(worker_app, network):
    # A job whose worker died: running, with a heartbeat long past.
    job = engine.submit("funds.verify_ledger")
    db.session.info.pop("assist_jobs_to_dispatch")
    db.session.commit()
    db.session.execute(
        text(
            "UPDATE background_jobs SET status='running', heartbeat_at='2020-01-01 00:00:00', "
            "attempts=1 WHERE id=:id"
        ),
        {"id": job.id},
    )
    db.session.commit()
    assert engine.resume_stale() == 1
    job = _wait_for(job.id)
    assert (job.status, job.attempts) == ("done", 2)


def test_the_periodic_kinds_are_registered_with_their_periods(app):
    from assist.jobs.registry import periodic_kinds

    every = {k.name: k.every for k in periodic_kinds()}
    assert every["funds.verify_ledger"] == 3600
    assert every["cases.close_expired_notices"] == 300
    assert every["documents.print"] == 60
    assert every["stats.refresh"] == 900
    db.session.commit()
    submitted = {job.kind for job in engine.submit_due_periodic()}
    assert submitted == set(every)  # nothing ran yet: every periodic kind is due
    db.session.commit()  # (the test configuration runs them at once)
    assert not engine.submit_due_periodic()  # and none is due again right after


def test_the_figures_refresh_and_a_roster_dry_run_run_on_the_worker(worker_app, network):
    """The kinds moved off web threads run in another process, outside any request."""
    from assist.auth.models import User
    from assist.mutual_aid import jobs as roster_jobs
    from assist.stats.models import StatsRefresh
    from tests.mutual_aid.conftest import make_unit
    from tests.mutual_aid.helpers import HOSPITAL_RULES, make_plan, people, xlsx

    _plan, term = make_plan("HA", "hospital", HOSPITAL_RULES)
    unit = make_unit(network["SZ-GS-PJ"])
    worker = db.session.scalars(select(User).where(User.username == "sz-gs-pj.caseworker")).one()
    rows = people(15) + [("数字号", 320502198003011234)]
    token = roster_jobs.keep_roster(worker.id, xlsx(rows), "名册.xlsx", len(rows))
    roster = roster_jobs.start(
        unit, term, acting_user=worker, token=token, mode="dry_run", rows=len(rows)
    )
    refresh = engine.submit("stats.refresh")
    db.session.commit()
    roster, refresh = _wait_for(roster.id), _wait_for(refresh.id)
    assert refresh.status == "done", refresh.error
    assert db.session.get(StatsRefresh, refresh.result["refresh_id"]).status == "done"
    assert roster.status == "done", roster.error
    report = roster.result["report"]
    assert (report["rows_total"], report["rows_valid"]) == (16, 15)
    assert report["bad_rows"][0]["problems"][0][0] == "id_stored_as_number"
    assert "数字" in report["bad_rows"][0]["problems"][0][1]  # in the starter's language
