"""Reading campaigns: what the user may see, and the progress per tier.

Progress reads the lists' counters (one row per list, kept by the services that change
entries and visits) and the screenings grouped per centre, rolled up the tiers by the
centres' materialised paths: the page does not grow with the households listed.
"""

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from assist.campaigns.models import (
    Campaign,
    CampaignList,
    ListEntry,
    ListStatus,
    Quota,
    Screening,
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


def visible_campaign(user, campaign_id: int) -> Campaign | None:
    """The campaign if `user` may see it, else None: one statement (web pages and the API)."""
    return db.session.scalars(
        visible_campaigns(user).where(Campaign.id == campaign_id).limit(1)
    ).first()


def can_see_list(user, clist: CampaignList) -> bool:
    """A list is seen by its own centre, the centres below it and the centres above it."""
    return clist.centre.is_within(user.centre) or user.centre.is_within(clist.centre)


def can_see_entry(user, entry: ListEntry) -> bool:
    return can_see_list(user, entry.list) and (
        entry.applicant.centre.is_within(user.centre) or entry.list.centre.is_within(user.centre)
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
    # One row per list: its counters, kept by the services in the transactions that change
    # entries and visits, so this reads as many rows as there are lists, not households.
    lists = db.session.execute(
        select(
            CampaignList.centre_id,
            CampaignList.status,
            CampaignList.listed_count,
            CampaignList.listed_migrant,
            CampaignList.visited_count,
            CampaignList.visited_migrant,
            CampaignList.given_cash_fen,
            CampaignList.given_goods_fen,
        ).where(CampaignList.campaign_id == campaign.id)
    ).all()
    screened = (
        db.session.execute(
            select(Screening.centre_id, func.count(Screening.id))
            .where(Screening.campaign_id == campaign.id)
            .group_by(Screening.centre_id)
        ).all()
        if campaign.is_screening
        else []
    )
    paths = {
        c.id: c.path
        for c in db.session.scalars(select(Centre).where(Centre.path.startswith(user.centre.path)))
    }
    statuses = {row.centre_id: row.status for row in lists}
    for row in rows:
        prefix = row.centre.path
        row.list_status = statuses.get(row.centre.id, "")
        for item in lists:
            if not paths.get(item.centre_id, "").startswith(prefix):
                continue
            row.listed += item.listed_count
            row.listed_migrant += item.listed_migrant
            if item.status in (ListStatus.APPROVED, ListStatus.PUBLISHED):
                row.approved += item.listed_count
            row.visited += item.visited_count
            row.visited_migrant += item.visited_migrant
            row.cash_fen += int(item.given_cash_fen)
            row.goods_fen += int(item.given_goods_fen)
        for centre_id, n in screened:
            if paths.get(centre_id, "").startswith(prefix):
                row.screened += n
    return rows
