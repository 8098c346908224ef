"""Submit, hand out and run background jobs; the database row is the record of progress."""

import fcntl
import json
import logging
import os
import socket
import subprocess
import sys
import threading
from datetime import timedelta
from pathlib import Path

from flask import current_app, g
from sqlalchemy import and_, event, func, or_, select, update
from sqlalchemy.orm import Session

from assist.core.masking import RedactingFilter, redact_numbers
from assist.core.timeutil import utcnow
from assist.extensions import db
from assist.jobs.models import BackgroundJob
from assist.jobs.registry import get_kind, periodic_kinds

log = logging.getLogger(__name__)
log.addFilter(RedactingFilter())  # a job's exception may quote the personal data it handled

STALE_AFTER = timedelta(seconds=60)
HEARTBEAT_EVERY = 15  # seconds
QUEUE = "assist"
_PENDING = "assist_jobs_to_dispatch"
#: Settings a local runner process must share with the app that started it.
SHARED_SETTINGS = (
    "SQLALCHEMY_DATABASE_URI",
    "STORAGE_DIR",
    "SECRET_KEY",
    "DATA_KEY",
    "REDIS_URL",
    "JOBS_QUEUE",
    "JOB_NICE",
)


# --- submitting ------------------------------------------------------------------------------


def submit(kind: str, params: dict | None = None, *, dedupe: bool = False) -> BackgroundJob:
    """Record a job of `kind`; it is handed to a worker when the caller's transaction commits.

    With `dedupe`, an identical job still waiting in the queue is returned instead.
    """
    get_kind(kind)  # an unknown kind fails here, in the caller, not later in a worker
    params = params or {}
    if dedupe:
        waiting = db.session.scalars(
            select(BackgroundJob).where(
                BackgroundJob.kind == kind, BackgroundJob.status == "queued"
            )
        ).all()
        for job in waiting:
            if job.params == params:
                return job
    job = BackgroundJob(kind=kind, params=params, status="queued", created_at=utcnow())
    db.session.add(job)
    db.session.flush()
    db.session.info.setdefault(_PENDING, []).append(
        (current_app._get_current_object(), job.id, kind)
    )
    return job


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session):
    pending = session.info.pop(_PENDING, None)
    if pending:
        for app, job_id, kind in pending:
            dispatch(app, job_id, kind)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session):
    session.info.pop(_PENDING, None)


def backend(app) -> str:
    return app.config.get("JOBS_BACKEND") or ("rq" if app.config.get("REDIS_URL") else "local")


def dispatch(app, job_id: int, kind: str) -> None:
    """Hand a committed job to the configured backend."""
    name = backend(app)
    if name == "rq":
        _rq_queue(app).enqueue(
            "assist.jobs.engine.rq_execute",
            job_id,
            job_timeout=get_kind(kind).timeout,
            description=f"{kind} #{job_id}",
        )
    elif name == "local":
        ensure_local_runner(app)
    elif name == "inline":
        with app.app_context():
            execute(job_id)
    # "runner": this process is the local runner; its loop picks the job up.


# --- running -------------------------------------------------------------------------------


def _claimable():
    stale = utcnow() - STALE_AFTER
    return or_(
        BackgroundJob.status == "queued",
        and_(BackgroundJob.status == "running", BackgroundJob.heartbeat_at < stale),
    )


