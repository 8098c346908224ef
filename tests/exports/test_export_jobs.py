"""Exports above the inline limit run as background jobs: progress, the starter's download
(masked as inline), 404 for anyone else, the file encrypted at rest and purged."""

import csv
import io
import stat
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from assist.applicants.models import FileStatus
from assist.audit.models import AuditEntry
from assist.core.timeutil import local_today
from assist.extensions import db
from assist.funds import services
from assist.jobs.models import BackgroundJob
from tests.conftest import login
from tests.factories import make_applicant, make_standard, user
from tests.funds.factories import allocate_down, make_fund, make_ready_case


@pytest.fixture
def web(app, network):
    def make(username):
        client = app.test_client()
        assert login(client, username).status_code == 302
        return client

    return make


@pytest.fixture
def low_limit(app, monkeypatch):
    """A test-sized inline limit, and chunks small enough that a job reads several."""
    monkeypatch.setitem(app.config, "EXPORT_INLINE_ROWS", 3)
    monkeypatch.setitem(app.config, "EXPORT_CHUNK_ROWS", 2)
    return app


@pytest.fixture
def files(network):
    make_standard()
    pj = network["SZ-GS-PJ"]
    active = [make_applicant(pj, name=f"在档{n}") for n in range(6)]
    active.append(make_applicant(pj, name="=1+2"))  # a formula, neutralised
    returned = make_applicant(pj, name="退回乙", status=FileStatus.RETURNED)
    elsewhere = make_applicant(network["SZ-WZ"], name="别处丙")
    db.session.commit()
    return {"active": active, "returned": returned, "elsewhere": elsewhere}


def _job_id(response) -> int:
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    location = response.headers["Location"]
    assert location.startswith("/exports/"), location
    return int(location.rsplit("/", 1)[1])


def _sheet(data: bytes):
    return [list(r) for r in load_workbook(io.BytesIO(data)).active.iter_rows(values_only=True)]


