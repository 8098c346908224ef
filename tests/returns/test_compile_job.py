"""Compiling a return is a job: 202 with a status URL, progress, one version whatever happens."""

from datetime import timedelta

from sqlalchemy import func, select

from assist.audit.models import AuditEntry
from assist.core.timeutil import utcnow
from assist.extensions import db
from assist.jobs import engine
from assist.jobs.models import BackgroundJob
from assist.returns.models import ReturnVersion
from tests.conftest import api_token, login, post_form
from tests.stats.helpers import seed_figures

PERIOD = "2026-12"
BODY = {"period_kind": "month", "period": PERIOD}


def _versions() -> int:
    return db.session.scalar(select(func.count(ReturnVersion.id)))


def _compiled_audits() -> int:
    return db.session.scalar(
        select(func.count(AuditEntry.id)).where(AuditEntry.action == "return.compiled")
    )


def test_api_compile_answers_202_and_the_status_url_leads_to_the_version(client, network):
    seed_figures(network)
    db.session.commit()
    headers = api_token(client, "sz-gs-pj.supervisor")
    response = client.post("/api/v1/returns", json=BODY, headers=headers)
    assert response.status_code == 202, response.get_json()
    body = response.get_json()
    assert response.headers["Location"].endswith(body["status_url"])
    status = client.get(body["status_url"], headers=headers).get_json()
    assert status["status"] == "done" and status["percent"] == 100 and status["version"] == 1
    version = client.get(status["version_url"], headers=headers).get_json()
    assert version["status"] == "draft" and version["figures"]["aid.kind"]["living"] == [
        1,
        150_000,
    ]
    # compiling again recompiles the same draft: still one version
    again = client.post("/api/v1/returns", json=BODY, headers=headers).get_json()
    assert client.get(again["status_url"], headers=headers).get_json()["version"] == 1
    assert _versions() == 1
    # the job is its starter's alone: another supervisor, even the parent's, gets 404
    parent = api_token(client, "sz-gs.supervisor")
    assert client.get(body["status_url"], headers=parent).status_code == 404
    caseworker = api_token(client, "sz-gs-pj.caseworker")
    refused = client.post("/api/v1/returns", json=BODY, headers=caseworker)
    assert refused.status_code == 403
    assert db.session.scalar(select(func.count(BackgroundJob.id))) == 2


def test_the_page_shows_progress_then_lands_on_the_compiled_version(app, client, network):
    app.config["JOBS_BACKEND"] = "runner"  # nothing runs the job until the test does
    login(client, "sz-gs-pj.supervisor")
    response = post_form(
        client, "/returns/compile", BODY, token_from=f"/returns/?kind=month&period={PERIOD}"
    )
    job_page = response.headers["Location"]
    page = client.get(job_page)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="compile-progress"' in html and 'http-equiv="refresh"' in html
    status = client.get(f"{job_page}/status").get_json()
    assert (status["status"], status["return_id"]) == ("queued", None)
    # a second click while it waits answers with the same job
    second = post_form(
        client, "/returns/compile", BODY, token_from=f"/returns/?kind=month&period={PERIOD}"
    )
    assert second.headers["Location"] == job_page
    assert engine.run_queued() == 1
    assert _versions() == 1
    status = client.get(f"{job_page}/status").get_json()
    assert status["status"] == "done" and status["url"].endswith("?v=1")
    landed = client.get(job_page, follow_redirects=True).get_data(as_text=True)
    assert 'data-testid="version-state"' in landed and "已按系统数据编制第 1 版" in landed
    other = app.test_client()
    login(other, "sz-gs.supervisor")
    assert other.get(job_page).status_code == 404
    assert other.get(f"{job_page}/status").status_code == 404


def test_a_worker_that_dies_is_redone_without_a_second_version(app, client, network):
    seed_figures(network)
    db.session.commit()
    app.config["JOBS_BACKEND"] = "runner"
    headers = api_token(client, "sz-gs-pj.supervisor")
    body = client.post("/api/v1/returns", json=BODY, headers=headers).get_json()
    job_id = body["job_id"]

    def died_running():
        job = db.session.get(BackgroundJob, job_id)
        job.status, job.heartbeat_at = "running", utcnow() - timedelta(minutes=5)
        job.attempts += 1
        db.session.commit()

    # the worker died while counting: nothing of the return was written; the redo compiles
    died_running()
    assert _versions() == 0
    assert engine.resume_stale() == 1
    assert engine.run_queued() == 1
    job = db.session.get(BackgroundJob, job_id)
    assert job.status == "done" and job.result["version"] == 1 and job.attempts == 2
    assert (_versions(), _compiled_audits()) == (1, 1)

    # the worker died after writing the version, before saying so: the redo finds its work
    died_running()
    assert engine.run_queued() == 1
    job = db.session.get(BackgroundJob, job_id)
    assert job.status == "done" and job.result == {
        "return_id": body["return_id"] or job.result["return_id"],
        "version": 1,
        "resumed": True,
    }
    assert (_versions(), _compiled_audits()) == (1, 1)
    status = client.get(f"/api/v1/returns/compile-jobs/{job_id}", headers=headers).get_json()
    assert status["version"] == 1 and status["version_url"].endswith("/versions/1")


def test_a_return_signed_while_the_job_waited_is_not_compiled_again(app, client, network):
    headers = api_token(client, "sz-gs-pj.supervisor")
    first = client.post("/api/v1/returns", json=BODY, headers=headers).get_json()
    return_id = client.get(first["status_url"], headers=headers).get_json()["return_id"]
    app.config["JOBS_BACKEND"] = "runner"
    waiting = client.post("/api/v1/returns", json=BODY, headers=headers).get_json()
    assert client.post(f"/api/v1/returns/{return_id}/sign", headers=headers).status_code == 200
    assert engine.run_queued() == 1
    status = client.get(waiting["status_url"], headers=headers).get_json()
    assert status["status"] == "done" and "已签报" in status["error"]
    assert "version_url" not in status
    assert _versions() == 1
    # and asking now is refused at once
    assert client.post("/api/v1/returns", json=BODY, headers=headers).status_code == 409


def test_a_yearly_return_counts_the_years_records_and_is_its_own_return(client, network):
    seed_figures(network)
    db.session.commit()
    headers = api_token(client, "sz-gs-pj.supervisor")
    month = client.post("/api/v1/returns", json=BODY, headers=headers).get_json()
    year = client.post(
        "/api/v1/returns", json={"period_kind": "year", "period": "2026"}, headers=headers
    ).get_json()
    month_status = client.get(month["status_url"], headers=headers).get_json()
    year_status = client.get(year["status_url"], headers=headers).get_json()
    assert year_status["return_id"] != month_status["return_id"]
    figures = client.get(year_status["version_url"], headers=headers).get_json()
    assert figures["period_kind"] == "year" and figures["period"] == "2026"
    # the factories' records are all made this month, so the year counts the same aid
    monthly = client.get(month_status["version_url"], headers=headers).get_json()
    assert figures["figures"]["aid.kind"] == monthly["figures"]["aid.kind"]
    assert figures["figures"]["aid.kind"]["living"] == [1, 150_000]
    # a year not begun is refused at once, with the field named
    bad = client.post(
        "/api/v1/returns", json={"period_kind": "year", "period": "2099"}, headers=headers
    )
    assert bad.status_code == 422 and "period" in bad.get_json()["error"]["fields"]
