"""Batch printing of payment vouchers: merged PDF, ZIP, cancel, resume after a restart."""

import hashlib
import io
import os
import zipfile
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from assist.core.crypto import read_encrypted_bytes, write_encrypted
from assist.core.timeutil import utcnow
from assist.documents import jobs
from assist.documents.models import IssuedDocument, PrintJob
from assist.documents.pdf import render_pdf
from assist.documents.registry import get_spec
from assist.documents.services import finish, prepare, static_root
from assist.extensions import db
from tests.conftest import api_token, login, post_form
from tests.documents.funds_data import NAMES, funded_station, paid_batch, pdf_text
from tests.factories import user
from tests.test_statement_counts import counting


@pytest.fixture(autouse=True)
def no_background_runner(monkeypatch):
    """The pages start a runner thread; here each test runs the runner itself."""
    monkeypatch.setattr(jobs, "kick", lambda app=None: None)


def _job(batch, output="pdf", username="sz-gs-pj.finance") -> PrintJob:
    job = jobs.create_job(
        get_spec("voucher"), str(batch.id), acting_user=user(username), output=output
    )
    db.session.commit()
    return job


def _output(job: PrintJob) -> bytes:
    """The job's output, decrypted (it is stored encrypted)."""
    return read_encrypted_bytes(job.result_path, purpose=jobs.FILE_PURPOSE)


def _reload(job_id: int) -> PrintJob:
    db.session.rollback()  # end this session's read transaction: the runner used its own
    return db.session.get(PrintJob, job_id)


def test_batch_choices_are_paid_batches_in_scope(network):
    batch = paid_batch(network, count=2)
    spec = get_spec("voucher")
    label = f"{batch.batch_no} 2026年春节送温暖"
    assert spec.batch_choices(user("sz-gs-pj.finance")) == [(str(batch.id), label)]
    assert spec.batch_choices(user("sz-gs.auditor")) == [(str(batch.id), label)]
    assert spec.batch_choices(user("sz-gs-cl.finance")) == []
    assert spec.batch_subjects(user("sz-gs-cl.finance"), str(batch.id)) == []
    assert [s for s, _label in spec.batch_subjects(user("sz.finance"), str(batch.id))] == [
        item.payment_id for item in batch.items
    ]


def test_runner_prints_a_merged_pdf_of_the_batch_vouchers(app, network):
    batch = paid_batch(network, count=4)
    job = _job(batch)
    assert (job.total, job.status) == (4, "queued")
    assert jobs.run_pending(app) == 1
    job = _reload(job.id)
    assert (job.status, job.done, job.percent, job.error) == ("done", 4, 100, "")
    pages, text = pdf_text(_output(job))
    assert pages == 4
    documents = db.session.scalars(
        select(IssuedDocument).where(IssuedDocument.print_job_id == job.id)
    ).all()
    assert len(documents) == 4 and all(d.page_count == 1 and d.sha256 for d in documents)
    for name, document in zip(NAMES, documents, strict=False):
        assert name in text and document.doc_no in text
    # The single documents are dropped once merged: only the (encrypted) output remains.
    assert all(item.file_path == "" for item in job.items)


def test_runner_prints_a_zip_with_one_pdf_per_voucher(app, network):
    batch = paid_batch(network, count=3)
    job = _job(batch, output="zip")
    jobs.run_pending(app)
    job = _reload(job.id)
    assert job.status == "done" and job.result_path.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(_output(job))) as archive:
        names = archive.namelist()
        assert len(names) == 3 and all(n.endswith(".pdf") for n in names)
        for name, item in zip(names, job.items, strict=True):
            assert len(PdfReader(io.BytesIO(archive.read(name))).pages) == 1
            # Each document in the archive is the one recorded.
            document = db.session.get(IssuedDocument, item.document_id)
            assert hashlib.sha256(archive.read(name)).hexdigest() == document.sha256


def test_a_cancelled_job_prints_nothing(app, client, network):
    batch = paid_batch(network, count=2)
    job = _job(batch)
    login(client, "sz-gs-pj.finance")
    response = post_form(client, f"/print-jobs/{job.id}/cancel", token_from=f"/print-jobs/{job.id}")
    assert response.status_code == 302
    job = _reload(job.id)
    assert job.status == "cancelled" and job.cancel_requested
    assert jobs.run_pending(app) == 0
    assert db.session.scalar(select(func.count(IssuedDocument.id))) == 0
    status = client.get(f"/print-jobs/{job.id}/status").get_json()
    assert status["status"] == "cancelled" and status["download_url"] is None


def test_a_running_job_stops_when_cancelled(app, network, monkeypatch):
    """Cancelling while the pool works: the runner sees the flag and stops."""
    count = 2 * (os.cpu_count() or 1) + 2  # more than the runner keeps in flight
    batch = paid_batch(network, count=count)
    job = _job(batch)
    real_finish = jobs.finish

    def finish_then_cancel(document, pdf, *, acting_user):
        real_finish(document, pdf, acting_user=acting_user)
        db.session.execute(
            PrintJob.__table__.update().where(PrintJob.id == job.id).values(cancel_requested=True)
        )

    monkeypatch.setattr(jobs, "finish", finish_then_cancel)
    jobs.run_pending(app)
    job = _reload(job.id)
    assert job.status == "cancelled" and job.done < count and not job.result_path


