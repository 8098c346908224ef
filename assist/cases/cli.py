"""`flask --app assist notices close-expired`: end the notice of cases whose period is over."""

import click
from flask.cli import with_appcontext

from assist.applicants import services as file_services
from assist.cases import services
from assist.extensions import db
from assist.jobs.registry import register_kind


@click.group("notices")
def notices_cli():
    """Public notices (公示) of approved aid cases."""


def close_all_expired() -> int:
    """Move every case whose notice ended without an open objection to ready-to-pay."""
    total = 0
    while True:
        done = services.close_expired_notices()
        db.session.commit()
        total += done
        if not done:
            break
    return total


def activate_all_ended_files() -> int:
    """Put on record every file whose public notice has ended."""
    files = 0
    while True:
        done = file_services.activate_ended_notices()
        db.session.commit()
        files += done
        if not done:
            return files


# The job engine runs it every five minutes (RQ's scheduler or the local runner).
register_kind(
    "cases.close_expired_notices",
    lambda params: {"cases": close_all_expired(), "files": activate_all_ended_files()},
    every=300,
)


@notices_cli.command("close-expired")
@with_appcontext
def close_expired():
    """End every notice that has run its period: cases become ready to pay, files go on record."""
    total = close_all_expired()
    files = activate_all_ended_files()
    click.echo(f"{total} case(s) moved from public notice to ready to pay.")
    click.echo(f"{files} file(s) put on record after their public notice.")
