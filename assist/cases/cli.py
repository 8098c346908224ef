"""`flask --app assist notices close-expired`: end the notice of cases whose period is over."""

import click
from flask.cli import with_appcontext

from assist.cases import services
from assist.extensions import db


@click.group("notices")
def notices_cli():
    """Public notices (公示) of approved aid cases."""


@notices_cli.command("close-expired")
@with_appcontext
def close_expired():
    """Move every case whose notice ended without an open objection to ready-to-pay."""
    total = 0
    while True:
        done = services.close_expired_notices()
        db.session.commit()
        total += done
        if not done:
            break
    click.echo(f"{total} case(s) moved from public notice to ready to pay.")
