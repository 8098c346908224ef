"""Batch printing in the background, on every core, resumable after a restart.

A job's items are rendered by a pool of worker processes (one per core); the parent builds
each document's data and HTML (quick database work) and records every finished PDF at once,
so a restart loses nothing that was finished. A job whose runner died (no heartbeat for
STALE_AFTER) is claimed again by the next runner and carries on with its pending items.
The runner itself is a job of the one job engine (`assist.jobs`): an RQ worker, or the
app's local runner process, never a web worker.
"""

import logging
import multiprocessing
import os
import zipfile
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from datetime import timedelta
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from pypdf import PdfWriter
from sqlalchemy import and_, func, or_, select, update

from assist.audit.services import record
from assist.core.errors import DomainError, ValidationError
from assist.core.timeutil import utcnow
from assist.documents import worker
from assist.documents.models import IssuedDocument, PrintJob, PrintJobItem
from assist.documents.registry import DocumentSpec, get_spec
from assist.documents.services import finish, prepare
from assist.extensions import db
from assist.jobs import engine
from assist.jobs.registry import register_kind

log = logging.getLogger(__name__)

STALE_AFTER = timedelta(seconds=60)
OPEN_STATES = ("queued", "running")

PRINT_KIND = "documents.print"


def create_job(spec: DocumentSpec, value: str, *, acting_user, output: str) -> PrintJob:
    """Queue a batch print of every subject the spec lists for `value` within the user's scope."""
    if output not in ("pdf", "zip"):
        raise ValidationError(
            _("Choose a merged PDF or a ZIP file."),
            fields={"output": _("Choose a merged PDF or a ZIP file.")},
        )
    subjects = spec.batch_subjects(acting_user, value) if spec.batch_subjects else []
    if not subjects:
        raise ValidationError(
            _("There is nothing to print for this choice."),
            fields={"value": _("There is nothing to print for this choice.")},
        )
    labels = dict(spec.batch_choices(acting_user)) if spec.batch_choices else {}
    job = PrintJob(
        kind=spec.kind,
        title=f"{spec.title} · {labels.get(value, value)}"[:200],
        output=output,
        params={"value": value},
        total=len(subjects),
        centre_id=acting_user.centre_id,
        created_by_id=acting_user.id,
        items=[
            PrintJobItem(seq=n, subject_id=sid, label=str(label)[:120])
            for n, (sid, label) in enumerate(subjects, start=1)
        ],
    )
    db.session.add(job)
    db.session.flush()
    record(
        "print_job.created",
        acting_user=acting_user,
        obj=job,
        centre=acting_user.centre,
        after={"kind": spec.kind, "value": value, "total": job.total, "output": output},
    )
    return job


def cancel_job(job: PrintJob, *, acting_user) -> None:
    if job.status not in OPEN_STATES:
        raise DomainError(_("This print job has already ended."))
    job.cancel_requested = True
    if job.status == "queued":
        job.status = "cancelled"
        job.finished_at = utcnow()
    record("print_job.cancelled", acting_user=acting_user, obj=job, centre=acting_user.centre)


def kick(app=None) -> None:
    """Hand runnable print jobs (queued, or stalled by a dead runner) to the job engine."""
    if db.session.scalar(select(PrintJob.id).where(_runnable()).limit(1)) is None:
        return
    engine.submit(PRINT_KIND, dedupe=True)
    db.session.commit()


def _run_print_jobs(params: dict) -> dict:
    """The job kind: run every runnable print job in this worker."""
    return {"print_jobs": run_pending(current_app._get_current_object())}


def run_pending(app) -> int:
    """Run runnable jobs until none is left; return how many were run."""
    count = 0
    while (job_id := _claim_next(app)) is not None:
        try:
            _run(app, job_id)
        except Exception:  # the job is marked failed; the runner keeps going
            log.exception("print job %s failed", job_id)
            with app.app_context():
                db.session.rollback()
                job = db.session.get(PrintJob, job_id)
                job.status, job.error, job.finished_at = "failed", "internal error", utcnow()
                db.session.commit()
        count += 1
    return count


def _runnable():
    stale = utcnow() - STALE_AFTER
    return or_(
        PrintJob.status == "queued",
        and_(PrintJob.status == "running", PrintJob.heartbeat_at < stale),
    )