def execute(job_id: int) -> bool:
    """Claim the job and run it; False when another process has it (or it has ended)."""
    now = utcnow()
    claimed = db.session.execute(
        update(BackgroundJob)
        .where(BackgroundJob.id == job_id, _claimable())
        .values(
            status="running",
            started_at=now,
            heartbeat_at=now,
            attempts=BackgroundJob.attempts + 1,
            worker=f"{socket.gethostname()}:{os.getpid()}"[:80],
        )
    ).rowcount
    db.session.commit()
    if claimed != 1:
        return False
    job = db.session.get(BackgroundJob, job_id)
    kind, params = job.kind, dict(job.params or {})
    db.session.commit()  # hold no transaction (on SQLite: no write lock) while the job runs
    stop = threading.Event()
    beat = threading.Thread(
        target=_heartbeat, args=(db.engine, job_id, stop), daemon=True, name="job-heartbeat"
    )
    beat.start()
    # Flask-Babel treats an empty `g` as "no context": gettext falls back to the English
    # msgid and force_locale does nothing. A job runs in an app context of its own, so mark it.
    g.background_job_id = job_id
    try:
        result = get_kind(kind).run(params)
    except Exception as exc:  # noqa: BLE001 - recorded on the job; the worker carries on
        log.exception("background job %s (%s) failed", job_id, kind)
        db.session.rollback()
        stop.set()
        beat.join()
        job = db.session.get(BackgroundJob, job_id)
        job.status, job.error = "failed", redact_numbers(repr(exc))[:2000]
        job.finished_at = utcnow()
        db.session.commit()
        return True
    stop.set()
    beat.join()
    job = db.session.get(BackgroundJob, job_id)
    job.status, job.result, job.finished_at = "done", result or {}, utcnow()
    db.session.commit()
    return True


def _heartbeat(engine, job_id: int, stop: threading.Event) -> None:
    while not stop.wait(HEARTBEAT_EVERY):
        try:
            with engine.begin() as conn:
                conn.execute(
                    update(BackgroundJob)
                    .where(BackgroundJob.id == job_id)
                    .values(heartbeat_at=utcnow())
                )
        except Exception:  # noqa: BLE001 - a missed beat only makes the job look stale sooner
            log.warning("heartbeat of job %s failed", job_id, exc_info=True)


def run_queued(limit: int | None = None) -> int:
    """Run queued (and stale) jobs in this process until none is left; return how many."""
    count = 0
    while limit is None or count < limit:
        job_id = db.session.scalar(
            select(BackgroundJob.id).where(_claimable()).order_by(BackgroundJob.id).limit(1)
        )
        db.session.rollback()
        if job_id is None:
            break
        if execute(job_id):
            count += 1
    return count


def submit_due_periodic() -> list[BackgroundJob]:
    """Submit each periodic kind whose last run is older than its period."""
    last = dict(
        db.session.execute(
            select(BackgroundJob.kind, func.max(BackgroundJob.created_at))
            .where(BackgroundJob.kind.in_([k.name for k in periodic_kinds()]))
            .group_by(BackgroundJob.kind)
        ).all()
    )
    now = utcnow()
    out = []
    for kind in periodic_kinds():
        when = last.get(kind.name)
        if when is None or now - when >= timedelta(seconds=kind.every):
            out.append(submit(kind.name, dedupe=True))
    return out


def resume_stale() -> int:
    """Queue again the jobs whose worker died (stale heartbeat) and hand them out."""
    stale = utcnow() - STALE_AFTER
    ids = db.session.scalars(
        select(BackgroundJob.id).where(
            BackgroundJob.status == "running", BackgroundJob.heartbeat_at < stale
        )
    ).all()
    requeued = []
    for job_id in ids:
        n = db.session.execute(
            update(BackgroundJob)
            .where(
                BackgroundJob.id == job_id,
                BackgroundJob.status == "running",
                BackgroundJob.heartbeat_at < stale,
            )
            .values(status="queued")
        ).rowcount
        if n:
            job = db.session.get(BackgroundJob, job_id)
            requeued.append((job_id, job.kind))
    db.session.commit()
    app = current_app._get_current_object()
    for job_id, kind in requeued:
        dispatch(app, job_id, kind)
    return len(requeued)


def latest(kind: str, *, status: str | None = None) -> BackgroundJob | None:
    stmt = select(BackgroundJob).where(BackgroundJob.kind == kind)
    if status:
        stmt = stmt.where(BackgroundJob.status == status)
    return db.session.scalars(stmt.order_by(BackgroundJob.id.desc()).limit(1)).first()


