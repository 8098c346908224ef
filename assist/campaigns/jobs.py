"""Drawing a list's candidates in the background, its state kept on the list row.

The print-job engine (assist.documents.jobs) renders many items on a process pool; a draw is
one INSERT … SELECT that the database runs in a second or two, so it runs in a thread of
the web process (or inline in tests) with its state, count and duration on the list:
queued → running → done / failed. `flask campaigns draw-pending` runs any left queued.
"""

import logging
import threading
import time

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select

from assist.audit.services import record
from assist.campaigns.models import CampaignList
from assist.campaigns.services import check_edit_list, draw_candidates
from assist.core.errors import DomainError
from assist.extensions import db

log = logging.getLogger(__name__)


def queue_draw(clist: CampaignList, *, acting_user) -> None:
    """Mark the list for drawing; the caller commits, then calls `start_draw`."""
    check_edit_list(clist, acting_user)
    if clist.draw_state in ("queued", "running"):
        raise DomainError(_("The candidates are already being drawn."))
    clist.draw_state = "queued"
    record("campaign.draw_queued", acting_user=acting_user, obj=clist, centre=clist.centre)
    db.session.flush()


def run_draw(list_id: int) -> int:
    """Draw one queued list now; returns the number of candidates added."""
    clist = db.session.scalars(
        select(CampaignList).where(CampaignList.id == list_id).with_for_update()
    ).first()
    if clist is None or clist.draw_state != "queued":
        return 0
    clist.draw_state = "running"
    db.session.commit()
    started = time.perf_counter()
    try:
        count = draw_candidates(clist)
    except Exception:
        db.session.rollback()
        clist = db.session.get(CampaignList, list_id)
        clist.draw_state = "failed"
        db.session.commit()
        log.exception("drawing candidates for list %s failed", list_id)
        return 0
    clist.draw_state = "done"
    clist.draw_count = count
    clist.draw_ms = int((time.perf_counter() - started) * 1000)
    record(
        "campaign.list_drawn",
        obj=clist,
        centre=clist.centre,
        after={"candidates": count, "ms": clist.draw_ms},
        username="system",
    )
    db.session.commit()
    return count


def start_draw(list_id: int, app=None) -> None:
    """Run the draw in a background thread (inline when CAMPAIGN_DRAW_INLINE is set)."""
    app = app or current_app._get_current_object()
    if app.config.get("CAMPAIGN_DRAW_INLINE", app.testing):
        run_draw(list_id)
        return

    def work():
        with app.app_context():
            run_draw(list_id)
            db.session.remove()

    threading.Thread(target=work, name=f"draw-{list_id}", daemon=True).start()


def run_pending(limit: int = 50) -> int:
    ids = db.session.scalars(
        select(CampaignList.id).where(CampaignList.draw_state == "queued").limit(limit)
    ).all()
    return sum(1 for list_id in ids if run_draw(list_id) >= 0)
