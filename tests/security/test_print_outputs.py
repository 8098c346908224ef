"""Batch print outputs hold personal data (issue 11, finding 1; PIPL).

A batch is rendered at its starter's masking level, recorded on the job; only users who could
print every document in it with that masking may download it (others: 404). Outputs are
encrypted at rest, private to the app's user, deleted after PRINT_OUTPUT_RETENTION_DAYS (by
`flask print-jobs purge` and by the job runner), each deletion audited, the job kept as expired.
"""

import io
import logging
import re
import stat
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from assist.applicants.models import Applicant
from assist.audit.models import AuditEntry
from assist.core.timeutil import utcnow
from assist.documents import jobs
from assist.documents.models import PrintJob, PrintJobItem
from assist.extensions import db
from tests.conftest import api_token, login
from tests.documents.builders import register_file
from tests.factories import user

STATION = "SZ-GS-PJ"
ACCOUNT = "6222021102001234567"  # every test household's bank account (tests.documents.builders)
FULL_ID = re.compile(rb"(?<!\d)\d{17}[\dX](?!\d)")


@pytest.fixture(autouse=True)
def runner_is_called_by_the_test(monkeypatch):
    """The pages hand jobs to the engine; here each test runs the print runner itself."""
    monkeypatch.setattr(jobs, "kick", lambda app=None: None)


def _households(count: int = 2) -> list[tuple[str, str]]:
    """Active files at the station; their heads' (file number, full resident ID)."""
    out = []
    for n in range(count):
        applicant = register_file(STATION, n=n)
        out.append((applicant.file_no, applicant.id_number))
    db.session.commit()
    return out


def _start_batch(app, client, username: str, output: str = "zip") -> int:
    """The reproduction: POST /api/v1/print-jobs as `username`, then let the runner print it."""
    response = client.post(
        "/api/v1/print-jobs",
        json={"kind": "case_file", "value": STATION, "output": output},
        headers=api_token(client, username),
    )
    assert response.status_code == 201, response.get_json()
    job_id = response.get_json()["id"]
    assert jobs.run_pending(app) == 1
    db.session.rollback()  # see what the runner committed
    assert db.session.get(PrintJob, job_id).status == "done"
    return job_id


def _download(app, username: str, job_id: int):
    client = app.test_client()
    login(client, username)
    return client.get(f"/print-jobs/{job_id}/download")


def _text(data: bytes, output: str) -> str:
    """All the text a downloaded output shows (every PDF in a ZIP)."""
    if output == "zip":
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            pdfs = [archive.read(name) for name in archive.namelist()]
    else:
        pdfs = [data]
    text = "".join(page.extract_text() for pdf in pdfs for page in PdfReader(io.BytesIO(pdf)).pages)
    return re.sub(r"\s+", "", text)


@pytest.mark.slow
def test_a_caseworkers_full_id_batch_is_not_downloadable_by_finance_and_others(
    app, client, network
):
    """The reproduction of issue 11: the station's finance user downloaded ~170 full IDs."""
    heads = _households(2)
    job_id = _start_batch(app, client, f"{STATION.lower()}.caseworker")
    finance = f"{STATION.lower()}.finance"
    for username in (
        finance,
        f"{STATION.lower()}.auditor",
        f"{STATION.lower()}.admin",
        "sz-gs.finance",
        "sz-gs.auditor",
        "sz-gs.admin",
        "sz.finance",
        "sz.auditor",
        "sz.admin",
    ):
        response = _download(app, username, job_id)
        assert response.status_code == 404, username
        body = response.get_data()
        assert not FULL_ID.search(body) and ACCOUNT.encode() not in body, username
        for _file_no, number in heads:
            assert number.encode() not in body
    # Finance sees the job, but no download is offered.
    status = app.test_client()
    login(status, finance)
    assert status.get(f"/print-jobs/{job_id}/status").get_json()["download_url"] is None
    page = status.get(f"/print-jobs/{job_id}").get_data(as_text=True)
    assert 'class="btn btn-success d-none"' in page
    api = client.get(f"/api/v1/print-jobs/{job_id}", headers=api_token(client, finance)).get_json()
    assert api["download_url"] is None


