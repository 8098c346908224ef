"""`flask stats refresh`: rebuild the dashboards' summary table (for cron or a worker)."""

import click
from flask.cli import AppGroup

from assist.stats.services import refresh_figures

stats_cli = AppGroup("stats", help="Dashboard figures.")


@stats_cli.command("refresh")
def refresh_command():
    """Rebuild the summary table behind the dashboards from the records."""
    run = refresh_figures()
    seconds = (run.finished_at - run.started_at).total_seconds()
    click.echo(f"{run.rows} figure rows in {seconds:.2f} s")
