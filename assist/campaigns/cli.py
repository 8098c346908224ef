"""`flask campaigns …`: background draws and pairing escalation without web traffic."""

import click
from flask.cli import with_appcontext

from assist.extensions import db

campaigns_cli = click.Group("campaigns", help="Send-warmth campaigns and pairing.")


@campaigns_cli.command("draw-pending")
@with_appcontext
def draw_pending():
    """Draw the candidates of lists left queued (e.g. after a restart)."""
    from assist.campaigns.jobs import run_pending

    click.echo(f"{run_pending()} list(s) drawn")


@campaigns_cli.command("escalate-pairs")
@with_appcontext
def escalate_pairs():
    """Raise pairs that ran the set period without moving the household to the parent centre."""
    from assist.pairings.services import escalate_due_pairs

    count = escalate_due_pairs()
    db.session.commit()
    click.echo(f"{count} pair(s) escalated")