@pytest.mark.slow
def test_the_starter_and_others_with_full_rights_get_the_full_batch_stored_encrypted(
    app, client, network
):
    heads = _households(2)
    job_id = _start_batch(app, client, f"{STATION.lower()}.caseworker")
    job = db.session.get(PrintJob, job_id)
    # On disk: encrypted (neither a ZIP nor a PDF in the clear, no number), private to the app.
    path = Path(job.result_path)
    raw = path.read_bytes()
    assert not raw.startswith(b"PK") and not raw.startswith(b"%PDF") and b"%PDF" not in raw
    assert not FULL_ID.search(raw) and ACCOUNT.encode() not in raw
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == [path.name]  # single PDFs dropped
    assert job.shows_full_ids is True  # the masking level it was rendered with
    # Users who may print these files with full IDs get them, decrypted, as they would singly.
    for username in (
        f"{STATION.lower()}.caseworker",
        f"{STATION.lower()}.supervisor",
        "sz-gs.supervisor",
    ):
        response = _download(app, username, job_id)
        assert response.status_code == 200, username
        assert response.headers["Cache-Control"] == "no-store"
        text = _text(response.get_data(), "zip")
        for file_no, number in heads:
            assert file_no in text and number in text
        assert ACCOUNT in text
    downloads = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "print_job.downloaded")
    ).all()
    assert len(downloads) == 3


@pytest.mark.slow
def test_a_finance_batch_is_masked_and_downloadable_at_its_level(app, client, network):
    heads = _households(2)
    job_id = _start_batch(app, client, f"{STATION.lower()}.finance", output="pdf")
    assert db.session.get(PrintJob, job_id).shows_full_ids is False
    for username in (f"{STATION.lower()}.finance", f"{STATION.lower()}.caseworker", "sz.auditor"):
        response = _download(app, username, job_id)
        assert response.status_code == 200, username
        data = response.get_data()
        assert data.startswith(b"%PDF")
        text = _text(data, "pdf")
        for file_no, number in heads:
            assert file_no in text and number not in text
            assert f"{number[:6]}********{number[-4:]}" in text
        assert ACCOUNT not in text and not FULL_ID.search(text.encode())
    # A role that may not print case files at all does not get them from a batch either.
    assert _download(app, "sz.admin", job_id).status_code == 404


# --- retention --------------------------------------------------------------------------------


def _finished_job(app, *, days_ago: float, full: bool = True) -> PrintJob:
    """A finished case-file batch of one file, its output stored as the runner stores it."""
    from assist.core.crypto import write_encrypted

    applicant = db.session.scalars(select(Applicant)).first() or register_file(STATION)
    job = PrintJob(
        kind="case_file",
        title="case files",
        output="pdf",
        status="done",
        total=1,
        done=1,
        shows_full_ids=full,
        centre_id=applicant.centre_id,
        created_by_id=user(f"{STATION.lower()}.caseworker").id,
        finished_at=utcnow() - timedelta(days=days_ago),
        items=[
            PrintJobItem(seq=1, subject_id=applicant.id, label=applicant.file_no, status="done")
        ],
    )
    db.session.add(job)
    db.session.flush()
    path = jobs.job_dir(job) / "result.pdf"
    write_encrypted(
        path, b"%PDF-1.4\n" + applicant.id_number.encode() + b"\n%%EOF\n", purpose=jobs.FILE_PURPOSE
    )
    job.result_path = str(path)
    db.session.commit()
    return job


