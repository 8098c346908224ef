"""The dashboards' summary refresh as background work on the job engine.

`stats.refresh` runs every 15 minutes (the local runner or `flask --app assist scheduler`),
on demand from the dashboard's button, and when a page finds the figures stale; the page
always reads the last finished refresh.
"""

from assist.extensions import db
from assist.jobs import engine
from assist.jobs.registry import register_kind

KIND = "stats.refresh"
EVERY = 15 * 60


def _run_job(params: dict) -> dict:
    from assist.stats.services import refresh_figures

    run = refresh_figures()
    return {"refresh_id": run.id, "rows": run.rows}


register_kind(KIND, _run_job, every=EVERY, timeout=3600)


def request_refresh(*, commit: bool = True):
    """Queue a refresh (once: one already waiting is not queued twice); hand it out on commit."""
    job = engine.submit(KIND, dedupe=True)
    if commit:
        db.session.commit()
    return job
