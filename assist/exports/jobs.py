"""Large exports as background jobs of the one engine (assist.jobs), kept like batch prints.

`start` records an ``exports.list`` job with the list's path, its query string (the filters)
and the starting user. The job calls the list view again as that user (`registry.capture`),
reads the rows in chunks of EXPORT_CHUNK_ROWS by primary key (never all records in memory),
writes them masked for the starter's role straight into an AES-GCM encrypted file
(assist.jobs.outputs, STORAGE_DIR/exports/<job id>) and records its progress on the job's row.
Only the starter, still in the role and centre they started it in, may see or download it;
anyone else is answered 404. The file is deleted after EXPORT_RETENTION_DAYS.
"""

from datetime import timedelta
from pathlib import Path

from flask import current_app, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, inspect, select

from assist.applicants.queries import is_full_id
from assist.audit import labels as audit_labels
from assist.audit.services import record
from assist.auth.models import User
from assist.centres.models import Centre
from assist.centres.scoping import not_found
from assist.core.crypto import EncryptedWriter, is_encrypted_file, keyed_hash
from assist.core.errors import DomainError
from assist.core.timeutil import local_today, utcnow
from assist.exports import registry, writers
from assist.extensions import db
from assist.jobs import engine, outputs
from assist.jobs.models import BackgroundJob
from assist.jobs.registry import register_kind

KIND = "exports.list"
PURGE_KIND = "exports.purge_outputs"
AREA = "exports"
#: What the outputs' encryption key is derived for (assist.core.crypto).
FILE_PURPOSE = "export-output"
OPEN_STATES = ("queued", "running")
EXPIRED = "expired"


class OutputExpired(DomainError):
    """The export's file was deleted after its retention period; the job's row remains."""

    status = 410
    code = "expired"


def retention_days() -> int:
    return outputs.retention_days("EXPORT_RETENTION_DAYS")


def start(key: str, fmt: str, *, path: str, args: dict, acting_user, total: int):
    """Queue the export of list `key` at `path` with the query `args`; the caller commits."""
    spec = registry.get_export(key)
    args = {k: str(v) for k, v in args.items()}
    if is_full_id(args.get("q", "")):  # kept as its keyed hash, as the files list does
        args["idh"], args["q"] = keyed_hash(args["q"].replace(" ", "").upper()), ""
    job = engine.submit(
        KIND,
        {
            "key": key,
            "format": fmt,
            "path": path,
            "args": args,
            "user_id": acting_user.id,
            "roles": _roles(acting_user),
            "centre_id": acting_user.centre_id,
            "locale": str(get_locale() or "zh_Hans"),
            "title": str(spec.title),
        },
    )
    job.params = {**job.params, "job_id": job.id}
    job.result = {"done": 0, "total": total}
    record(
        "list.export_started",
        acting_user=acting_user,
        obj=job,
        object_type="exports",
        centre=acting_user.centre,
        after={"list": key, "format": fmt, "rows": total, "filters": _shown_filters(args)},
    )
    return job


def _shown_filters(args: dict) -> dict:
    return {k: v for k, v in args.items() if k not in ("format", "page", "idh")}


# --- the job ---------------------------------------------------------------------------------


def _chunks(source, size: int):
    """The source's records, `size` at a time, in the list's order.

    A SELECT is read as its primary keys first (in order), then record by record in chunks of
    `size`, each chunk its own short transaction: no transaction is held open for the whole
    export (on SQLite that would hold the write lock) and no chunk outlives its write.
    """
    if not isinstance(source, Select):
        for start_at in range(0, len(source), size):
            yield source[start_at : start_at + size]
        return
    entity = source.column_descriptions[0]["entity"]
    pk = inspect(entity).primary_key[0]
    ids = list(dict.fromkeys(db.session.scalars(source.with_only_columns(pk))))
    db.session.rollback()
    for start_at in range(0, len(ids), size):
        chunk = ids[start_at : start_at + size]
        records = db.session.scalars(source.where(pk.in_(chunk))).unique().all()
        by_id = {getattr(r, pk.key): r for r in records}
        yield [by_id[i] for i in chunk if i in by_id]


def _progress(job_id: int, done: int, total: int) -> None:
    job = db.session.get(BackgroundJob, job_id)
    job.result = {"done": done, "total": total}
    job.heartbeat_at = utcnow()
    db.session.commit()


def _run(params: dict) -> dict:
    job_id = int(params["job_id"])
    user = db.session.get(User, int(params["user_id"]))
    if user is None or not user.is_active or not _same_scope(user, params):
        raise DomainError("the starter's account, role or centre changed")
    spec = registry.get_export(params["key"])
    fmt = params["format"]
    size = int(current_app.config["EXPORT_CHUNK_ROWS"])
    with force_locale(params.get("locale") or "zh_Hans"):
        source = registry.capture(params["path"], params.get("args") or {}, user, fmt)
        total = registry.count_rows(source)
        if total > registry.max_rows():
            raise DomainError(registry.too_many_message(registry.max_rows()))
        _progress(job_id, 0, total)
        headers = [str(c.header) for c in spec.columns]
        kinds = [c.kind for c in spec.columns]
        path = outputs.output_dir(AREA, job_id) / f"result.{fmt}"
        path.unlink(missing_ok=True)  # left by a runner that died while writing
        done = 0
        with EncryptedWriter(path, purpose=FILE_PURPOSE) as fh:
            if fmt == "csv":
                out = writers.CsvStream(fh, headers, kinds)
            else:
                out = writers.XlsxStream(fh, str(spec.title), headers, kinds)
            for chunk in _chunks(source, size):
                out.write_rows(registry.rows_of(spec, chunk))
                done += len(chunk)
                db.session.rollback()  # forget the chunk's records before the next one
                _progress(job_id, done, total)
            out.close()
    return {"done": done, "total": total, "path": str(path), "rows": done}