def test_runner_resumes_a_job_whose_process_died(app, network):
    batch = paid_batch(network, count=4)
    job = _job(batch)
    spec = get_spec("voucher")
    owner = job.created_by
    out = jobs.job_dir(job)
    # A runner finished the first two items, then its process died mid-job.
    finished = {}
    for item in job.items[:2]:
        subject = spec.load(owner, item.subject_id)
        document, html = prepare(spec, subject, acting_user=owner, print_job_id=job.id)
        pdf = render_pdf(html, static_root=static_root())
        finish(document, pdf, acting_user=owner)
        path = out / f"{item.seq:05d}.pdf"
        write_encrypted(path, pdf, purpose=jobs.FILE_PURPOSE)
        item.status, item.file_path, item.document_id = "done", str(path), document.id
        finished[item.id] = (document.id, document.sha256)
    job.done, job.status = 2, "running"
    job.started_at = job.heartbeat_at = utcnow() - timedelta(minutes=10)
    db.session.commit()
    # A fresh runner (after the restart) picks the stale job up and carries on.
    assert jobs.run_pending(app) == 1
    job = _reload(job.id)
    assert (job.status, job.done, job.total) == ("done", 4, 4)
    assert db.session.scalar(select(func.count(IssuedDocument.id))) == 4
    for item in job.items:
        if item.id in finished:
            document_id, sha = finished[item.id]
            assert item.document_id == document_id
            assert db.session.get(IssuedDocument, document_id).sha256 == sha
    assert len(PdfReader(io.BytesIO(_output(job))).pages) == 4


def test_a_live_job_is_not_taken_over(app, network):
    batch = paid_batch(network, count=2)
    job = _job(batch)
    job.status, job.heartbeat_at = "running", utcnow()
    db.session.commit()
    assert jobs.run_pending(app) == 0
    assert _reload(job.id).done == 0


def test_print_job_through_the_api_is_scoped(app, client, network):
    batch = paid_batch(network, count=2)
    headers = api_token(client, "sz-gs-pj.finance")
    response = client.post(
        "/api/v1/print-jobs",
        json={"kind": "voucher", "value": str(batch.id), "output": "pdf"},
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    job_id = response.get_json()["id"]
    assert response.get_json()["total"] == 2
    jobs.run_pending(app)
    body = client.get(f"/api/v1/print-jobs/{job_id}", headers=headers).get_json()
    assert body["status"] == "done" and body["percent"] == 100 and body["download_url"]
    outside = api_token(client, "sz-gs-cl.finance")
    assert client.get(f"/api/v1/print-jobs/{job_id}", headers=outside).status_code == 404
    refused = client.post(
        "/api/v1/print-jobs", json={"kind": "voucher", "value": str(batch.id)}, headers=outside
    )
    assert refused.status_code == 422


def test_command_line_runs_waiting_jobs(app, runner, network):
    """`flask --app assist print-jobs run` prints without any web request to start a runner."""
    batch = paid_batch(network, count=2)
    job = _job(batch, output="zip")
    result = runner.invoke(args=["print-jobs", "run"])
    assert result.exit_code == 0, result.output
    assert "1 print job(s) run" in result.output
    job = _reload(job.id)
    assert (job.status, job.done) == ("done", 2)
    with zipfile.ZipFile(io.BytesIO(_output(job))) as archive:
        assert len(archive.namelist()) == 2
    listing = runner.invoke(args=["print-jobs", "list"]).output
    assert f"{job.id:6} done" in listing


def test_job_page_and_download_check_the_batch_in_one_query(app, client, network, tmp_path):
    """The download check loads the subjects of a batch at once, not one query per document:
    a batch of 50 costs the job page and the download as many statements as a batch of 5."""
    fund = funded_station(network, amount_fen=9_000_000)
    login(client, "sz-gs-pj.finance")
    counts = {}
    for size in (5, 50):
        job = _job(paid_batch(network, count=size, fund=fund))
        # Finished as a runner leaves it (the rendering itself is tested above).
        for item in job.items:
            item.status = "done"
        path = tmp_path / f"job-{size}.pdf"
        write_encrypted(path, b"%PDF-1.4 merged", purpose=jobs.FILE_PURPOSE)
        job.result_path, job.status, job.done = str(path), "done", size
        db.session.commit()
        with counting() as statements:
            page = client.get(f"/print-jobs/{job.id}")
            download = client.get(f"/print-jobs/{job.id}/download")
            assert page.status_code == 200 and download.status_code == 200
            assert f"/print-jobs/{job.id}/download" in page.get_data(as_text=True)
            assert download.get_data() == b"%PDF-1.4 merged"
        counts[size] = len(statements)
    assert counts[5] == counts[50], counts
    # Still refused outside the scope.
    other = app.test_client()
    login(other, "sz-gs-cl.finance")
    assert other.get(f"/print-jobs/{job.id}/download").status_code == 404


@pytest.mark.parametrize("nice", [7, 0])
def test_the_renderer_processes_run_at_the_configured_niceness(app, nice):
    """JOB_NICE lowers the CPU priority of the pool's renderer processes so a batch print
    yields the CPU to the web workers; 0 leaves them at the runner's own priority."""
    from assist.documents import worker

    app.config["JOB_NICE"] = nice
    base = os.getpriority(os.PRIO_PROCESS, 0)
    with jobs.render_pool(2) as pool:
        reported = {pool.submit(worker.niceness).result() for _ in range(4)}
        # and the niced renderers still render
        pdf = pool.submit(worker.render, "<p>低优先级</p>").result()
    assert reported == {max(base, nice)}
    assert pdf.startswith(b"%PDF")
    assert os.getpriority(os.PRIO_PROCESS, 0) == base  # the runner process itself: untouched
