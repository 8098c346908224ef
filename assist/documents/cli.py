"""`flask --app assist print-jobs …`: run batch prints without waiting for web traffic, and
delete their outputs after the retention period."""

import click
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from assist.documents import jobs
from assist.documents.models import PrintJob
from assist.extensions import db

print_jobs_cli = AppGroup("print-jobs", help="Background batch printing.")


@print_jobs_cli.command("run")
def run():
    """Run every waiting print job, and resume those whose runner died, until none is left."""
    count = jobs.run_pending(current_app._get_current_object())
    click.echo(f"{count} print job(s) run")


@print_jobs_cli.command("list")
def list_jobs():
    """List the 20 most recent print jobs with their progress."""
    for job in db.session.scalars(select(PrintJob).order_by(PrintJob.id.desc()).limit(20)):
        click.echo(f"{job.id:6} {job.status:17} {job.done:5}/{job.total:<5} {job.title}")


@print_jobs_cli.command("purge")
def purge():
    """Delete batch outputs older than PRINT_OUTPUT_RETENTION_DAYS (each deletion audited)."""
    count = jobs.purge_expired()
    db.session.commit()
    click.echo(f"{count} print job output(s) deleted")
