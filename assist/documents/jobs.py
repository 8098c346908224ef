"""Batch printing in the background, on every core, resumable after a restart.

A job's items are rendered by a pool of worker processes (one per core); the parent builds
each document's data and HTML (quick database work) and records every finished PDF at once,
so a restart loses nothing that was finished. A job whose runner died (no heartbeat for
STALE_AFTER) is claimed again by the next runner and carries on with its pending items.
The runner itself is a job of the one job engine (`assist.jobs`): an RQ worker, or the
app's local runner process, never a web worker.
"""

import io
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
from assist.centres.scoping import not_found
from assist.core.crypto import (
    EncryptedWriter,
    is_encrypted_file,
    read_encrypted_bytes,
    write_encrypted,
)
from assist.core.errors import DomainError, ValidationError
from assist.core.masking import RedactingFilter, redact_numbers
from assist.core.timeutil import utcnow
from assist.documents import worker
from assist.documents.models import IssuedDocument, PrintJob, PrintJobItem
from assist.documents.registry import DocumentSpec, get_spec
from assist.documents.services import finish, may_show_full_ids, prepare
from assist.extensions import db
from assist.jobs import engine, outputs
from assist.jobs.registry import register_kind

log = logging.getLogger(__name__)

log.addFilter(RedactingFilter())  # a failed document's exception may quote its data

STALE_AFTER = timedelta(seconds=60)
OPEN_STATES = ("queued", "running")
ENDED_STATES = ("done", "done_with_errors", "cancelled", "failed")
EXPIRED = "expired"

PRINT_KIND = "documents.print"
PURGE_KIND = "documents.purge_print_outputs"
#: What the stored outputs' encryption key is derived for (assist.core.crypto).
FILE_PURPOSE = "print-output"


class OutputExpired(DomainError):
    """The batch's output was deleted after its retention period; the job's row remains."""

    status = 410
    code = "expired"


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
    full = may_show_full_ids(spec, acting_user)
    job = PrintJob(
        kind=spec.kind,
        title=f"{spec.title} · {labels.get(value, value)}"[:200],
        output=output,
        params={"value": value},
        total=len(subjects),
        shows_full_ids=full,
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
        after={
            "kind": spec.kind,
            "value": value,
            "total": job.total,
            "output": output,
            "full_ids": full,
        },
    )
    return job


def check_download(job: PrintJob, *, acting_user) -> None:
    """Raise unless the user could print every document in the output with its masking.

    The output is the starter's print: a user whose single prints of these documents would
    be masked differently, or who could not print one of them at all (role, scope), is
    answered as if the output did not exist (404): they may start their own batch, rendered
    at their own level. Rendering a masked copy on download instead would make a download
    take as long as the batch. An output deleted after its retention answers 410.
    """
    spec = get_spec(job.kind)
    if job.shows_full_ids and not may_show_full_ids(spec, acting_user):
        raise not_found()
    if not _may_load_done_items(spec, job, acting_user):
        raise not_found()
    if job.status == EXPIRED:
        raise OutputExpired(
            _(
                "This batch's file was deleted after %(days)d days, as personal data is not "
                "kept longer than needed. Start a new batch to print it again.",
                days=retention_days(),
            )
        )
    if not job.result_path or not Path(job.result_path).exists():
        raise not_found()


def _may_load_done_items(spec: DocumentSpec, job: PrintJob, acting_user) -> bool:
    """Could the user load every finished item's subject? One query per kind (`load_many`)."""
    done = set(
        db.session.scalars(
            select(PrintJobItem.subject_id).where(
                PrintJobItem.job_id == job.id, PrintJobItem.status == "done"
            )
        )
    )
    try:
        if spec.load_many is not None:
            return not done or done <= spec.load_many(acting_user, done)
        for subject_id in done:  # a kind without a bulk loader (not offered for batches)
            spec.load(acting_user, subject_id)
    except DomainError:
        return False
    return True


def open_output(job: PrintJob, *, acting_user):
    """Check the user may download the output; audit the download; return its plaintext chunks."""
    check_download(job, acting_user=acting_user)
    chunks = outputs.open_output(job.result_path, purpose=FILE_PURPOSE)
    record(
        "print_job.downloaded",
        acting_user=acting_user,
        obj=job,
        centre=job.centre,
        after={"output": job.output, "full_ids": job.shows_full_ids},
    )
    return chunks


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


#: Where the outputs are kept (STORAGE_DIR/print-jobs/<id>, see assist.jobs.outputs).
AREA = "print-jobs"


def job_dir(job: PrintJob) -> Path:
    return outputs.output_dir(AREA, job.id)


def render_pool(workers: int) -> ProcessPoolExecutor:
    """The renderer processes: spawned (no inherited database connections), each warmed up
    once, at CPU niceness JOB_NICE so a batch print yields the CPU to the web workers."""
    return ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=worker.warm_up,
        initargs=(current_app.config.get("JOB_NICE", 0),),
    )


