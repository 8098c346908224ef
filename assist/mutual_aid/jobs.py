"""Large rosters: the dry run and the enrolment as jobs of the one engine (assist.jobs).

A roster above ROSTER_INLINE_ROWS rows is staged (a file in STORAGE_DIR/rosters, as for a
small one) and checked or enrolled by a `mutual_aid.roster` job running the same service
functions as the request does (`services.dry_run`, `services.enrol_file`). The job's row
keeps its progress (`done` of `total` rows checked) and, when it ends, what the page shows:
the dry run's report (row results with masked IDs only) or the enrolled batch.
"""

import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from assist.audit.services import record
from assist.auth.models import User
from assist.core.errors import DomainError
from assist.extensions import db
from assist.jobs import engine
from assist.jobs.models import BackgroundJob
from assist.jobs.registry import register_kind
from assist.mutual_aid import services
from assist.mutual_aid.models import PlanTerm, Unit

KIND = "mutual_aid.roster"
PURGE_KIND = "mutual_aid.roster_purge"
DRY_RUN, CONFIRM = "dry_run", "confirm"


# --- the staged upload -------------------------------------------------------------------


def _roster_dir() -> Path:
    path = Path(current_app.config["STORAGE_DIR"]) / "rosters"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _valid_token(token: str) -> bool:
    return bool(token) and len(token) <= 80 and token.replace("-", "").replace("_", "").isalnum()


def keep_roster(user_id: int, data: bytes, filename: str, rows: int | None = None) -> str:
    """Keep the uploaded file until it is confirmed (a file, not a database row)."""
    token = secrets.token_urlsafe(24)
    base = _roster_dir() / f"{user_id}-{token}"
    base.with_suffix(".bin").write_bytes(data)
    base.with_suffix(".name").write_text(filename[:200])
    if rows is not None:
        base.with_suffix(".rows").write_text(str(rows))
    return token


def kept_roster(user_id: int, token: str) -> tuple[bytes, str] | None:
    if not _valid_token(token):
        return None
    path = _roster_dir() / f"{user_id}-{token}.bin"
    if not path.exists():
        return None
    name = path.with_suffix(".name")
    return path.read_bytes(), name.read_text() if name.exists() else ""


def kept_rows(user_id: int, token: str) -> int | None:
    """How many rows the staged roster has, when it was counted at upload."""
    if not _valid_token(token):
        return None
    path = _roster_dir() / f"{user_id}-{token}.rows"
    try:
        return int(path.read_text())
    except (OSError, ValueError):
        return None


def drop_roster(user_id: int, token: str) -> None:
    if not _valid_token(token):
        return
    for suffix in (".bin", ".name", ".rows"):
        (_roster_dir() / f"{user_id}-{token}{suffix}").unlink(missing_ok=True)


def inline_rows() -> int:
    return int(current_app.config["ROSTER_INLINE_ROWS"])


# --- the job -----------------------------------------------------------------------------


def start(
    unit: Unit, term: PlanTerm, *, acting_user, token: str, mode: str, rows: int, skip_bad=False
):
    """Queue the dry run or the enrolment of a staged roster; the caller commits."""
    return engine.submit(
        KIND,
        {
            "mode": mode,
            "unit_id": unit.id,
            "term_id": term.id,
            "user_id": acting_user.id,
            "token": token,
            "skip_bad": bool(skip_bad),
            "rows": rows,
            "locale": acting_user.locale,
        },
    )


def _this_job(params: dict) -> BackgroundJob | None:
    running = db.session.scalars(
        select(BackgroundJob).where(BackgroundJob.kind == KIND, BackgroundJob.status == "running")
    ).all()
    return next((j for j in running if j.params == params), None)


def _report_dict(report: services.RosterReport) -> dict:
    """What the report page shows of a dry run: counts, fees, unit problems, the bad rows."""
    return {
        "rows_total": report.rows_total,
        "rows_valid": report.rows_valid,
        "already_enrolled": report.already_enrolled,
        "required": report.required,
        "unit_problems": [list(p) for p in report.unit_problems],
        "staff_share_fen": report.staff_share_fen,
        "subsidy_fen": report.subsidy_fen,
        "fee_total_fen": report.fee_total_fen,
        "bad_rows": [
            {
                "row": r.row_no,
                "name": r.name,
                "id": r.id_masked,
                "problems": [list(p) for p in r.problems],
            }
            for r in report.bad_rows
        ],
    }


