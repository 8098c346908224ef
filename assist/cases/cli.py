"""`flask --app assist notices close-expired`: end the notice of cases whose period is over."""

import click
from flask.cli import with_appcontext

from assist.applicants import services as file_services
from assist.cases import services
from assist.extensions import db


@click.group("notices")
def notices_cli():
    """Public notices (公示) of approved aid cases."""


@notices_cli.command("close-expired")
@with_appcontext
def close_expired():
    """End every notice that has run its period: cases become ready to pay, files go on record."""
    total = 0
    while True:
        done = services.close_expired_notices()
        db.session.commit()
        total += done
        if not done:
            break
    files = 0
    while True:
        done = file_services.activate_ended_notices()
        db.session.commit()
        files += done
        if not done:
            break
    click.echo(f"{total} case(s) moved from public notice to ready to pay.")
    click.echo(f"{files} file(s) put on record after their public notice.")
