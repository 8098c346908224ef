"""Reading campaigns: what the user may see, and the progress per tier.

Progress reads the lists' counters (one row per list, kept by the services that change
entries and visits) and the screenings grouped per centre, rolled up the tiers by the
centres' materialised paths: the page does not grow with the households listed.
"""

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import bindparam, func, or_, select
from sqlalchemy.orm import joinedload

from assist.campaigns.models import (
    Campaign,
    CampaignList,
    ListEntry,
    ListStatus,
    Quota,
    Screening,
)
from assist.centres.models import Centre
from assist.centres.scoping import in_path_scope
from assist.core.scoping import in_scope
from assist.extensions import db


def visible_campaigns(user):
    """Campaigns run in the user's subtree or above it with a quota in the user's subtree."""
    return _visible_campaigns(user.centre.path)


@lru_cache(maxsize=1024)
def _visible_campaigns(path: str):
    # Built once per centre (a city has a few hundred): SQLAlchemy then reuses the statement's
    # cache key instead of building and hashing the scope's subqueries on every request.
    above = [int(part) for part in path.strip("/").split("/") if part]
    has_quota = (
        select(Quota.id)
        .where(Quota.campaign_id == Campaign.id, in_path_scope(path, Quota.centre_id))
        .exists()
    )
    return (
        select(Campaign)
        .where(
            or_(in_path_scope(path, Campaign.centre_id), Campaign.centre_id.in_(above) & has_quota)
        )
        .order_by(Campaign.starts_on.desc(), Campaign.id.desc())
    )


@lru_cache(maxsize=1024)
def _visible_campaign(path: str):
    return (
        _visible_campaigns(path)
        .options(joinedload(Campaign.centre))
        .where(Campaign.id == bindparam("campaign_id"))
        .limit(1)
    )


def visible_campaign(user, campaign_id: int) -> Campaign | None:
    """The campaign if `user` may see it, else None: one statement (web pages and the API)."""
    return db.session.scalars(
        _visible_campaign(user.centre.path), {"campaign_id": campaign_id}
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
    quota: Quota | None = None
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


@lru_cache(maxsize=1024)
def _standing(path: str):
    return (
        select(Quota, Centre, CampaignList)
        .join(Centre, Centre.id == Quota.centre_id)
        .outerjoin(CampaignList, CampaignList.quota_id == Quota.id)
        .where(Quota.campaign_id == bindparam("campaign_id"), in_path_scope(path, Quota.centre_id))
        .order_by(Centre.path)
    )


@dataclass
class Standing:
    """The campaign as the user's subtree sees it: a row per quota, and the lists."""

    rows: list[Progress]
    #: the campaign's lists in the user's subtree, in tier order, each with its centre
    lists: list[CampaignList]


def standing(campaign: Campaign, user) -> Standing:
    """Progress per quota in the user's scope — quota, listed, approved, visited, money and
    goods — and the lists in scope, from one statement.

    A list belongs to a quota holder (`services.list_for`), so the quotas in scope joined
    to their lists are every list in scope as well. The lists' counters are kept by the
    services in the transactions that change entries and visits: this reads as many rows
    as there are quotas, not households."""
    found = db.session.execute(_standing(user.centre.path), {"campaign_id": campaign.id}).all()
    if not found:
        return Standing([], [])
    top = min(c.tier for _q, c, _l in found)
    rows = [Progress(c, q.households, q.amount_fen, c.tier - top, quota=q) for q, c, _l in found]
    # the list's centre is its quota's: in the session already, read without a statement
    lists = [item for _q, _c, item in found if item is not None]
    screened = (
        db.session.execute(
            select(Centre.path, func.count(Screening.id))
            .join(Centre, Centre.id == Screening.centre_id)
            .where(Screening.campaign_id == campaign.id, in_scope(user, Screening.centre_id))
            .group_by(Centre.path)
        ).all()
        if campaign.is_screening
        else []
    )
    paths = {c.id: c.path for _q, c, _l in found}
    for row, (_q, _c, own) in zip(rows, found, strict=True):
        prefix = row.centre.path
        row.list_status = own.status if own is not None else ""
        for item in lists:
            if not paths[item.centre_id].startswith(prefix):
                continue
            row.listed += item.listed_count
            row.listed_migrant += item.listed_migrant
            if item.status in (ListStatus.APPROVED, ListStatus.PUBLISHED):
                row.approved += item.listed_count
            row.visited += item.visited_count
            row.visited_migrant += item.visited_migrant
            row.cash_fen += int(item.given_cash_fen)
            row.goods_fen += int(item.given_goods_fen)
        for path, n in screened:
            if path.startswith(prefix):
                row.screened += n
    return Standing(rows, lists)


def progress(campaign: Campaign, user) -> list[Progress]:
    """One row per quota in the user's scope (see `standing`)."""
    return standing(campaign, user).rows
