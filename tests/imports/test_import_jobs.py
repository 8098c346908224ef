"""A large ledger is checked and imported by jobs of the engine, with progress as JSON."""

import re

from sqlalchemy import func, select

from assist.applicants.models import Applicant, FileStatus
from assist.extensions import db
from assist.imports.models import LedgerImport
from assist.jobs import engine
from assist.jobs.models import BackgroundJob
from tests.conftest import login, post_form
from tests.factories import make_applicant, make_standard
from tests.imports.helpers import ledger_rows, xlsx_bytes
from tests.imports.test_ledger_import import _check, _upload


def _jobs(kind):
    return db.session.scalars(select(BackgroundJob).where(BackgroundJob.kind == kind)).all()


def test_large_ledger_is_checked_and_imported_by_jobs_with_the_same_outcome(app, client, network):
    app.config["IMPORT_INLINE_ROWS"] = 3  # the test ledger has 9 rows: above it
    make_standard()
    held = make_applicant(network["SZ-GS-CL"])
    rows, ids = ledger_rows(held.id_number)
    before = db.session.scalar(select(func.count(Applicant.id)))
    login(client, "sz-gs-pj.caseworker")
    import_id = _upload(client, xlsx_bytes(rows), "台账.xlsx")

    html = _check(client, import_id).get_data(as_text=True)
    [job] = _jobs("imports.check")
    assert job.status == "done" and job.params["import_id"] == import_id, job.error
    assert db.session.scalar(select(func.count(Applicant.id))) == before
    problems = dict(re.findall(r"<tr><td>(\d+)</td>.*?<ul class=\"mb-0\">(.*?)</ul>", html, re.S))
    assert set(problems) == {"4", "5", "6", "7", "8", "9"}  # as the in-request check says
    assert "第 2 行" in problems["6"]  # in the language of the user who started it
    status = client.get(f"/imports/{import_id}/status").get_json()
    assert status["status"] == "checked" and status["percent"] == 100
    assert (status["valid_rows"], status["running"]) == (3, False)

    post_form(
        client, f"/imports/{import_id}/confirm", token_from=f"/imports/{import_id}", follow=True
    )
    [job] = _jobs("imports.confirm")
    assert job.status == "done" and job.result["imported_files"] == 2, job.error
    files = db.session.scalars(
        select(Applicant).where(Applicant.centre_id == network["SZ-GS-PJ"].id)
    ).all()
    assert sorted(f.name for f in files) == ["王建国", "陈二"]
    wang = next(f for f in files if f.name == "王建国")
    assert wang.status == FileStatus.APPLIED and [m.name for m in wang.members] == ["李秀英"]
    status = client.get(f"/imports/{import_id}/status").get_json()
    assert (status["status"], status["imported_files"], status["percent"]) == ("imported", 2, 100)
    # confirming again is refused, and queues nothing
    post_form(
        client, f"/imports/{import_id}/confirm", token_from=f"/imports/{import_id}", follow=True
    )
    assert len(_jobs("imports.confirm")) == 1


def test_progress_json_while_the_job_waits_then_after_it_ran(app, client, network):
    app.config["IMPORT_INLINE_ROWS"] = 3
    make_standard()
    rows, _ids = ledger_rows(make_applicant(network["SZ-GS-CL"]).id_number)
    login(client, "sz-gs-pj.caseworker")
    import_id = _upload(client, xlsx_bytes(rows), "台账.xlsx")
    app.config["JOBS_BACKEND"] = "runner"  # nothing runs the job until we do
    page = _check(client, import_id).get_data(as_text=True)
    assert 'data-testid="progress"' in page and 'http-equiv="refresh"' in page
    waiting = client.get(f"/imports/{import_id}/status").get_json()
    assert (waiting["status"], waiting["running"], waiting["done"]) == ("checking", True, 0)
    assert waiting["total"] == 9
    # the page offers neither the check nor the import while the job runs
    assert 'data-testid="check"' not in page and 'data-testid="confirm"' not in page
    assert engine.run_queued() == 1
    after = client.get(f"/imports/{import_id}/status").get_json()
    assert (after["status"], after["running"], after["done"]) == ("checked", False, 9)
    assert db.session.get(LedgerImport, import_id).invalid_rows == 6


def test_other_centres_cannot_read_the_progress(app, client, network):
    make_standard()
    rows, _ids = ledger_rows(make_applicant(network["SZ-GS-CL"]).id_number)
    login(client, "sz-gs-pj.caseworker")
    import_id = _upload(client, xlsx_bytes(rows), "台账.xlsx")
    other = client.application.test_client()
    login(other, "sz-wz-cq.caseworker")
    assert other.get(f"/imports/{import_id}/status").status_code == 404


def test_a_confirm_job_that_fails_returns_the_import_to_checked_with_a_message(
    app, client, network, monkeypatch
):
    app.config["IMPORT_INLINE_ROWS"] = 3
    make_standard()
    rows, _ids = ledger_rows(make_applicant(network["SZ-GS-CL"]).id_number)
    login(client, "sz-gs-pj.caseworker")
    import_id = _upload(client, xlsx_bytes(rows), "台账.xlsx")
    _check(client, import_id)
    from assist.imports import services

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "register_household", broken)
    post_form(
        client, f"/imports/{import_id}/confirm", token_from=f"/imports/{import_id}", follow=True
    )
    [job] = _jobs("imports.confirm")
    assert job.status == "failed"
    status = client.get(f"/imports/{import_id}/status").get_json()
    assert status["status"] == "checked" and "意外错误" in status["error"]
    assert "disk full" not in status["error"]
    monkeypatch.undo()
    page = client.get(f"/imports/{import_id}").get_data(as_text=True)
    assert 'data-testid="confirm"' in page  # it may be started again