def _claim_next(app) -> int | None:
    with app.app_context():
        while True:
            job_id = db.session.scalar(
                select(PrintJob.id).where(_runnable()).order_by(PrintJob.id).limit(1)
            )
            if job_id is None:
                db.session.rollback()
                return None
            now = utcnow()
            claimed = db.session.execute(
                update(PrintJob)
                .where(PrintJob.id == job_id, _runnable())
                .values(
                    status="running",
                    heartbeat_at=now,
                    started_at=func.coalesce(PrintJob.started_at, now),
                )
            ).rowcount
            db.session.commit()
            if claimed == 1:
                return job_id


def job_dir(job: PrintJob) -> Path:
    path = Path(current_app.config["STORAGE_DIR"]) / "print-jobs" / str(job.id)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _run(app, job_id: int) -> None:
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        spec = get_spec(job.kind)
        user = job.created_by
        out = job_dir(job)
        pending = iter([item.id for item in job.items if item.status == "pending"])
        workers = os.cpu_count() or 1
        context = multiprocessing.get_context("spawn")
        in_flight: dict = {}
        with ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=worker.warm_up
        ) as pool:

            def submit_next() -> bool:
                for item_id in pending:
                    item = db.session.get(PrintJobItem, item_id)
                    try:
                        subject = spec.load(user, item.subject_id)
                    except DomainError as exc:  # moved out of scope, deleted, role changed
                        item.status, item.error = "failed", str(exc)[:500]
                        job.done += 1
                        db.session.commit()
                        continue
                    existing = (
                        db.session.get(IssuedDocument, item.document_id)
                        if item.document_id
                        else None
                    )
                    document, html = prepare(
                        spec, subject, acting_user=user, print_job_id=job.id, document=existing
                    )
                    item.document_id = document.id
                    db.session.commit()
                    in_flight[pool.submit(worker.render, html)] = item.id
                    return True
                return False

            for _ in range(workers * 2):
                if not submit_next():
                    break
            while in_flight:
                finished, _ = wait(list(in_flight), timeout=5, return_when=FIRST_COMPLETED)
                db.session.refresh(job)
                if job.cancel_requested:
                    for future in in_flight:
                        future.cancel()
                    job.status, job.finished_at = "cancelled", utcnow()
                    db.session.commit()
                    return
                for future in finished:
                    item = db.session.get(PrintJobItem, in_flight.pop(future))
                    try:
                        pdf = future.result()
                    except Exception as exc:  # noqa: BLE001 - recorded on the item
                        item.status, item.error = "failed", str(exc)[:500]
                    else:
                        path = out / f"{item.seq:05d}.pdf"
                        path.write_bytes(pdf)
                        document = db.session.get(IssuedDocument, item.document_id)
                        finish(document, pdf, acting_user=user)
                        item.status, item.file_path = "done", str(path)
                    job.done += 1
                    job.heartbeat_at = utcnow()
                    db.session.commit()
                    submit_next()
                job.heartbeat_at = utcnow()
                db.session.commit()
        _assemble(job, out)
        db.session.commit()


def _assemble(job: PrintJob, out: Path) -> None:
    done = [item for item in job.items if item.status == "done"]
    if job.output == "zip":
        result = out / "result.zip"
        with zipfile.ZipFile(result, "w", zipfile.ZIP_DEFLATED) as archive:
            for item in done:
                archive.write(item.file_path, arcname=f"{item.seq:05d}-{_safe(item.label)}.pdf")
    else:
        result = out / "result.pdf"
        writer = PdfWriter()
        for item in done:
            writer.append(item.file_path)
        with result.open("wb") as fh:
            writer.write(fh)
    job.result_path = str(result)
    failed = len(job.items) - len(done)
    job.status = "done" if not failed else "done_with_errors"
    job.error = _("%(n)d document(s) could not be printed.", n=failed) if failed else ""
    job.finished_at = utcnow()


# Every minute the engine also resumes a print job whose runner died.
register_kind(PRINT_KIND, _run_print_jobs, every=60, timeout=6 * 3600)


def _safe(label: str) -> str:
    return "".join(ch for ch in label if ch.isalnum() or ch in "-_")[:60] or "document"
