"""The summary refresh is a job of the one engine: on demand and periodic, no web thread."""

from sqlalchemy import select

from assist.extensions import db
from assist.jobs import engine
from assist.jobs.models import BackgroundJob
from assist.jobs.registry import periodic_kinds
from assist.stats.models import StatsRefresh
from tests.conftest import api_token, login, post_form
from tests.stats.helpers import seed_figures


def test_refresh_button_runs_a_stats_job_that_updates_the_summary(client, network):
    login(client, "sz.auditor")
    headers = api_token(client, "sz.auditor")
    client.get("/api/v1/stats", headers=headers)  # builds the (empty) summary
    seed_figures(network)
    post_form(client, "/stats/refresh", token_from="/stats/")
    job = db.session.scalars(
        select(BackgroundJob).where(BackgroundJob.kind == "stats.refresh")
    ).one()
    assert job.status == "done", job.error
    run = db.session.get(StatsRefresh, job.result["refresh_id"])
    assert run.status == "done" and run.rows == job.result["rows"] > 0
    after = client.get("/api/v1/stats", headers=headers).get_json()
    files = next(s for s in after["sections"] if s["key"] == "files.status")["rows"]
    assert sum(r["count"] for r in files) == 9


def test_refresh_is_scheduled_with_the_periodic_work(app, network):
    assert "stats.refresh" in {k.name for k in periodic_kinds()}
    jobs = engine.submit_due_periodic()
    db.session.commit()  # the inline backend runs them on commit
    refresh = next(j for j in jobs if j.kind == "stats.refresh")
    db.session.expire_all()
    assert db.session.get(BackgroundJob, refresh.id).status == "done"
    assert db.session.scalar(select(StatsRefresh.id).where(StatsRefresh.status == "done"))