def _run(app, job_id: int) -> None:
    with app.app_context():
        job = db.session.get(PrintJob, job_id)
        spec = get_spec(job.kind)
        user = job.created_by
        if job.shows_full_ids and not may_show_full_ids(spec, user):
            job.status, job.finished_at = "failed", utcnow()
            job.error = _("The person who started this batch may no longer print full IDs.")
            db.session.commit()
            return
        out = job_dir(job)
        pending = iter([item.id for item in job.items if item.status == "pending"])
        workers = os.cpu_count() or 1
        in_flight: dict = {}
        with render_pool(workers) as pool:

            def submit_next() -> bool:
                for item_id in pending:
                    item = db.session.get(PrintJobItem, item_id)
                    try:
                        subject = spec.load(user, item.subject_id)
                    except DomainError as exc:  # moved out of scope, deleted, role changed
                        item.status, item.error = "failed", redact_numbers(str(exc))[:500]
                        job.done += 1
                        db.session.commit()
                        continue
                    existing = (
                        db.session.get(IssuedDocument, item.document_id)
                        if item.document_id
                        else None
                    )
                    document, html = prepare(
                        spec,
                        subject,
                        acting_user=user,
                        print_job_id=job.id,
                        document=existing,
                        full=job.shows_full_ids,
                    )
                    item.document_id = document.id
                    db.session.commit()
                    in_flight[pool.submit(worker.render, html)] = item.id
                    return True
                return False

            for _slot in range(workers * 2):
                if not submit_next():
                    break
            while in_flight:
                finished, _running = wait(list(in_flight), timeout=5, return_when=FIRST_COMPLETED)
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
                        item.status, item.error = "failed", redact_numbers(str(exc))[:500]
                    else:
                        path = out / f"{item.seq:05d}.pdf"
                        write_encrypted(path, pdf, purpose=FILE_PURPOSE)
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
    """Write the output, encrypted, from the documents; then drop the single documents."""
    done = [item for item in job.items if item.status == "done"]

    def pdf_of(item) -> bytes:
        return read_encrypted_bytes(item.file_path, purpose=FILE_PURPOSE)

    result = out / ("result.zip" if job.output == "zip" else "result.pdf")
    result.unlink(missing_ok=True)  # left by a runner that died while assembling
    with EncryptedWriter(result, purpose=FILE_PURPOSE) as fh:
        if job.output == "zip":
            with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as archive:
                for item in done:
                    name = f"{item.seq:05d}-{_safe(item.label)}.pdf"
                    archive.writestr(name, pdf_of(item))
        else:
            writer = PdfWriter()
            for item in done:
                writer.append(io.BytesIO(pdf_of(item)))
            writer.write(fh)
    for item in done:
        Path(item.file_path).unlink(missing_ok=True)
        item.file_path = ""
    job.result_path = str(result)
    failed = len(job.items) - len(done)
    job.status = "done" if not failed else "done_with_errors"
    job.error = _("%(n)d document(s) could not be printed.", n=failed) if failed else ""
    job.finished_at = utcnow()


def retention_days() -> int:
    return outputs.retention_days("PRINT_OUTPUT_RETENTION_DAYS")


def _in_clear(path: str) -> bool:
    return bool(path) and Path(path).exists() and not is_encrypted_file(path)


def purge_expired(now=None) -> int:
    """Delete the files of batches ended more than PRINT_OUTPUT_RETENTION_DAYS ago, and any
    output an earlier version stored in the clear; keep each job as "expired" and audit it.

    Returns how many jobs expired; the caller commits.
    """
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days())
    candidates = db.session.scalars(
        select(PrintJob)
        .where(PrintJob.status.in_(ENDED_STATES), PrintJob.expired_at.is_(None))
        .order_by(PrintJob.id)
    ).all()
    item_paths: dict[int, list[str]] = {}
    for job_id, path in db.session.execute(
        select(PrintJobItem.job_id, PrintJobItem.file_path).where(
            PrintJobItem.job_id.in_([job.id for job in candidates]), PrintJobItem.file_path != ""
        )
    ):
        item_paths.setdefault(job_id, []).append(path)
    count = 0
    for job in candidates:
        if job.finished_at is not None and job.finished_at < cutoff:
            reason = "retention"
        elif any(_in_clear(p) for p in [job.result_path, *item_paths.get(job.id, [])]):
            reason = "stored_in_clear"
        else:
            continue
        removed = _delete_files(job)
        before = {"status": job.status}
        job.status, job.expired_at, job.result_path = EXPIRED, now, ""
        for item in job.items:
            item.file_path = ""
        record(
            "print_job.expired",
            obj=job,
            centre=job.centre,
            before=before,
            after={"status": EXPIRED, "files_deleted": removed, "reason": reason},
            username="system",
        )
        count += 1
    return count


def _delete_files(job: PrintJob) -> int:
    """Delete the job's folder (output, single documents, partial files); count the files."""
    return outputs.delete_output(AREA, job.id, [job.result_path] + [i.file_path for i in job.items])


def _purge_print_outputs(params: dict) -> dict:
    """The job kind: expire the batch outputs past their retention."""
    count = purge_expired()
    db.session.commit()
    return {"expired": count}


# Every minute the engine also resumes a print job whose runner died.
register_kind(PRINT_KIND, _run_print_jobs, every=60, timeout=6 * 3600)
# Every hour it deletes the outputs past their retention.
register_kind(PURGE_KIND, _purge_print_outputs, every=3600)


def _safe(label: str) -> str:
    return "".join(ch for ch in label if ch.isalnum() or ch in "-_")[:60] or "document"