def test_a_large_export_runs_as_a_job_and_its_starter_downloads_it(app, web, files, low_limit):
    cw = web("sz-gs-pj.caseworker")
    # At or under the limit: answered at once, as before.
    small = cw.get("/files/?status=returned&format=xlsx")
    assert small.status_code == 200 and small.mimetype.endswith("spreadsheetml.sheet")
    # Above it: a job, and the user lands on its progress page.
    job_id = _job_id(cw.get("/files/?status=active&format=xlsx"))
    page = cw.get(f"/exports/{job_id}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-testid="progress"' in html and f"/exports/{job_id}/status" in html
    assert 'aria-valuenow="100"' in html  # the test configuration runs jobs at once
    assert f'href="/exports/{job_id}/download"' in html
    status = cw.get(f"/exports/{job_id}/status").get_json()
    assert status["status"] == "done"
    assert status["done"] == status["total"] == 7
    assert status["percent"] == 100 and status["download_url"] == f"/exports/{job_id}/download"
    # The job read the rows in chunks of two (progress recorded after each).
    job = db.session.get(BackgroundJob, job_id)
    assert job.kind == "exports.list" and job.result["rows"] == 7

    download = cw.get(f"/exports/{job_id}/download")
    assert download.status_code == 200
    assert download.mimetype.endswith("spreadsheetml.sheet")
    assert download.headers["Cache-Control"] == "no-store"
    rows = _sheet(download.data)
    # Exactly the inline export of the same filters for the same user (limit raised).
    app.config["EXPORT_INLINE_ROWS"] = 5000
    inline = _sheet(cw.get("/files/?status=active&format=xlsx").data)
    assert rows == inline
    headers = rows[0]
    assert headers[:3] == ["档案编号", "姓名", "身份证号"]
    names = [r[1] for r in rows[1:]]
    assert len(names) == 7 and "退回乙" not in names and "别处丙" not in names
    assert "'=1+2" in names
    for applicant in files["active"]:
        line = next(r for r in rows if r[0] == applicant.file_no)
        assert line[2] == applicant.id_number[:6] + "********" + applicant.id_number[-4:]
        assert isinstance(line[2], str)
    wb = load_workbook(io.BytesIO(download.data)).active
    assert wb["C2"].number_format == "@" and wb["C2"].data_type == "s"
    assert wb.freeze_panes == "A2"

    # Audited: the start and the download.
    actions = db.session.scalars(
        select(AuditEntry.action).where(
            AuditEntry.object_type == "exports", AuditEntry.object_id == str(job_id)
        )
    ).all()
    assert sorted(actions) == ["list.export_downloaded", "list.export_started"]


def test_amounts_are_numbers_and_dates_dates_in_a_job_export(app, web, network, low_limit):
    fund = make_fund(received_fen=10_000_000)
    allocate_down(fund, [("sz.finance", "SZ-GS"), ("sz-gs.finance", "SZ-GS-PJ")], 5_000_000)
    for n in range(5):
        case = make_ready_case(network["SZ-GS-PJ"], amount_fen=100_050 + n)
        services.pay_case(
            case,
            acting_user=user("sz-gs-pj.finance"),
            fund=fund,
            amount_fen=case.amount_approved_fen,
            details=services.PaymentDetails(method="bank_transfer", reference=f"-R{n}"),
            idempotency_key=f"job-export-{n}",
        )
    db.session.commit()
    finance = web("sz-gs-pj.finance")
    today = local_today().isoformat()
    job_id = _job_id(finance.get(f"/funds/payments?from={today}&to={today}&format=xlsx"))
    wb = load_workbook(io.BytesIO(finance.get(f"/exports/{job_id}/download").data)).active
    rows = list(wb.iter_rows(values_only=True))
    headers = list(rows[0])
    amount, paid_at, reference = (headers.index(h) for h in ("金额", "发放时间", "银行流水号"))
    body = rows[1:]
    assert len(body) == 5
    assert sorted(float(r[amount]) for r in body) == [1000.5, 1000.51, 1000.52, 1000.53, 1000.54]
    assert all(isinstance(r[amount], (int, float)) for r in body)
    assert all(r[paid_at].date().isoformat() == today for r in body)
    assert {r[reference] for r in body} == {f"'-R{n}" for n in range(5)}  # neutralised
    # CSV too, in a job, with its byte-order mark.
    job_id = _job_id(finance.get(f"/funds/payments?from={today}&to={today}&format=csv"))
    data = finance.get(f"/exports/{job_id}/download").data
    assert data.startswith("\ufeff".encode())
    lines = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(lines) == 6 and lines[0][:3] == ["序号", "发放时间", "案件"]


def test_only_the_starter_in_the_same_scope_sees_the_job(app, web, files, low_limit):
    cw = web("sz-gs-pj.caseworker")
    job_id = _job_id(cw.get("/files/?format=csv"))
    assert cw.get(f"/exports/{job_id}/download").status_code == 200
    for other in ("sz-gs-pj.supervisor", "sz-gs-cl.caseworker", "sz.admin"):
        client = web(other)
        for url in (f"/exports/{job_id}", f"/exports/{job_id}/status"):
            assert client.get(url).status_code == 404, (other, url)
        assert client.get(f"/exports/{job_id}/download").status_code == 404, other
    assert cw.get("/exports/999999").status_code == 404
    # The starter moved to another station: the file was made for the old scope.
    starter = user("sz-gs-pj.caseworker")
    home = starter.centre_id
    starter.centre_id = user("sz-gs-cl.caseworker").centre_id
    db.session.commit()
    assert cw.get(f"/exports/{job_id}/download").status_code == 404
    assert cw.get(f"/exports/{job_id}").status_code == 404
    starter = user("sz-gs-pj.caseworker")
    starter.centre_id = home
    db.session.commit()
    assert cw.get(f"/exports/{job_id}/download").status_code == 200


def test_the_file_is_encrypted_at_rest_and_purged_after_its_retention(
    app, web, files, low_limit, runner
):
    cw = web("sz-gs-pj.caseworker")
    job_id = _job_id(cw.get("/files/?format=xlsx"))
    folder = Path(app.config["STORAGE_DIR"]) / "exports" / str(job_id)
    stored = folder / "result.xlsx"
    raw = stored.read_bytes()
    assert not raw.startswith(b"PK")  # not a plain XLSX (a ZIP)
    assert b"\xe5\x9c\xa8\xe6\xa1\xa3" not in raw  # no name in the clear
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    plain = cw.get(f"/exports/{job_id}/download").data
    assert plain.startswith(b"PK") and plain != raw
    # Within the retention period the hourly purge keeps it.
    result = runner.invoke(args=["jobs", "submit", "exports.purge_outputs"])
    assert result.exit_code == 0, result.output
    assert stored.exists()
    # Past it, the purge deletes the file; the job's row remains, marked expired.
    app.config["EXPORT_RETENTION_DAYS"] = 0
    result = runner.invoke(args=["jobs", "submit", "exports.purge_outputs"])
    assert result.exit_code == 0, result.output
    assert not stored.exists() and not folder.exists()
    assert cw.get(f"/exports/{job_id}/status").get_json()["status"] == "expired"
    assert cw.get(f"/exports/{job_id}/download").status_code == 410
    assert 'data-testid="expired"' in cw.get(f"/exports/{job_id}").get_data(as_text=True)
    assert db.session.scalar(
        select(AuditEntry.id).where(
            AuditEntry.action == "list.export_expired", AuditEntry.object_id == str(job_id)
        )
    )


def test_the_hard_cap_refuses_a_job_with_a_clear_message(app, web, files, low_limit):
    app.config["EXPORT_MAX_ROWS"] = 5
    cw = web("sz-gs-pj.caseworker")
    before = db.session.scalar(select(BackgroundJob.id).order_by(BackgroundJob.id.desc()))
    response = cw.get("/files/?status=active&format=xlsx", follow_redirects=True)
    assert "符合条件的记录超过 5 条：请缩小筛选范围" in response.get_data(as_text=True)
    assert db.session.scalar(select(BackgroundJob.id).order_by(BackgroundJob.id.desc())) == before


def test_a_worker_writes_the_file_in_the_starters_language(app, web, files, low_limit):
    """Run by a worker outside any request (as the local runner or RQ does): the headers and
    words are still the starter's language, and the rows the starter's."""
    from assist.jobs import engine
    from tests.conftest import post_form

    app.config["JOBS_BACKEND"] = "runner"  # queued only; this test body is the worker
    cw = web("sz-gs-pj.caseworker")
    post_form(cw, "/language", {"locale": "en", "next": "/"})
    job_id = _job_id(cw.get("/files/?status=active&format=csv"))
    assert cw.get(f"/exports/{job_id}/status").get_json()["status"] == "queued"
    assert 'http-equiv="refresh"' in cw.get(f"/exports/{job_id}").get_data(as_text=True)
    db.session.remove()
    assert engine.run_queued() == 1
    lines = list(
        csv.reader(io.StringIO(cw.get(f"/exports/{job_id}/download").data.decode("utf-8-sig")))
    )
    assert lines[0][:3] == ["File number", "Full name", "Resident ID"]
    assert len(lines) == 8