def test_purge_deletes_outputs_past_retention_audits_and_keeps_the_job_as_expired(
    app, runner, network
):
    old = _finished_job(app, days_ago=7.5)
    recent = _finished_job(app, days_ago=6)
    old_path, recent_path = Path(old.result_path), Path(recent.result_path)
    assert app.config["PRINT_OUTPUT_RETENTION_DAYS"] == 7

    result = runner.invoke(args=["print-jobs", "purge"])
    assert result.exit_code == 0, result.output
    assert "1 print job output(s) deleted" in result.output
    db.session.rollback()
    assert not old_path.exists() and not old_path.parent.exists()
    assert recent_path.exists()
    old, recent = db.session.get(PrintJob, old.id), db.session.get(PrintJob, recent.id)
    assert (old.status, old.result_path) == ("expired", "") and old.expired_at is not None
    assert recent.status == "done" and recent.expired_at is None
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "print_job.expired")
    ).one()
    assert entry.object_id == str(old.id) and entry.after["files_deleted"] == 1
    assert entry.after["reason"] == "retention"

    client = app.test_client()
    login(client, f"{STATION.lower()}.caseworker")
    gone = client.get(f"/print-jobs/{old.id}/download")
    assert gone.status_code == 410
    assert "7" in gone.get_data(as_text=True) and "新" in gone.get_data(as_text=True)
    status = client.get(f"/print-jobs/{old.id}/status").get_json()
    assert status["status"] == "expired" and status["download_url"] is None
    assert 'data-testid="expired"' in client.get(f"/print-jobs/{old.id}").get_data(as_text=True)
    assert "文件已过期" in client.get("/print-jobs/").get_data(as_text=True)
    headers = api_token(client, f"{STATION.lower()}.caseworker")
    api = client.get(f"/api/v1/print-jobs/{old.id}", headers=headers).get_json()
    assert api["status"] == "expired" and api["download_url"] is None
    # Still a 404, not a 410, for a user who could never have downloaded it.
    finance = app.test_client()
    login(finance, f"{STATION.lower()}.finance")
    assert finance.get(f"/print-jobs/{old.id}/download").status_code == 404
    # A second purge finds nothing more to do.
    assert "0 print job output(s) deleted" in runner.invoke(args=["print-jobs", "purge"]).output


def test_the_job_runner_purges_expired_outputs(app, network):
    from assist.jobs import engine
    from assist.jobs.registry import get_kind

    assert get_kind(jobs.PURGE_KIND).every == 3600  # the runner's periodic work
    old = _finished_job(app, days_ago=30)
    path = Path(old.result_path)
    engine.submit(jobs.PURGE_KIND)
    db.session.commit()  # the test configuration runs jobs at once
    db.session.rollback()
    assert not path.exists()
    assert db.session.get(PrintJob, old.id).status == "expired"
    ran = engine.latest(jobs.PURGE_KIND)
    assert ran.status == "done" and ran.result == {"expired": 1}


def test_an_output_stored_in_the_clear_by_an_earlier_version_is_purged_at_once(
    app, runner, network
):
    job = _finished_job(app, days_ago=0)
    path = Path(job.result_path)
    path.write_bytes(b"%PDF-1.4\n%%EOF\n")
    client = app.test_client()
    login(client, f"{STATION.lower()}.caseworker")
    assert client.get(f"/print-jobs/{job.id}/download").status_code == 404  # never served
    runner.invoke(args=["print-jobs", "purge"])
    db.session.rollback()
    assert not path.exists() and db.session.get(PrintJob, job.id).status == "expired"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "print_job.expired")
    ).one()
    assert entry.after["reason"] == "stored_in_clear"


def test_a_tampered_or_truncated_output_is_refused(app, network):
    from assist.core.crypto import read_encrypted_bytes, write_encrypted

    path = Path(app.config["STORAGE_DIR"]) / "x" / "out.bin"
    data = bytes(range(256)) * 9000  # more than one chunk
    write_encrypted(path, data, purpose="test")
    assert read_encrypted_bytes(path, purpose="test") == data
    with pytest.raises(ValueError):
        read_encrypted_bytes(path, purpose="other")
    raw = path.read_bytes()
    path.write_bytes(raw[: len(raw) // 2])
    with pytest.raises(ValueError):
        read_encrypted_bytes(path, purpose="test")


# --- masking in logs and job errors -------------------------------------------------------------


def test_job_errors_and_logs_mask_ids_and_accounts(app, caplog):
    from assist.jobs import engine
    from assist.jobs.registry import _KINDS, register_kind

    number = "320508197603140011"

    def fails(params):
        raise ValueError(f"cannot print {number} account {ACCOUNT}")

    register_kind("tests.fails", fails)
    try:
        with caplog.at_level(logging.ERROR, logger="assist.jobs.engine"):
            job = engine.submit("tests.fails")
            db.session.commit()
    finally:
        _KINDS.pop("tests.fails")
    db.session.rollback()
    error = engine.latest("tests.fails").error
    assert job.id and number not in error and ACCOUNT not in error
    assert "320508********0011" in error and "4567" in error
    logged = caplog.text
    assert "cannot print" in logged and number not in logged and ACCOUNT not in logged
