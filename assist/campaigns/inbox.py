"""The campaigns' contribution to 我的待办: lists to decide on, and lists sent back to fix."""

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import Integer, and_, null, or_, select
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.sql import cast

from assist.auth.models import Role
from assist.campaigns.models import Campaign, CampaignList, ListStatus
from assist.centres.models import Centre
from assist.inbox.registry import InboxRow, InboxSource, register_source

GROUP = _l("Campaigns")
NO_AMOUNT = cast(null(), Integer)


def _to_decide(user):
    """Submitted lists waiting at the user's centre (see services.approving_centre)."""
    centre = aliased(Centre)
    campaign_centre = select(Campaign.centre_id).where(Campaign.id == CampaignList.campaign_id)
    waits_here = or_(
        and_(
            CampaignList.centre_id != campaign_centre.scalar_subquery(),
            CampaignList.centre_id.in_(select(centre.id).where(centre.parent_id == user.centre_id)),
        ),
        and_(
            CampaignList.centre_id == user.centre_id,
            CampaignList.centre_id == campaign_centre.scalar_subquery(),
        ),
    )
    return (
        select(CampaignList, CampaignList.submitted_at.label("since"), NO_AMOUNT.label("amount"))
        .where(
            CampaignList.status == ListStatus.SUBMITTED,
            waits_here,
            or_(CampaignList.submitted_by_id.is_(None), CampaignList.submitted_by_id != user.id),
        )
        .options(joinedload(CampaignList.campaign), joinedload(CampaignList.centre))
        .order_by(CampaignList.submitted_at, CampaignList.id)
    )


def _to_fix(user):
    """Lists sent back to the user's own centre, the only one that may change them."""
    return (
        select(CampaignList, CampaignList.created_at.label("since"), NO_AMOUNT.label("amount"))
        .where(CampaignList.status == ListStatus.RETURNED, CampaignList.centre_id == user.centre_id)
        .options(joinedload(CampaignList.campaign), joinedload(CampaignList.centre))
        .order_by(CampaignList.id)
    )


def _row(clist: CampaignList, since, _amount) -> InboxRow:
    return InboxRow(
        record=clist.campaign.name,
        url=url_for("campaigns.list_page", list_id=clist.id),
        what=str(_l("Campaign list")),
        centre=clist.centre.name,
        since=since,
        note=clist.return_reason if clist.status == ListStatus.RETURNED else "",
    )


register_source(
    InboxSource(
        "campaign_lists_to_decide",
        _l("Campaign lists to approve"),
        GROUP,
        (Role.SUPERVISOR,),
        _to_decide,
        _row,
        order=50,
    )
)
register_source(
    InboxSource(
        "campaign_lists_returned",
        _l("Campaign lists returned"),
        GROUP,
        (Role.CASEWORKER,),
        _to_fix,
        _row,
        order=51,
    )
)