# --- RQ -------------------------------------------------------------------------------------

_WORKER_APP = None
_WORKER_PID = None


def redis_connection(app):
    from redis import Redis

    return Redis.from_url(app.config["REDIS_URL"])


def _rq_queue(app):
    from rq import Queue

    return Queue(app.config.get("JOBS_QUEUE") or QUEUE, connection=redis_connection(app))


def set_worker_app(app) -> None:
    """Called by `flask worker` and `flask scheduler` before RQ starts."""
    global _WORKER_APP, _WORKER_PID
    _WORKER_APP, _WORKER_PID = app, os.getpid()


def _worker_context():
    if _WORKER_APP is None:
        raise RuntimeError("run RQ jobs with `flask --app assist worker`")
    ctx = _WORKER_APP.app_context()
    ctx.push()
    if os.getpid() != _WORKER_PID:
        # A forked work horse must not reuse the parent's pooled connections.
        db.engine.dispose(close=False)
    return ctx


def rq_execute(job_id: int) -> bool:
    """The RQ job function: run one recorded job."""
    ctx = _worker_context()
    try:
        return execute(job_id)
    finally:
        db.session.remove()
        ctx.pop()


def rq_periodic(kind: str) -> bool:
    """What RQ's cron scheduler enqueues: record a run of a periodic kind and run it."""
    ctx = _worker_context()
    try:
        job = submit(kind, dedupe=True)
        db.session.info.pop(_PENDING, None)  # run here, not through the queue again
        db.session.commit()
        return execute(job.id)
    finally:
        db.session.remove()
        ctx.pop()


# --- the local runner process ---------------------------------------------------------------

_local_lock = threading.Lock()
_local_procs: dict[int, subprocess.Popen] = {}


def _lock_path(app) -> Path:
    path = Path(app.config["STORAGE_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path / ".jobs-local.lock"


def ensure_local_runner(app) -> None:
    """Start the local runner process unless one of ours is alive (it exits if another runs)."""
    with _local_lock:
        proc = _local_procs.get(id(app))
        if proc is not None and proc.poll() is None:
            return
        env = dict(os.environ, **child_env(app))
        root = Path(__file__).resolve().parent.parent.parent
        _local_procs[id(app)] = subprocess.Popen(
            [sys.executable, "-m", "assist.jobs.local"], env=env, cwd=str(root)
        )


def child_env(app, **settings) -> dict:
    """Environment for a worker process that must run with this app's settings."""
    from assist import INHERITED_SETTINGS

    shared = {k: app.config.get(k) for k in SHARED_SETTINGS if app.config.get(k) is not None}
    return {
        INHERITED_SETTINGS: json.dumps(
            {
                "config": app.config.get("CONFIG_NAME", "development"),
                "settings": {**shared, **settings},
            }
        )
    }


def init_app(app) -> None:
    """Without Redis, start the local runner with the first request a web process serves, so
    the periodic work runs even before anything is submitted (`make run` needs no more)."""

    @app.before_request
    def _start_local_runner():
        if "assist_local_runner" not in app.extensions and backend(app) == "local":
            app.extensions["assist_local_runner"] = True
            ensure_local_runner(app)


def stop_local_runner(app, timeout: float = 10) -> None:
    with _local_lock:
        proc = _local_procs.pop(id(app), None)
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def local_runner_alive(app) -> bool:
    """True when some process holds the local runner's lock."""
    with open(_lock_path(app), "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
        return False


def workers_seen(app) -> int:
    """How many workers are alive for this app's backend (for /readyz)."""
    name = backend(app)
    if name == "rq":
        from rq import Worker

        return len(Worker.all(connection=redis_connection(app)))
    if name == "local":
        return 1 if local_runner_alive(app) else 0
    return 1
