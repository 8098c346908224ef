"""Reading campaigns: what the user may see, and the progress per tier.

Progress is counted with a few grouped queries (one row per centre, not per household) and
rolled up the tiers by the centres' materialised paths.
"""

from dataclasses import dataclass

from sqlalchemy import Integer, case, func, or_, select

from assist.campaigns.models import (
    Campaign,
    CampaignList,
    EntryStatus,
    ListEntry,
    ListStatus,
    Quota,
    Screening,
    Visit,
)
from assist.centres.models import Centre
from assist.core.scoping import in_scope
from assist.extensions import db


def visible_campaigns(user):
    """Campaigns run in the user's subtree or above it with a quota in the user's subtree."""
    above = [int(part) for part in user.centre.path.strip("/").split("/") if part]
    has_quota = (
        select(Quota.id)
        .where(Quota.campaign_id == Campaign.id, in_scope(user, Quota.centre_id))
        .exists()
    )
    return (
        select(Campaign)
        .where(or_(in_scope(user, Campaign.centre_id), Campaign.centre_id.in_(above) & has_quota))
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    )


def can_see_campaign(user, campaign: Campaign) -> bool:
    return (
        db.session.scalar(visible_campaigns(user).where(Campaign.id == campaign.id).limit(1))
        is not None
    )


@dataclass
class Progress:
    centre: Centre
    quota_households: int
    quota_fen: int
    depth: int
    listed: int = 0
    listed_migrant: int = 0
    approved: int = 0
    visited: int = 0
    visited_migrant: int = 0
    cash_fen: int = 0
    goods_fen: int = 0
    screened: int = 0
    list_status: str = ""

    @property
    def given_fen(self) -> int:
        return self.cash_fen + self.goods_fen


def progress(campaign: Campaign, user) -> list[Progress]:
    """One row per quota in the user's scope: quota, listed, approved, visited, money and goods."""
    quotas = db.session.execute(
        select(Quota, Centre)
        .join(Centre, Centre.id == Quota.centre_id)
        .where(Quota.campaign_id == campaign.id, in_scope(user, Quota.centre_id))
        .order_by(Centre.path)
    ).all()
    if not quotas:
        return []
    top = min(c.tier for _q, c in quotas)
    rows = [Progress(c, q.households, q.amount_fen, c.tier - top) for q, c in quotas]
    # Per list centre: listed, migrants, approved (frozen lists), list state.
    listed = db.session.execute(
        select(
            CampaignList.centre_id,
            CampaignList.status,
            func.count(ListEntry.id),
            func.sum(func.cast(ListEntry.is_migrant, Integer)),
        )
        .join(ListEntry, ListEntry.list_id == CampaignList.id)
        .where(CampaignList.campaign_id == campaign.id, ListEntry.status == EntryStatus.LISTED)
        .group_by(CampaignList.centre_id, CampaignList.status)
    ).all()
    visited = db.session.execute(
        select(
            Visit.centre_id,
            func.count(Visit.id),
            func.sum(case((ListEntry.is_migrant.is_(True), 1), else_=0)),
            func.coalesce(func.sum(Visit.cash_fen), 0),
            func.coalesce(func.sum(Visit.goods_value_fen), 0),
        )
        .join(ListEntry, ListEntry.id == Visit.entry_id)
        .where(ListEntry.campaign_id == campaign.id)
        .group_by(Visit.centre_id)
    ).all()
    screened = db.session.execute(
        select(Screening.centre_id, func.count(Screening.id))
        .where(Screening.campaign_id == campaign.id)
        .group_by(Screening.centre_id)
    ).all()
    paths = {
        c.id: c.path
        for c in db.session.scalars(select(Centre).where(Centre.path.startswith(user.centre.path)))
    }
    statuses = {}
    for centre_id, status, _n, _m in listed:
        statuses[centre_id] = status
    for row in rows:
        prefix = row.centre.path
        row.list_status = statuses.get(row.centre.id, "")
        for centre_id, status, n, migrants in listed:
            if paths.get(centre_id, "").startswith(prefix):
                row.listed += n
                row.listed_migrant += int(migrants or 0)
                if status in (ListStatus.APPROVED, ListStatus.PUBLISHED):
                    row.approved += n
        for centre_id, n, migrants, cash, goods in visited:
            if paths.get(centre_id, "").startswith(prefix):
                row.visited += n
                row.visited_migrant += int(migrants or 0)
                row.cash_fen += int(cash or 0)
                row.goods_fen += int(goods or 0)
        for centre_id, n in screened:
            if paths.get(centre_id, "").startswith(prefix):
                row.screened += n
    return rows