def _run(params: dict) -> dict:
    job = _this_job(params)
    job_id = job.id if job else None

    def progress(done: int, total: int) -> None:
        if job_id is not None:
            row = db.session.get(BackgroundJob, job_id)
            row.result = {"done": done, "total": total}
            db.session.commit()  # nothing else is pending: the check changes nothing

    unit = db.session.get(Unit, int(params["unit_id"]))
    term = db.session.get(PlanTerm, int(params["term_id"]))
    user = db.session.get(User, int(params["user_id"]))
    with force_locale(params.get("locale") or "zh_Hans"):
        kept = kept_roster(user.id, params["token"]) if user else None
        if unit is None or term is None or kept is None:
            return {"error": _("The uploaded roster has expired; upload it again.")}
        data, filename = kept
        try:
            if params["mode"] == CONFIRM:
                batch = services.enrol_file(
                    unit,
                    term,
                    acting_user=user,
                    filename=filename,
                    data=data,
                    skip_bad=bool(params.get("skip_bad")),
                    progress=progress,
                )
                db.session.commit()
                drop_roster(user.id, params["token"])
                total = batch.rows_total
                return {
                    "done": total,
                    "total": total,
                    "batch_id": batch.id,
                    "batch_no": batch.batch_no,
                    "rows_enrolled": batch.rows_enrolled,
                }
            report = services.dry_run(
                unit, term, acting_user=user, filename=filename, data=data, progress=progress
            )
            out = _report_dict(report)
            db.session.rollback()  # the dry run changes nothing
            return {"done": out["rows_total"], "total": out["rows_total"], "report": out}
        except DomainError as err:
            db.session.rollback()
            return {"error": (err.fields.get("file") or err.message)[:2000]}


register_kind(KIND, _run, timeout=3600)


# --- staged uploads never confirmed --------------------------------------------------------


def _tokens_in_use() -> set[str]:
    """The staged files a queued or running roster job still needs."""
    jobs = db.session.scalars(
        select(BackgroundJob).where(
            BackgroundJob.kind == KIND, BackgroundJob.status.in_(("queued", "running"))
        )
    ).all()
    return {f"{j.params.get('user_id')}-{j.params.get('token')}" for j in jobs}


def purge_staged(now: float | None = None) -> dict:
    """Delete staged roster files older than ROSTER_UPLOAD_RETENTION_HOURS (one audit row)."""
    hours = int(current_app.config["ROSTER_UPLOAD_RETENTION_HOURS"])
    cutoff = (now if now is not None else time.time()) - hours * 3600
    keep = _tokens_in_use()
    uploads, files, in_use = set(), 0, 0
    for path in sorted(_roster_dir().iterdir()):
        if not path.is_file() or path.suffix not in (".bin", ".name", ".rows"):
            continue
        if path.stat().st_mtime >= cutoff:
            continue
        if path.stem in keep:
            in_use += 1
            continue
        path.unlink(missing_ok=True)
        uploads.add(path.stem)
        files += 1
    out = {"uploads_deleted": len(uploads), "files_deleted": files, "retention_hours": hours}
    if uploads:
        record(
            "mutual_aid.roster_uploads_purged",
            object_type="ma_roster_uploads",
            after={**out, "kept_for_jobs": in_use},
            username="system",
        )
    return out


def _purge_job(params: dict) -> dict:
    out = purge_staged()
    db.session.commit()
    return out


# Every hour the engine deletes the staged rosters nobody confirmed.
register_kind(PURGE_KIND, _purge_job, every=3600, timeout=600)


# --- reading a job back ------------------------------------------------------------------


@dataclass
class StoredRow:
    row_no: int
    name: str
    id_masked: str
    problems: list = field(default_factory=list)


@dataclass
class StoredReport:
    """A finished dry run as the report page reads it (the same names as RosterReport)."""

    term: PlanTerm
    rows_total: int
    rows_valid: int
    already_enrolled: int
    required: int
    unit_problems: list
    staff_share_fen: int
    subsidy_fen: int
    fee_total_fen: int
    bad_rows: list


def stored_report(job: BackgroundJob, term: PlanTerm) -> StoredReport:
    data = dict((job.result or {})["report"])
    data["unit_problems"] = [tuple(p) for p in data["unit_problems"]]
    data["bad_rows"] = [
        StoredRow(r["row"], r["name"], r["id"], [tuple(p) for p in r["problems"]])
        for r in data["bad_rows"]
    ]
    return StoredReport(term=term, **data)


def job_json(job: BackgroundJob) -> dict:
    """The job's progress for the unit's roster page (the print jobs' status shape)."""
    result = job.result or {}
    total = int(result.get("total") or job.params.get("rows") or 0)
    done = int(result.get("done") or 0)
    if job.status == "done":
        done = total
    return {
        "id": job.id,
        "kind": job.kind,
        "mode": job.params.get("mode"),
        "status": job.status,
        "total": total,
        "done": done,
        "percent": 100 if job.status == "done" else (int(100 * done / total) if total else 0),
        "error": result.get("error")
        or (_("The roster could not be processed; try again.") if job.status == "failed" else ""),
        "batch_id": result.get("batch_id"),
    }


def load_job(job_id: int, *, unit: Unit, user) -> BackgroundJob | None:
    """The roster job of this unit started by this user (the staged file is theirs alone)."""
    job = db.session.get(BackgroundJob, job_id)
    if (
        job is None
        or job.kind != KIND
        or job.params.get("unit_id") != unit.id
        or job.params.get("user_id") != user.id
    ):
        return None
    return job