register_kind(KIND, _run, timeout=3 * 3600)
audit_labels.register(
    actions={
        "list.export_started": _l("Large export started"),
        "list.export_downloaded": _l("Large export downloaded"),
        "list.export_expired": _l("Large export's file deleted (retention)"),
    },
    objects={"exports": _l("Export")},
)


# --- reading a job back --------------------------------------------------------------------


def _roles(user) -> list[str]:
    return sorted(getattr(r, "value", str(r)) for r in user.roles)


def _same_scope(user, params: dict) -> bool:
    """The user still holds the roles and centre the export was made (and masked) for."""
    return _roles(user) == params.get("roles") and user.centre_id == params.get("centre_id")


def load_job(job_id, *, acting_user) -> BackgroundJob:
    """The export job, for its starter only (in the role and centre they started it in)."""
    from assist.core.inputs import id_or_none

    ident = id_or_none(job_id)
    job = db.session.get(BackgroundJob, ident) if ident is not None else None
    if (
        job is None
        or job.kind != KIND
        or int((job.params or {}).get("user_id") or 0) != acting_user.id
        or not _same_scope(acting_user, job.params)
    ):
        raise not_found()
    return job


def progress(job: BackgroundJob) -> tuple[int, int]:
    result = job.result or {}
    return int(result.get("done") or 0), int(result.get("total") or 0)


def percent(job: BackgroundJob) -> int:
    done, total = progress(job)
    if job.status == "done":
        return 100
    return int(done * 100 / total) if total else 0


def check_download(job: BackgroundJob) -> None:
    """Raise unless the finished file is there (410 once the retention purge deleted it)."""
    if job.status == EXPIRED:
        raise OutputExpired(
            _(
                "This export's file was deleted after %(days)d days, as personal data is not "
                "kept longer than needed. Export the list again.",
                days=retention_days(),
            )
        )
    if job.status != "done" or not (job.result or {}).get("path"):
        raise not_found()


def may_download(job: BackgroundJob) -> bool:
    try:
        check_download(job)
    except Exception:  # noqa: BLE001 - any refusal means no link
        return False
    return True


def open_output(job: BackgroundJob, *, acting_user):
    """The decrypted file's chunks for its starter (load the job with `load_job`); audited."""
    check_download(job)
    chunks = outputs.open_output(job.result["path"], purpose=FILE_PURPOSE)
    record(
        "list.export_downloaded",
        acting_user=acting_user,
        obj=job,
        object_type="exports",
        centre=acting_user.centre,
        after={"list": job.params.get("key"), "format": job.params.get("format")},
    )
    return chunks


def filename(job: BackgroundJob) -> str:
    day = local_today().isoformat()
    return f"{job.params.get('title') or 'export'}-{day}.{job.params.get('format')}"


def mimetype(job: BackgroundJob) -> str:
    return registry.MIMETYPES[job.params.get("format", "csv")]


def error_message(job: BackgroundJob) -> str:
    if job.status != "failed":
        return ""
    return _("The export failed; start it again from the list, or narrow the filters.")


def job_json(job: BackgroundJob) -> dict:
    done, total = progress(job)
    return {
        "id": job.id,
        "list": job.params.get("key"),
        "format": job.params.get("format"),
        "status": job.status,
        "done": done,
        "total": total,
        "percent": percent(job),
        "error": error_message(job),
        "expired": job.status == EXPIRED,
        "download_url": url_for("exports.download", job_id=job.id) if may_download(job) else None,
    }


# --- the retention purge -------------------------------------------------------------------


def purge_expired(now=None) -> int:
    """Delete the files of exports finished more than EXPORT_RETENTION_DAYS ago (or found in
    the clear); keep each job's row as "expired" and audit it. The caller commits."""
    now = now or utcnow()
    cutoff = now - timedelta(days=retention_days())
    count = 0
    for job in db.session.scalars(
        select(BackgroundJob)
        .where(BackgroundJob.kind == KIND, BackgroundJob.status.in_(("done", "failed")))
        .order_by(BackgroundJob.id)
    ):
        path = (job.result or {}).get("path") or ""
        in_clear = bool(path) and Path(path).exists() and not is_encrypted_file(path)
        ended = job.finished_at or job.created_at
        if ended >= cutoff and not in_clear:
            continue
        removed = outputs.delete_output(AREA, job.id, [path])
        before = {"status": job.status}
        job.status = EXPIRED
        job.result = {**(job.result or {}), "path": "", "expired_at": now.isoformat() + "Z"}
        record(
            "list.export_expired",
            obj=job,
            object_type="exports",
            centre=db.session.get(Centre, int(job.params.get("centre_id") or 0)),
            before=before,
            after={
                "files_deleted": removed,
                "reason": "stored_in_clear" if in_clear else "retention",
            },
            username="system",
        )
        count += 1
    return count


def _purge(params: dict) -> dict:
    count = purge_expired()
    db.session.commit()
    return {"expired": count}


register_kind(PURGE_KIND, _purge, every=3600)
