"""`flask --app assist worker | scheduler | jobs …`: run the background work."""

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from assist.extensions import db
from assist.jobs import engine
from assist.jobs.models import BackgroundJob
from assist.jobs.priority import lower_priority
from assist.jobs.registry import periodic_kinds


@click.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
@with_appcontext
def worker(burst):
    """Run an RQ worker on REDIS_URL (any number of these, on any number of hosts)."""
    from rq import Worker

    app = current_app._get_current_object()
    if engine.backend(app) != "rq":
        raise click.ClickException("REDIS_URL is not set: jobs run in the app's local runner.")
    app.testing = False  # a worker is never a test body (see assist.core.database)
    # Before RQ forks its work horses: they inherit the lower priority (JOB_NICE).
    lower_priority(app.config.get("JOB_NICE", 0))
    engine.set_worker_app(app)
    queue = engine._rq_queue(app)
    Worker([queue], connection=queue.connection).work(burst=burst, with_scheduler=False)


@click.command("scheduler")
@with_appcontext
def scheduler():
    """Enqueue the periodic work (notice expiry, ledger verification…) on RQ's cron."""
    from rq.cron import CronScheduler

    app = current_app._get_current_object()
    if engine.backend(app) != "rq":
        raise click.ClickException("REDIS_URL is not set: the local runner schedules itself.")
    engine.set_worker_app(app)
    cron = CronScheduler(connection=engine.redis_connection(app))
    for kind in periodic_kinds():
        cron.register(
            engine.rq_periodic,
            app.config.get("JOBS_QUEUE") or engine.QUEUE,
            args=(kind.name,),
            interval=kind.every,
            job_timeout=kind.timeout,
            name=kind.name,
        )
    cron.start()


jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("run")
def run():
    """Run every queued job (and resume stale ones) in this process, then stop."""
    engine.resume_stale()
    count = engine.run_queued()
    click.echo(f"{count} job(s) run")


@jobs_cli.command("submit")
@click.argument("kind")
def submit(kind):
    """Queue a job of KIND (e.g. funds.verify_ledger) for the workers."""
    try:
        job = engine.submit(kind)
    except KeyError:
        raise click.ClickException(f"unknown job kind {kind}") from None
    db.session.commit()
    click.echo(f"job {job.id} queued ({kind})")


@jobs_cli.command("list")
def list_jobs():
    """The 20 most recent jobs."""
    for job in db.session.scalars(
        select(BackgroundJob).order_by(BackgroundJob.id.desc()).limit(20)
    ):
        click.echo(
            f"{job.id:6} {job.status:8} {job.kind:28} {job.created_at:%Y-%m-%d %H:%M} {job.error[:60]}"
        )
