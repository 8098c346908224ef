"""Compiling a return as a job of the one engine (assist.jobs): `returns.compile`.

The page and the API queue the job and show its progress; the job runs `compile_return` as
the supervisor who asked. Safe to run twice: the figures are counted before anything is
written and the version is written in one transaction, so a worker that dies leaves nothing
and the engine's redo (a stale job is claimed again) compiles the same draft version again.
A job whose version was already written (the worker died between the two commits) finds it
and answers with it instead of compiling again. One compile per centre and period waits or
runs at a time: asking again while one does answers with that job.
"""

import logging
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from assist.auth.models import User
from assist.centres.models import Centre
from assist.core.errors import DomainError
from assist.core.timeutil import utcnow
from assist.extensions import db
from assist.jobs import engine
from assist.jobs.models import BackgroundJob
from assist.jobs.registry import register_kind
from assist.returns import services

log = logging.getLogger(__name__)

KIND = "returns.compile"


def _same_return(job: BackgroundJob, centre_id: int, kind: str, period: str) -> bool:
    p = job.params or {}
    return (p.get("centre_id"), p.get("period_kind"), p.get("period")) == (
        centre_id,
        kind,
        period,
    )


def start(centre: Centre, kind: str, period: str, *, acting_user) -> BackgroundJob:
    """Check the compile may run, then queue it (or answer with the one already under way).

    The caller commits, which hands the job to a worker.
    """
    services.parse_return_period(kind, period)
    services.check_compile(
        centre, services.find_return(centre, kind, period), acting_user=acting_user
    )
    waiting = db.session.scalars(
        select(BackgroundJob).where(
            BackgroundJob.kind == KIND, BackgroundJob.status.in_(("queued", "running"))
        )
    ).all()
    for job in waiting:
        if _same_return(job, centre.id, kind, period):
            return job
    return engine.submit(
        KIND,
        {
            "centre_id": centre.id,
            "period_kind": kind,
            "period": period,
            "user_id": acting_user.id,
            "locale": acting_user.locale,
            "requested_at": utcnow().isoformat(),
        },
    )


def load_job(job_id: int, *, user) -> BackgroundJob | None:
    """The compile job, for the user who started it only (None otherwise)."""
    job = db.session.get(BackgroundJob, job_id)
    if job is None or job.kind != KIND or (job.params or {}).get("user_id") != user.id:
        return None
    return job


def job_json(job: BackgroundJob) -> dict:
    result = job.result or {}
    params = job.params or {}
    out = {
        "job_id": job.id,
        "status": job.status,  # queued → running → done | failed
        "period_kind": params.get("period_kind"),
        "period": params.get("period"),
        "done": int(result.get("done") or 0),
        "total": int(result.get("total") or 0),
        "return_id": result.get("return_id"),
        "version": result.get("version"),
        "error": result.get("error") or "",
    }
    if job.status == "failed":
        with force_locale(params.get("locale") or "zh_Hans"):
            out["error"] = _("The compile stopped on an unexpected error; compile again.")
    out["percent"] = (
        100
        if job.status == "done"
        else (int(100 * out["done"] / out["total"]) if out["total"] else 0)
    )
    return out


def _this_job(params: dict) -> BackgroundJob | None:
    running = db.session.scalars(
        select(BackgroundJob).where(BackgroundJob.kind == KIND, BackgroundJob.status == "running")
    ).all()
    return next((j for j in running if j.params == params), None)


def _run(params: dict) -> dict:
    centre = db.session.get(Centre, int(params["centre_id"]))
    user = db.session.get(User, int(params["user_id"]))
    kind, period = params["period_kind"], params["period"]
    job = _this_job(params)
    job_id = job.id if job is not None else None
    requested = datetime.fromisoformat(params["requested_at"])

    def progress(done: int, total: int) -> None:
        if job_id is not None:
            row = db.session.get(BackgroundJob, job_id)
            row.result = {"done": done, "total": total}
        db.session.commit()  # nothing of the return is written yet: only the progress

    with force_locale(params.get("locale") or "zh_Hans"):
        ret = services.find_return(centre, kind, period)
        current = ret.current if ret else None
        if (
            current is not None
            and current.compiled_by_id == user.id
            and current.compiled_at >= requested
        ):
            # this job's own work, committed by a worker that died before it could say so
            return {"return_id": ret.id, "version": current.version, "resumed": True}
        for attempt in (1, 2):
            try:
                version = services.compile_return(
                    centre, kind, period, acting_user=user, progress=progress
                )
                db.session.commit()
                break
            except IntegrityError:
                # another compile of the same return wrote first: compile again onto its draft
                db.session.rollback()
                if attempt == 2:
                    raise
            except DomainError as err:
                db.session.rollback()
                return {"error": err.message}
    return {"return_id": version.return_id, "version": version.version}


register_kind(KIND, _run, timeout=3600)
