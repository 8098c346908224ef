"""Campaign rules: quotas down the tiers, the list's life, visits, payment and sample checks.

Quotas are hard limits: a change that takes households or money out of a quota (a child's
quota, a household listed) locks that quota's row first (SELECT … FOR UPDATE) and counts
what is already taken under the lock, so two centres acting at the same moment cannot both
take the last place. Going beyond a quota needs a request with a reason that the parent
centre approves, and the parent's own quota must hold the extra.
"""

import math
import random
import secrets
from dataclasses import dataclass, field
from datetime import date
from functools import cache

from flask_babel import gettext as _
from sqlalchemy import and_, bindparam, exists, func, insert, literal, or_, select, update
from sqlalchemy import case as sql_case
from sqlalchemy.orm import joinedload

from assist.applicants.models import Applicant, Category, FileStatus
from assist.audit.services import record
from assist.auth.models import Role, User
from assist.campaigns.models import (
    Campaign,
    CampaignKind,
    CampaignList,
    CampaignOccasion,
    CampaignStatus,
    EntryStatus,
    ListEntry,
    ListStatus,
    Quota,
    QuotaRequest,
    SampleCheck,
    SampleItem,
    SampleResult,
    Visit,
)
from assist.cases import services as case_services
from assist.cases.models import AidKind, CaseStatus, Occasion
from assist.centres.models import Centre, Tier
from assist.core.database import lock_row
from assist.core.errors import DomainError, PermissionDenied, ValidationError
from assist.core.inputs import id_or_none
from assist.core.money import format_yuan
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db
from assist.funds import batches
from assist.funds.models import Fund, PaymentMethod

MAX_TEXT = 2000
MAX_HOUSEHOLDS = 1_000_000
from assist.core.money import MAX_AMOUNT_FEN  # noqa: E402  (¥100 million: a typing-error guard)

#: The aid-case holiday each campaign occasion is capped under.
CASE_OCCASION = {
    CampaignOccasion.SPRING_FESTIVAL: Occasion.SPRING_FESTIVAL,
    CampaignOccasion.MID_AUTUMN: Occasion.MID_AUTUMN,
}

#: Case states in which the household may be visited: the notice is over.
VISITABLE = (CaseStatus.READY_TO_PAY, CaseStatus.PARTLY_PAID, CaseStatus.PAID)


# ---------------------------------------------------------------------------- helpers


def _fail(field_name: str, message: str) -> None:
    raise ValidationError(message, fields={field_name: message})


def _text(value, field_name: str, message: str, *, required: bool = True, max_len=MAX_TEXT):
    value = (value or "").strip() if isinstance(value, str) or value is None else None
    if value is None:
        _fail(field_name, message or _("Enter text."))
    if required and not value:
        _fail(field_name, message)
    if len(value) > max_len:
        _fail(field_name, _("Keep this under %(n)d characters.", n=max_len))
    return value


def _require(user: User, *roles: Role) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied(_("Your role does not allow this."))


def _require_scope(user: User, centre: Centre) -> None:
    if not centre.is_within(user.centre):
        raise PermissionDenied(_("This lies outside your scope."))


def clean_goods(raw, field_name: str = "goods") -> list[dict]:
    """Goods items [{"name", "quantity", "unit_value_fen"}] with names and whole positive numbers."""
    items = []
    for item in raw or []:
        name = (item.get("name") or "").strip() if isinstance(item, dict) else ""
        quantity = item.get("quantity") if isinstance(item, dict) else None
        unit = item.get("unit_value_fen") if isinstance(item, dict) else None
        if not name and not quantity and not unit:
            continue
        if not name or len(name) > 40:
            _fail(field_name, _("Name each goods item (up to 40 characters)."))
        if not isinstance(quantity, int) or isinstance(quantity, bool) or not 0 < quantity <= 1000:
            _fail(field_name, _("Give each goods item a quantity from 1 to 1000."))
        if not isinstance(unit, int) or isinstance(unit, bool) or not 0 < unit <= 10_000_000:
            _fail(field_name, _("Give each goods item a unit value above zero."))
        items.append({"name": name, "quantity": quantity, "unit_value_fen": unit})
    if len(items) > 20:
        _fail(field_name, _("A pack has at most 20 items."))
    return items


def goods_text(goods: list[dict]) -> str:
    return "、".join(f"{g['name']}×{g['quantity']}" for g in goods or [])


# ---------------------------------------------------------------------------- campaigns


@dataclass
class CampaignInput:
    name: str
    occasion: str
    starts_on: date | None
    ends_on: date | None
    kind: str = CampaignKind.WARMTH
    cash_fen: int = 0
    goods: list = field(default_factory=list)
    rule: dict = field(default_factory=dict)
    fund_ids: list = field(default_factory=list)
    households: int = 0
    amount_fen: int = 0
    sample_percent: int = 10
    age_min: int = 35
    age_max: int = 64
    repeat_years: int = 3
    note: str = ""


RULE_KEYS = ("categories", "causes", "migrant", "women", "model", "employer", "hand_picked")


def clean_rule(raw: dict) -> dict:
    """The target rule: file categories, causes, migrant/women/model workers, employer."""
    from assist.applicants.models import Cause

    raw = raw or {}
    categories = [c for c in raw.get("categories") or [] if c]
    if any(c not in (Category.DEEP, Category.RELATIVE, Category.ACCIDENT) for c in categories):
        _fail("categories", _("Choose file categories from the list."))
    causes = [c for c in raw.get("causes") or [] if c]
    if any(c not in set(Cause) for c in causes):
        _fail("causes", _("Choose causes from the list."))
    employer = raw.get("employer") or ""
    if not isinstance(employer, str) or len(employer.strip()) > 120:
        _fail("employer", _("Keep this under %(n)d characters.", n=120))
    return {
        "categories": categories,
        "causes": causes,
        "migrant": bool(raw.get("migrant")),
        "women": bool(raw.get("women")),
        "model": bool(raw.get("model")),
        "employer": employer.strip(),
        "hand_picked": bool(raw.get("hand_picked")),
    }


def rule_condition(rule: dict):
    """The target rule as a SQL condition on Applicant (every part given must hold)."""
    conditions = [Applicant.status == FileStatus.ACTIVE]
    if rule.get("categories"):
        conditions.append(Applicant.category.in_(rule["categories"]))
    if rule.get("causes"):
        conditions.append(Applicant.main_cause.in_(rule["causes"]))
    if rule.get("migrant"):
        conditions.append(Applicant.is_migrant_worker.is_(True))
    if rule.get("women"):
        conditions.append(Applicant.gender == "F")
    if rule.get("model"):
        conditions.append(Applicant.is_model_worker.is_(True))
    if rule.get("employer"):
        conditions.append(Applicant.employer.contains(rule["employer"]))
    return and_(*conditions)


def matches_rule(applicant: Applicant, rule: dict) -> bool:
    if rule.get("hand_picked"):
        return applicant.status == FileStatus.ACTIVE
    return bool(
        applicant.status == FileStatus.ACTIVE
        and (not rule.get("categories") or applicant.category in rule["categories"])
        and (not rule.get("causes") or applicant.main_cause in rule["causes"])
        and (not rule.get("migrant") or applicant.is_migrant_worker)
        and (not rule.get("women") or applicant.gender == "F")
        and (not rule.get("model") or applicant.is_model_worker)
        and (not rule.get("employer") or rule["employer"] in (applicant.employer or ""))
    )


def check_create_campaign(user: User) -> None:
    _require(user, Role.SUPERVISOR, Role.ADMIN)
    if user.centre.tier == Tier.STATION:
        raise PermissionDenied(_("Campaigns are created by the city or a district centre."))


def create_campaign(*, acting_user: User, data: CampaignInput) -> Campaign:
    """Open a campaign at the acting user's centre with its root quota."""
    check_create_campaign(acting_user)
    name = _text(data.name, "name", _("Name the campaign."), max_len=120)
    if data.kind not in set(CampaignKind):
        _fail("kind", _("Choose the kind of campaign."))
    if data.occasion not in set(CampaignOccasion):
        _fail("occasion", _("Choose the occasion."))
    if data.starts_on is None or data.ends_on is None:
        _fail("starts_on", _("Enter the window's first and last day."))
    if data.ends_on < data.starts_on:
        _fail("ends_on", _("The window ends before it starts."))
    if not 0 <= data.cash_fen <= 100_000_000:
        _fail("cash", _("Enter the cash per household, in yuan."))
    goods = clean_goods(data.goods)
    rule = clean_rule(data.rule)
    if (
        data.kind == CampaignKind.WARMTH
        and data.cash_fen + sum(g["quantity"] * g["unit_value_fen"] for g in goods) <= 0
    ):
        _fail("cash", _("Give the standard per household: cash, goods or both."))
    funds = _clean_funds(data.fund_ids, acting_user, required=data.kind == CampaignKind.WARMTH)
    _check_quota_figures(data.households, data.amount_fen)
    if not 0 <= data.sample_percent <= 100:
        _fail("sample_percent", _("Enter a share from 0 to 100 per cent."))
    if not 16 <= data.age_min <= data.age_max <= 100:
        _fail("age_min", _("Enter an age range such as 35 to 64."))
    if not 0 <= data.repeat_years <= 10:
        _fail("repeat_years", _("Enter 0 to 10 years."))
    campaign = Campaign(
        kind=data.kind,
        name=name,
        occasion=data.occasion,
        year=data.starts_on.year,
        starts_on=data.starts_on,
        ends_on=data.ends_on,
        centre_id=acting_user.centre_id,
        centre=acting_user.centre,
        status=CampaignStatus.OPEN,
        cash_fen=data.cash_fen if data.kind == CampaignKind.WARMTH else 0,
        goods=goods if data.kind == CampaignKind.WARMTH else [],
        rule=rule,
        fund_ids=[f.id for f in funds],
        sample_percent=data.sample_percent,
        age_min=data.age_min,
        age_max=data.age_max,
        repeat_years=data.repeat_years,
        note=_text(data.note, "note", "", required=False),
        created_by_id=acting_user.id,
    )
    db.session.add(campaign)
    db.session.flush()
    quota = Quota(
        campaign_id=campaign.id,
        centre_id=acting_user.centre_id,
        households=data.households,
        amount_fen=data.amount_fen,
        set_by_id=acting_user.id,
    )
    db.session.add(quota)
    db.session.flush()
    record(
        "campaign.created",
        acting_user=acting_user,
        obj=campaign,
        centre=acting_user.centre,
        after={
            "name": name,
            "kind": data.kind,
            "occasion": data.occasion,
            "cash_fen": campaign.cash_fen,
            "goods": campaign.goods,
            "rule": rule,
            "funds": campaign.fund_ids,
            "households": data.households,
            "amount_fen": data.amount_fen,
        },
    )
    return campaign


def _clean_funds(fund_ids, user: User, *, required: bool) -> list[Fund]:
    funds = []
    for raw in fund_ids or []:
        try:
            fund = db.session.get(Fund, id_or_none(raw) or 0)
        except (TypeError, ValueError):
            fund = None
        if fund is None or not user.centre.is_within(fund.centre):
            _fail("funds", _("Choose funds that reach your centre."))
        if not fund.allows(AidKind.HOLIDAY):
            _fail("funds", _("Fund %(name)s may not pay holiday visits.", name=fund.name))
        funds.append(fund)
    if required and not funds:
        _fail("funds", _("Choose the fund(s) that pay the campaign."))
    return funds


def check_close_campaign(campaign: Campaign, user: User) -> None:
    _require(user, Role.SUPERVISOR, Role.ADMIN)
    if campaign.centre_id != user.centre_id:
        raise PermissionDenied(_("Only the centre that runs the campaign closes it."))
    if campaign.status != CampaignStatus.OPEN:
        raise DomainError(_("The campaign is already closed."))


def close_campaign(campaign: Campaign, *, acting_user: User) -> None:
    check_close_campaign(campaign, acting_user)
    campaign.status = CampaignStatus.CLOSED
    record("campaign.closed", acting_user=acting_user, obj=campaign, centre=campaign.centre)
    db.session.flush()


def _check_open(campaign: Campaign) -> None:
    if campaign.status != CampaignStatus.OPEN:
        raise DomainError(_("The campaign is closed."))


# ---------------------------------------------------------------------------- quotas


def _check_quota_figures(households, amount_fen) -> None:
    if not isinstance(households, int) or not 0 <= households <= MAX_HOUSEHOLDS:
        _fail("households", _("Enter a number of households from 0 to 1,000,000."))
    if not isinstance(amount_fen, int) or not 0 <= amount_fen <= MAX_AMOUNT_FEN:
        _fail("amount", _("Enter the amount in yuan."))


def lock_quota(quota_id: int) -> Quota:
    """Take the quota row's lock and re-read it, so the count below sees committed work."""
    return lock_row(Quota, quota_id)


def quota_of(campaign: Campaign, centre: Centre) -> Quota | None:
    return db.session.scalars(
        select(Quota).where(Quota.campaign_id == campaign.id, Quota.centre_id == centre.id)
    ).first()


#: Newest requests shown beside a quota: sent by the centres below it, and sent by its own.
REQUESTS_IN_SHOWN = 50
OWN_REQUESTS_SHOWN = 20


@cache
def _requests_around():
    """`quota_requests_around`'s statement, built once (the campaign page asks on every view)."""
    quota_id = bindparam("quota_id")
    sent_up = (
        select(QuotaRequest.id)
        .join(Quota, Quota.id == QuotaRequest.quota_id)
        .where(Quota.parent_id == quota_id)
        .order_by(QuotaRequest.id.desc())
        .limit(REQUESTS_IN_SHOWN)
    )
    own = (
        select(QuotaRequest.id)
        .where(QuotaRequest.quota_id == quota_id)
        .order_by(QuotaRequest.id.desc())
        .limit(OWN_REQUESTS_SHOWN)
    )
    return (
        select(QuotaRequest)
        .options(joinedload(QuotaRequest.quota).joinedload(Quota.centre))
        .where(
            or_(
                QuotaRequest.id.in_(sent_up.scalar_subquery()),
                QuotaRequest.id.in_(own.scalar_subquery()),
            )
        )
        .order_by(QuotaRequest.id.desc())
    )


def quota_requests_around(quota: Quota) -> tuple[list[QuotaRequest], list[QuotaRequest]]:
    """The newest requests to exceed a quota sent up to `quota` by the centres below it, and
    the newest sent by `quota`'s own centre, each with its quota and centre: one statement."""
    rows = db.session.scalars(_requests_around(), {"quota_id": quota.id}).all()
    return (
        [r for r in rows if r.quota.parent_id == quota.id],
        [r for r in rows if r.quota_id == quota.id],
    )


@dataclass
class QuotaUse:
    households: int  # given to children plus listed (or screened) here
    amount_fen: int


def quota_use(quota: Quota, *, exclude_child: int | None = None) -> QuotaUse:
    """What is taken out of a quota: its children's quotas and its own list (or screenings)."""
    child_stmt = select(
        func.coalesce(func.sum(Quota.households), 0), func.coalesce(func.sum(Quota.amount_fen), 0)
    ).where(Quota.parent_id == quota.id)
    if exclude_child is not None:
        child_stmt = child_stmt.where(Quota.id != exclude_child)
    child_households, child_amount = db.session.execute(child_stmt).one()
    campaign = quota.campaign
    if campaign.is_screening:
        from assist.campaigns.models import Screening

        own = db.session.scalar(
            select(func.count(Screening.id)).where(
                Screening.campaign_id == campaign.id, Screening.centre_id == quota.centre_id
            )
        )
        return QuotaUse(int(child_households) + int(own or 0), int(child_amount))
    own = db.session.scalar(  # the list's own counter (see _bump), not a count of its entries
        select(func.coalesce(func.sum(CampaignList.listed_count), 0)).where(
            CampaignList.quota_id == quota.id
        )
    )
    own = int(own or 0)
    return QuotaUse(int(child_households) + own, int(child_amount) + own * campaign.standard_fen)


def check_set_quota(parent: Quota, user: User) -> None:
    _require(user, Role.SUPERVISOR, Role.ADMIN)
    if parent.centre_id != user.centre_id:
        raise PermissionDenied(_("Quotas are split by the centre that holds them."))
    _check_open(parent.campaign)


def set_quota(
    parent: Quota, child_centre: Centre, *, acting_user: User, households: int, amount_fen: int
) -> Quota:
    """Give (or change) a child centre's quota out of its parent's, under the parent's lock."""
    check_set_quota(parent, acting_user)
    _check_quota_figures(households, amount_fen)
    if child_centre.parent_id != parent.centre_id:
        _fail("centre", _("Quotas go to the centres directly below yours."))
    parent = lock_quota(parent.id)
    child = quota_of(parent.campaign, child_centre)
    if child is not None:
        child = lock_quota(child.id)
    used = quota_use(parent, exclude_child=child.id if child else None)
    free_households = parent.households - used.households
    free_amount = parent.amount_fen - used.amount_fen
    if households > free_households or amount_fen > free_amount:
        message = _(
            "Your quota has %(h)d household(s) and %(a)s yuan left to give; "
            "ask %(parent)s for more first.",
            h=max(free_households, 0),
            a=format_yuan(max(free_amount, 0)),
            parent=parent.centre.parent.name if parent.centre.parent else parent.centre.name,
        )
        raise DomainError(
            message,
            fields={"households": message},
            code_detail="quota_exceeded",
            free_households=free_households,
        )
    before = None
    if child is not None:
        child_used = quota_use(child)
        if households < child_used.households or amount_fen < child_used.amount_fen:
            message = _(
                "%(centre)s has already used %(h)d household(s) and %(a)s yuan of its quota.",
                centre=child_centre.name,
                h=child_used.households,
                a=format_yuan(child_used.amount_fen),
            )
            raise DomainError(message, fields={"households": message})
        before = {"households": child.households, "amount_fen": child.amount_fen}
        child.households = households
        child.amount_fen = amount_fen
        child.set_by_id = acting_user.id
    else:
        child = Quota(
            campaign_id=parent.campaign_id,
            centre_id=child_centre.id,
            parent_id=parent.id,
            households=households,
            amount_fen=amount_fen,
            set_by_id=acting_user.id,
        )
        db.session.add(child)
    db.session.flush()
    record(
        "campaign.quota_set",
        acting_user=acting_user,
        obj=child,
        centre=child_centre,
        before=before,
        after={"campaign": parent.campaign_id, "households": households, "amount_fen": amount_fen},
    )
    return child


def check_request_more(quota: Quota, user: User) -> None:
    _require(user, Role.SUPERVISOR, Role.CASEWORKER)
    if quota.centre_id != user.centre_id:
        raise PermissionDenied(_("Only the centre that holds a quota asks for more."))
    if quota.parent_id is None:
        raise DomainError(_("The campaign's own centre sets its quota; there is no parent."))
    _check_open(quota.campaign)


def request_more(
    quota: Quota, *, acting_user: User, households: int, amount_fen: int, reason: str
) -> QuotaRequest:
    """Ask the parent centre to go beyond a quota, giving the reason."""
    check_request_more(quota, acting_user)
    if not isinstance(households, int) or not 0 < households <= MAX_HOUSEHOLDS:
        _fail("households", _("Enter how many more households, at least one."))
    _check_quota_figures(households, amount_fen)
    reason = _text(reason, "reason", _("Say why the quota must be exceeded."))
    req = QuotaRequest(
        quota_id=quota.id,
        extra_households=households,
        extra_amount_fen=amount_fen,
        reason=reason,
        requested_by_id=acting_user.id,
    )
    db.session.add(req)
    db.session.flush()
    record(
        "campaign.quota_requested",
        acting_user=acting_user,
        obj=req,
        centre=quota.centre,
        after={"households": households, "amount_fen": amount_fen},
        comment=reason,
    )
    return req


def check_decide_request(req: QuotaRequest, user: User) -> None:
    _require(user, Role.SUPERVISOR)
    parent = req.quota.parent
    if parent is None or parent.centre_id != user.centre_id:
        raise PermissionDenied(_("The parent centre's supervisors decide this request."))
    if req.status != "open":
        raise DomainError(_("This request has already been decided."))


def decide_request(req: QuotaRequest, *, acting_user: User, approve: bool, note: str) -> None:
    """Approve (the quota grows, out of the parent's) or refuse a request, with a note."""
    check_decide_request(req, acting_user)
    note = _text(note, "note", _("Give the reason for your decision."))
    if approve:
        parent = lock_quota(req.quota.parent_id)
        child = lock_quota(req.quota_id)
        used = quota_use(parent)
        if (
            used.households + req.extra_households > parent.households
            or used.amount_fen + req.extra_amount_fen > parent.amount_fen
        ):
            raise DomainError(
                _(
                    "Your own quota cannot hold this: %(h)d household(s) and %(a)s yuan left.",
                    h=max(parent.households - used.households, 0),
                    a=format_yuan(max(parent.amount_fen - used.amount_fen, 0)),
                )
            )
        child.households += req.extra_households
        child.amount_fen += req.extra_amount_fen
    req.status = "approved" if approve else "refused"
    req.decided_by_id = acting_user.id
    req.decided_at = utcnow()
    req.decision_note = note
    db.session.flush()
    record(
        "campaign.quota_request_" + req.status,
        acting_user=acting_user,
        obj=req,
        centre=req.quota.centre,
        after={"households": req.extra_households, "amount_fen": req.extra_amount_fen},
        comment=note,
    )


# ---------------------------------------------------------------------------- lists


def list_for(campaign: Campaign, centre: Centre, *, create_user: User | None = None):
    """The centre's list in the campaign, created on first use when its quota exists."""
    row = db.session.scalars(
        select(CampaignList).where(
            CampaignList.campaign_id == campaign.id, CampaignList.centre_id == centre.id
        )
    ).first()
    if row is not None or create_user is None:
        return row
    quota = quota_of(campaign, centre)
    if quota is None:
        raise DomainError(_("%(centre)s has no quota in this campaign.", centre=centre.name))
    row = CampaignList(campaign_id=campaign.id, centre_id=centre.id, quota_id=quota.id)
    db.session.add(row)
    db.session.flush()
    record(
        "campaign.list_created",
        acting_user=create_user,
        obj=row,
        centre=centre,
        after={"campaign": campaign.id},
    )
    return row


def _check_list_editor(clist: CampaignList, user: User) -> None:
    _require(user, Role.CASEWORKER)
    if clist.centre_id != user.centre_id:
        raise PermissionDenied(_("Only the centre that holds the list changes it."))
    _check_open(clist.campaign)
    if clist.status not in (ListStatus.DRAFT, ListStatus.RETURNED):
        raise DomainError(
            _("The list is frozen once submitted; it changes only if the parent returns it.")
        )


def check_edit_list(clist: CampaignList, user: User) -> None:
    _check_list_editor(clist, user)


COUNTERS = (
    "listed_count",
    "listed_migrant",
    "candidate_count",
    "removed_count",
    "visited_count",
    "visited_migrant",
    "given_cash_fen",
    "given_goods_fen",
)


def _bump(
    clist: CampaignList, *, goods: list[dict] | None = None, sign: int = 1, **deltas: int
) -> None:
    """Move the list's counters by `deltas` (and its goods per item by `sign` × `goods`) in the
    caller's transaction.

    One UPDATE … SET n = n + d: the row lock it takes serialises concurrent changes, so the
    counters always equal a count of the entries and visits (progress reads only these). The
    goods per item are a JSON object, so they are re-read under that same lock and written back.
    """
    deltas = {name: int(d) for name, d in deltas.items() if d}
    if not set(deltas) <= set(COUNTERS):
        raise ValueError(f"unknown list counters: {sorted(set(deltas) - set(COUNTERS))}")
    if deltas:
        db.session.execute(
            update(CampaignList)
            .where(CampaignList.id == clist.id)
            .values(
                {getattr(CampaignList, n): getattr(CampaignList, n) + d for n, d in deltas.items()}
            )
            .execution_options(synchronize_session=False)
        )
        db.session.expire(clist, list(deltas))
    if goods:
        items = dict(
            db.session.scalar(
                select(CampaignList.goods_items)
                .where(CampaignList.id == clist.id)
                .with_for_update()
            )
            or {}
        )
        db.session.execute(
            update(CampaignList)
            .where(CampaignList.id == clist.id)
            .values(goods_items=add_goods(items, goods, sign))
            .execution_options(synchronize_session=False)
        )
        db.session.expire(clist, ["goods_items"])


def add_goods(items: dict, goods: list[dict], sign: int = 1) -> dict:
    """`items` ({name: quantity}) with `goods` ([{"name", "quantity", …}]) added (or taken off)."""
    items = dict(items)
    for g in goods or []:
        quantity = items.get(g["name"], 0) + sign * int(g["quantity"])
        if quantity:
            items[g["name"]] = quantity
        else:
            items.pop(g["name"], None)
    return items


def recount_list(clist: CampaignList) -> None:
    """Set the list's counters from its entries and visits (rows written around the services,
    as the benchmark's bulk SQL does). Counts every row of the list: not for request paths."""
    on_list = and_(ListEntry.list_id == clist.id, ListEntry.status == EntryStatus.LISTED)
    listed, migrant = db.session.execute(
        select(
            func.count(ListEntry.id),
            func.coalesce(func.sum(sql_case((ListEntry.is_migrant.is_(True), 1), else_=0)), 0),
        ).where(on_list)
    ).one()
    visited, visited_migrant, cash, goods = db.session.execute(
        select(
            func.count(Visit.id),
            func.coalesce(func.sum(sql_case((ListEntry.is_migrant.is_(True), 1), else_=0)), 0),
            func.coalesce(func.sum(Visit.cash_fen), 0),
            func.coalesce(func.sum(Visit.goods_value_fen), 0),
        )
        .join(ListEntry, ListEntry.id == Visit.entry_id)
        .where(ListEntry.list_id == clist.id)
    ).one()
    clist.listed_count, clist.listed_migrant = int(listed), int(migrant)
    by_status = dict(
        db.session.execute(
            select(ListEntry.status, func.count(ListEntry.id))
            .where(ListEntry.list_id == clist.id)
            .group_by(ListEntry.status)
        ).all()
    )
    clist.candidate_count = int(by_status.get(EntryStatus.CANDIDATE, 0))
    clist.removed_count = int(by_status.get(EntryStatus.REMOVED, 0))
    clist.visited_count, clist.visited_migrant = int(visited), int(visited_migrant)
    clist.given_cash_fen, clist.given_goods_fen = int(cash), int(goods)
    items: dict = {}
    for visit_goods in db.session.scalars(
        select(Visit.goods)
        .join(ListEntry, ListEntry.id == Visit.entry_id)
        .where(ListEntry.list_id == clist.id)
        .order_by(Visit.id)
    ):
        items = add_goods(items, visit_goods)
    clist.goods_items = items
    db.session.flush()


def draw_candidates(clist: CampaignList) -> int:
    """Insert every active file in the list's subtree that matches the rule, as candidates.

    One INSERT … SELECT: the database does the work, whatever the number of files.
    Households already on any list of the campaign are left where they are.
    """
    campaign = clist.campaign
    if campaign.rule.get("hand_picked"):
        return 0
    # The households already on a list of the campaign, read once before the insert: an
    # anti-join on the table being filled made PostgreSQL, when its statistics said the table
    # was empty (a first campaign), re-scan the rows it had just inserted for every file
    # (45 s for 100,000 files instead of 1.6 s).
    # (SQLite plans the plain anti-join well, and Python's sqlite3 reports no row count for
    # a statement that starts with WITH.)
    if db.session.get_bind().dialect.name == "postgresql":
        on_lists = (
            select(ListEntry.applicant_id)
            .where(ListEntry.campaign_id == campaign.id)
            .cte("on_lists")
            .prefix_with("MATERIALIZED")
        )
        already = exists().where(on_lists.c.applicant_id == Applicant.id)
    else:
        already = exists().where(
            ListEntry.campaign_id == campaign.id, ListEntry.applicant_id == Applicant.id
        )
    subtree = select(Centre.id).where(Centre.path.startswith(clist.centre.path))
    now = utcnow()
    source = select(
        literal(campaign.id),
        literal(clist.id),
        Applicant.id,
        literal(str(EntryStatus.CANDIDATE)),
        literal(False),
        Applicant.is_migrant_worker,
        literal(""),
        literal(""),
        literal(now),
    ).where(rule_condition(campaign.rule), Applicant.centre_id.in_(subtree), ~already)
    # in file order, so the list shows its households the same way in every draw
    source = source.order_by(Applicant.id)
    # preserve_rowcount: SQLAlchemy keeps an INSERT's row count only when asked (on
    # PostgreSQL the stored draw count was -1, then 0); the database counts, no rows come back.
    result = db.session.connection().execute(
        insert(ListEntry.__table__)
        .from_select(
            [
                "campaign_id",
                "list_id",
                "applicant_id",
                "status",
                "is_outside_rule",
                "is_migrant",
                "reason",
                "removed_reason",
                "changed_at",
            ],
            source,
        )
        .execution_options(preserve_rowcount=True)
    )
    count = max(int(result.rowcount or 0), 0)
    _bump(clist, candidate_count=count)
    return count


def draw_list(clist: CampaignList, *, acting_user: User) -> int:
    """Draw the candidates now (the background job calls `draw_candidates` itself)."""
    check_edit_list(clist, acting_user)
    count = draw_candidates(clist)
    record(
        "campaign.list_drawn",
        acting_user=acting_user,
        obj=clist,
        centre=clist.centre,
        after={"candidates": count},
    )
    return count


def _lock_and_check_room(clist: CampaignList, adding: int) -> Quota:
    quota = lock_quota(clist.quota_id)
    used = quota_use(quota)
    standard = clist.campaign.standard_fen
    if (
        used.households + adding > quota.households
        or used.amount_fen + adding * standard > quota.amount_fen
    ):
        free = max(
            0,
            min(
                quota.households - used.households,
                (quota.amount_fen - used.amount_fen) // standard if standard else 10**9,
            ),
        )
        message = _(
            "The quota of %(q)d household(s) is reached (%(free)d place(s) left): ask the parent "
            "centre to approve more, with a reason.",
            q=quota.households,
            free=free,
        )
        raise DomainError(message, fields={"applicant": message}, free=free)
    return quota


def add_entry(
    clist: CampaignList, applicant: Applicant, *, acting_user: User, reason: str = ""
) -> ListEntry:
    """Put a household on the list; outside the rule it needs a reason the parent approves."""
    check_edit_list(clist, acting_user)
    if not applicant.centre.is_within(clist.centre):
        raise PermissionDenied(_("This file is outside the list's centre."))
    if applicant.status != FileStatus.ACTIVE:
        _fail("applicant", _("Only active files can be listed."))
    reason = _text(reason, "reason", "", required=False)
    outside = not matches_rule(applicant, clist.campaign.rule)
    if outside and not reason:
        _fail(
            "reason",
            _("This household is outside the campaign's target group: give the reason."),
        )
    entry = db.session.scalars(
        select(ListEntry).where(
            ListEntry.campaign_id == clist.campaign_id, ListEntry.applicant_id == applicant.id
        )
    ).first()
    if entry is not None and entry.list_id != clist.id:
        _fail("applicant", _("This household is on another centre's list in this campaign."))
    if entry is not None and entry.status == EntryStatus.LISTED:
        _fail("applicant", _("This household is already on the list."))
    _lock_and_check_room(clist, 1)
    _bump(
        clist,
        listed_count=1,
        listed_migrant=int(bool(applicant.is_migrant_worker)),
        candidate_count=-int(entry is not None and entry.status == EntryStatus.CANDIDATE),
        removed_count=-int(entry is not None and entry.status == EntryStatus.REMOVED),
    )
    if entry is None:
        entry = ListEntry(
            campaign_id=clist.campaign_id, list_id=clist.id, applicant_id=applicant.id
        )
        db.session.add(entry)
    entry.status = EntryStatus.LISTED
    entry.is_outside_rule = outside
    entry.is_migrant = applicant.is_migrant_worker
    entry.reason = reason
    entry.removed_reason = ""
    entry.changed_by_id = acting_user.id
    entry.changed_at = utcnow()
    db.session.flush()
    record(
        "campaign.entry_added",
        acting_user=acting_user,
        obj=entry,
        centre=clist.centre,
        after={"applicant": applicant.file_no, "outside_rule": outside},
        comment=reason,
    )
    return entry


def fill_from_candidates(clist: CampaignList, *, acting_user: User) -> int:
    """List candidates up to the quota's free places: neediest category first, then the
    oldest file (the one registered longest), so the same list always fills the same way."""
    check_edit_list(clist, acting_user)
    quota = lock_quota(clist.quota_id)
    used = quota_use(quota)
    standard = clist.campaign.standard_fen
    free = quota.households - used.households
    if standard:
        free = min(free, (quota.amount_fen - used.amount_fen) // standard)
    if free <= 0:
        return 0
    order = {Category.DEEP: 0, Category.ACCIDENT: 1, Category.RELATIVE: 2}
    chosen = db.session.execute(
        select(ListEntry.id, ListEntry.is_migrant)
        .join(Applicant, Applicant.id == ListEntry.applicant_id)
        .where(ListEntry.list_id == clist.id, ListEntry.status == EntryStatus.CANDIDATE)
        .order_by(sql_case(order, value=Applicant.category, else_=3), Applicant.id)
        .limit(free)
    ).all()
    ids = [entry_id for entry_id, _migrant in chosen]
    if ids:
        _bump(
            clist,
            listed_count=len(ids),
            listed_migrant=sum(1 for _id, migrant in chosen if migrant),
            candidate_count=-len(ids),
        )
        db.session.execute(
            update(ListEntry)
            .where(ListEntry.id.in_(ids))
            .values(status=EntryStatus.LISTED, changed_by_id=acting_user.id, changed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    record(
        "campaign.list_filled",
        acting_user=acting_user,
        obj=clist,
        centre=clist.centre,
        after={"listed": len(ids)},
    )
    db.session.expire_all()
    return len(ids)


def remove_entry(entry: ListEntry, *, acting_user: User, reason: str) -> None:
    """Take a household off the list, with the reason."""
    clist = entry.list
    check_edit_list(clist, acting_user)
    if entry.status != EntryStatus.LISTED:
        _fail("entry", _("This household is not on the list."))
    reason = _text(reason, "reason", _("Say why the household is taken off the list."))
    _bump(clist, listed_count=-1, listed_migrant=-int(bool(entry.is_migrant)), removed_count=1)
    entry.status = EntryStatus.REMOVED
    entry.removed_reason = reason
    entry.changed_by_id = acting_user.id
    entry.changed_at = utcnow()
    db.session.flush()
    record(
        "campaign.entry_removed",
        acting_user=acting_user,
        obj=entry,
        centre=clist.centre,
        comment=reason,
    )


def entry_counts(clist: CampaignList) -> dict[EntryStatus, int]:
    """Households on the list, drawn as candidates and taken off: the list's own counters
    (kept by `_bump` with every change), never a count of its entries."""
    return {
        EntryStatus.LISTED: clist.listed_count,
        EntryStatus.CANDIDATE: clist.candidate_count,
        EntryStatus.REMOVED: clist.removed_count,
    }


def _move_list(clist, to: ListStatus, *, acting_user, comment="", after=None):
    before = clist.status
    clist.status = to
    db.session.flush()
    record(
        f"campaign.list_{to}",
        acting_user=acting_user,
        obj=clist,
        centre=clist.centre,
        before={"status": str(before)},
        after={"status": str(to), **(after or {})},
        comment=comment,
    )


def check_submit_list(clist: CampaignList, user: User) -> None:
    _check_list_editor(clist, user)
    if clist.listed_count == 0:
        raise DomainError(_("Put at least one household on the list first."))


def submit_list(clist: CampaignList, *, acting_user: User) -> None:
    check_submit_list(clist, acting_user)
    clist.submitted_by_id = acting_user.id
    clist.submitted_at = utcnow()
    clist.return_reason = ""
    _move_list(clist, ListStatus.SUBMITTED, acting_user=acting_user)


def approving_centre(clist: CampaignList) -> Centre:
    """The parent centre approves a list; the campaign's own centre approves its own."""
    return clist.centre.parent if clist.centre_id != clist.campaign.centre_id else clist.centre


def check_decide_list(clist: CampaignList, user: User) -> None:
    _require(user, Role.SUPERVISOR)
    if approving_centre(clist).id != user.centre_id:
        raise PermissionDenied(
            _(
                "This list waits for the supervisors of %(centre)s.",
                centre=approving_centre(clist).name,
            )
        )
    if clist.status != ListStatus.SUBMITTED:
        raise DomainError(_("Only a submitted list can be approved or returned."))
    if user.id == clist.submitted_by_id:
        raise PermissionDenied(_("You submitted this list, so you cannot decide on it."))


def snapshot_entry(applicant: Applicant) -> dict:
    """The household as listed: what the notice and the roster show, no health, no full ID."""
    return {
        "file_no": applicant.file_no,
        "name": applicant.name,
        "id_last4": applicant.id_last4,
        "gender": applicant.gender,
        "address": applicant.address,
        "phone": applicant.phone,
        "employer": applicant.employer,
        "category": applicant.category,
        "main_cause": applicant.main_cause,
        "is_migrant_worker": applicant.is_migrant_worker,
        "is_model_worker": applicant.is_model_worker,
        "household_size": applicant.household_size,
        "centre": applicant.centre.name,
    }


def approve_list(clist: CampaignList, *, acting_user: User) -> int:
    """Approve the list: freeze each household's snapshot and open its holiday case.

    All or nothing: a household the cases refuse (an open holiday case, the yearly cap)
    stops the approval with its name, and nothing is kept.
    """
    check_decide_list(clist, acting_user)
    campaign = clist.campaign
    submitter = clist.submitted_by
    entries = list(
        db.session.scalars(
            select(ListEntry)
            .where(ListEntry.list_id == clist.id, ListEntry.status == EntryStatus.LISTED)
            .order_by(ListEntry.id)
        )
    )
    now = utcnow()
    label = f"{campaign.name} · {clist.centre.name}"
    occasion = CASE_OCCASION.get(campaign.occasion, Occasion.OTHER)
    for entry in entries:
        applicant = entry.applicant
        entry.snapshot = snapshot_entry(applicant)
        try:
            case = case_services.create_case(
                acting_user=submitter,
                data=case_services.CaseInput(
                    kind=AidKind.HOLIDAY,
                    reason=_("Send-warmth campaign %(name)s", name=campaign.name),
                    amount_requested_fen=campaign.standard_fen,
                    applicant=applicant,
                    occasion=occasion,
                    service=goods_text(campaign.goods),
                ),
            )
            case_services.submit_case(case, acting_user=submitter)
            case_services.approve_on_list(case, acting_user=acting_user, list_label=label, now=now)
        except DomainError as err:
            raise DomainError(
                _(
                    "%(name)s (%(file_no)s): %(message)s",
                    name=applicant.name,
                    file_no=applicant.file_no,
                    message=err.message,
                ),
                entry_id=entry.id,
            ) from err
        entry.case_id = case.id
    clist.approved_by_id = acting_user.id
    clist.approved_at = now
    _move_list(clist, ListStatus.APPROVED, acting_user=acting_user, after={"entries": len(entries)})
    return len(entries)


def return_list(clist: CampaignList, *, acting_user: User, reason: str) -> None:
    check_decide_list(clist, acting_user)
    reason = _text(reason, "reason", _("Say what must change on the list."))
    clist.return_reason = reason
    _move_list(clist, ListStatus.RETURNED, acting_user=acting_user, comment=reason)


def check_publish_list(clist: CampaignList, user: User) -> None:
    _require(user, Role.CASEWORKER, Role.SUPERVISOR)
    if clist.centre_id != user.centre_id:
        raise PermissionDenied(_("Only the centre that holds the list posts it."))
    if clist.status != ListStatus.APPROVED:
        raise DomainError(_("Only an approved list can be posted."))


def publish_list(clist: CampaignList, *, acting_user: User) -> None:
    """Post the approved list publicly (公示): each household's case enters its notice."""
    check_publish_list(clist, acting_user)
    now = utcnow()
    for entry in db.session.scalars(
        select(ListEntry).where(
            ListEntry.list_id == clist.id,
            ListEntry.status == EntryStatus.LISTED,
            ListEntry.case_id.is_not(None),
        )
    ):
        case_services.start_list_notice(entry.case, acting_user=acting_user, now=now)
    clist.published_at = now
    _move_list(clist, ListStatus.PUBLISHED, acting_user=acting_user)


# ---------------------------------------------------------------------------- visits


@dataclass
class VisitInput:
    visited_on: date | None
    visitors: list
    cash_fen: int
    goods: list
    is_signed: bool
    no_signature_reason: str = ""
    remarks: str = ""


def check_visit(entry: ListEntry, user: User) -> None:
    _require(user, Role.CASEWORKER, Role.SUPERVISOR)
    clist = entry.list
    if not entry.applicant.centre.is_within(user.centre) or not (
        clist.centre.is_within(user.centre) or user.centre.is_within(clist.centre)
    ):
        raise PermissionDenied(_("This household is outside your scope."))
    if entry.status != EntryStatus.LISTED or clist.status != ListStatus.PUBLISHED:
        raise DomainError(_("Households are visited once their list has been posted."))
    if entry.visit is not None:
        raise DomainError(_("This visit has already been recorded."))
    if entry.case is None or entry.case.status not in VISITABLE:
        raise DomainError(
            _("The public notice for this household has not ended (or an objection holds it).")
        )


def clean_visitors(raw) -> list[dict]:
    visitors = []
    for item in raw or []:
        if not isinstance(item, dict):
            continue
        name = (item.get("name") or "").strip()
        title = (item.get("title") or "").strip()
        if not name and not title:
            continue
        if not name or len(name) > 40 or len(title) > 60:
            _fail("visitors", _("Give each visitor's name (and title)."))
        visitors.append({"name": name, "title": title, "is_leader": bool(item.get("is_leader"))})
    if not visitors:
        _fail("visitors", _("Name who visited."))
    if len(visitors) > 12:
        _fail("visitors", _("At most 12 visitors."))
    return visitors


def record_visit(entry: ListEntry, *, acting_user: User, data: VisitInput) -> Visit:
    """Record the home visit: who, when, what was given, the signature or why not."""
    check_visit(entry, acting_user)
    campaign = entry.list.campaign
    today = local_today()
    if data.visited_on is None or data.visited_on > today:
        _fail("visited_on", _("Enter the day of the visit (not in the future)."))
    if data.visited_on < campaign.starts_on:
        _fail("visited_on", _("The visit falls before the campaign's window."))
    visitors = clean_visitors(data.visitors)
    goods = clean_goods(data.goods)
    if not isinstance(data.cash_fen, int) or data.cash_fen < 0:
        _fail("cash", _("Enter the cash given, in yuan."))
    total = data.cash_fen + sum(g["quantity"] * g["unit_value_fen"] for g in goods)
    approved = entry.case.amount_approved_fen or 0
    if total <= 0:
        _fail("cash", _("Record the cash or goods given."))
    if total > approved:
        message = _(
            "Cash and goods (%(total)s yuan) exceed the %(approved)s yuan approved for the household.",
            total=format_yuan(total),
            approved=format_yuan(approved),
        )
        _fail("cash", message)
    reason = _text(data.no_signature_reason, "no_signature_reason", "", required=False, max_len=200)
    if not data.is_signed and not reason:
        _fail("no_signature_reason", _("Without a signature, say why."))
    visit = Visit(
        entry_id=entry.id,
        centre_id=entry.list.centre_id,
        visited_on=data.visited_on,
        visitors=visitors,
        cash_fen=data.cash_fen,
        goods=goods,
        goods_value_fen=total - data.cash_fen,
        is_signed=bool(data.is_signed),
        no_signature_reason="" if data.is_signed else reason,
        remarks=_text(data.remarks, "remarks", "", required=False),
        recorded_by_id=acting_user.id,
    )
    db.session.add(visit)
    db.session.flush()
    _bump(
        entry.list,
        visited_count=1,
        visited_migrant=int(bool(entry.is_migrant)),
        given_cash_fen=visit.cash_fen,
        given_goods_fen=visit.goods_value_fen,
        goods=visit.goods,
    )
    record(
        "campaign.visit_recorded",
        acting_user=acting_user,
        obj=visit,
        centre=entry.applicant.centre,
        after={
            "entry": entry.id,
            "visited_on": data.visited_on.isoformat(),
            "cash_fen": data.cash_fen,
            "goods_fen": visit.goods_fen,
            "leaders": [v["name"] for v in visitors if v["is_leader"]],
        },
    )
    return visit


# ---------------------------------------------------------------------------- payment


def unpaid_visits(clist: CampaignList) -> list[Visit]:
    return list(
        db.session.scalars(
            select(Visit)
            .join(ListEntry, ListEntry.id == Visit.entry_id)
            .where(
                ListEntry.list_id == clist.id,
                Visit.cash_batch_id.is_(None),
                Visit.goods_batch_id.is_(None),
            )
            .order_by(Visit.id)
        )
    )


def check_pay_list(clist: CampaignList, user: User) -> None:
    _require(user, Role.FINANCE)
    if clist.centre_id != user.centre_id:
        raise PermissionDenied(_("The list's own centre pays it."))
    if not unpaid_visits(clist):
        raise DomainError(_("There are no recorded visits waiting to be paid."))


def pay_list(clist: CampaignList, *, acting_user: User, fund: Fund, paid_on: date | None) -> list:
    """Pay the recorded visits from a campaign fund: one cash batch and one goods batch.

    Both go through the payment batches (all or none, the ledger, the roster); the caller
    commits once, so a refusal of either leaves nothing paid.
    """
    check_pay_list(clist, acting_user)
    campaign = clist.campaign
    if fund.id not in (campaign.fund_ids or []):
        _fail("fund", _("Choose one of the campaign's funds."))
    visits = unpaid_visits(clist)
    made = []
    cash = [v for v in visits if v.cash_fen > 0]
    goods = [v for v in visits if v.goods_fen > 0]
    title = f"{campaign.name} · {clist.centre.name}"
    if cash:
        batch = batches.create_batch(
            acting_user=acting_user,
            title=f"{title} · 现金"[:120],
            fund=fund,
            method=PaymentMethod.CASH,
            centre=clist.centre,
        )
        for visit in cash:
            batches.add_case(
                batch, visit.entry.case, acting_user=acting_user, amount_fen=visit.cash_fen
            )
        batches.pay_batch(batch, acting_user=acting_user, paid_on=paid_on)
        for visit in cash:
            visit.cash_batch_id = batch.id
        made.append(batch)
    if goods:
        batch = batches.create_batch(
            acting_user=acting_user,
            title=f"{title} · 实物"[:120],
            fund=fund,
            method=PaymentMethod.IN_KIND,
            centre=clist.centre,
            goods=(goods_text(campaign.goods) or _("Goods"))[:200],
        )
        for visit in goods:
            batches.add_case(
                batch, visit.entry.case, acting_user=acting_user, amount_fen=visit.goods_fen
            )
        batches.pay_batch(batch, acting_user=acting_user, paid_on=paid_on)
        for visit in goods:
            visit.goods_batch_id = batch.id
        made.append(batch)
    db.session.flush()
    record(
        "campaign.list_paid",
        acting_user=acting_user,
        obj=clist,
        centre=clist.centre,
        after={"batches": [b.batch_no for b in made], "visits": len(visits), "fund": fund.id},
    )
    return made


# ---------------------------------------------------------------------------- sample checks


def visited_in_subtree(campaign: Campaign, centre: Centre):
    return (
        select(Visit.id, Visit.centre_id)
        .join(ListEntry, ListEntry.id == Visit.entry_id)
        .join(Centre, Centre.id == Visit.centre_id)
        .where(ListEntry.campaign_id == campaign.id, Centre.path.startswith(centre.path))
        .order_by(Visit.id)
    )


def draw_sample(population: list[int], size: int, seed: int) -> list[int]:
    """The same population, size and seed always give the same households."""
    rng = random.Random(seed)  # noqa: S311  (reproducibility is the point, not secrecy)
    return sorted(rng.sample(sorted(population), min(size, len(population))))


def check_sample(campaign: Campaign, user: User) -> None:
    _require(user, Role.SUPERVISOR, Role.AUDITOR)
    _require_scope(user, user.centre)


def create_sample_check(
    campaign: Campaign,
    *,
    acting_user: User,
    size: int | None = None,
    seed: int | None = None,
) -> SampleCheck:
    """Draw a reproducible random sample of the visited households under the user's centre."""
    check_sample(campaign, acting_user)
    rows = db.session.execute(visited_in_subtree(campaign, acting_user.centre)).all()
    if not rows:
        raise DomainError(_("No visits have been recorded in your scope yet."))
    if size is None:
        size = max(1, math.ceil(len(rows) * campaign.sample_percent / 100))
    if not isinstance(size, int) or size <= 0:
        _fail("size", _("Enter how many households to re-contact."))
    if seed is None:
        seed = secrets.randbelow(2**31)
    if not isinstance(seed, int) or not 0 <= seed < 2**63:
        _fail("seed", _("Enter a whole number as the seed."))
    centre_of = dict(rows)
    chosen = draw_sample(list(centre_of), size, seed)
    check = SampleCheck(
        campaign_id=campaign.id,
        centre_id=acting_user.centre_id,
        seed=seed,
        size=len(chosen),
        population=len(rows),
        created_by_id=acting_user.id,
    )
    db.session.add(check)
    db.session.flush()
    for visit_id in chosen:
        db.session.add(
            SampleItem(check_id=check.id, visit_id=visit_id, centre_id=centre_of[visit_id])
        )
    db.session.flush()
    record(
        "campaign.sample_drawn",
        acting_user=acting_user,
        obj=check,
        centre=acting_user.centre,
        after={"seed": seed, "size": len(chosen), "population": len(rows), "visits": chosen},
    )
    return check


def check_record_result(item: SampleItem, user: User) -> None:
    _require(user, Role.SUPERVISOR, Role.CASEWORKER, Role.AUDITOR)
    _require_scope(user, item.check.centre)


def record_result(item: SampleItem, *, acting_user: User, result: str, note: str) -> None:
    """Record what the re-contact found; problems open a follow-up."""
    check_record_result(item, acting_user)
    if result not in set(SampleResult) or result == SampleResult.PENDING:
        _fail("result", _("Choose what the re-contact found."))
    note = _text(
        note,
        "note",
        _("Describe the problem."),
        required=result in (SampleResult.PROBLEMS, SampleResult.NOT_RECEIVED),
    )
    before = item.result
    item.result = result
    item.note = note
    item.checked_by_id = acting_user.id
    item.checked_at = utcnow()
    item.followup_open = result in (SampleResult.PROBLEMS, SampleResult.NOT_RECEIVED)
    db.session.flush()
    record(
        "campaign.sample_result",
        acting_user=acting_user,
        obj=item,
        centre=item.centre,
        before={"result": before},
        after={"result": result, "followup": item.followup_open},
        comment=note,
    )


def close_followup(item: SampleItem, *, acting_user: User, outcome: str) -> None:
    check_record_result(item, acting_user)
    if not item.followup_open:
        raise DomainError(_("There is no open follow-up here."))
    item.followup_outcome = _text(outcome, "outcome", _("Record what the follow-up found."))
    item.followup_open = False
    item.followup_closed_at = utcnow()
    db.session.flush()
    record(
        "campaign.followup_closed",
        acting_user=acting_user,
        obj=item,
        centre=item.centre,
        comment=item.followup_outcome,
    )


def sample_counts(check: SampleCheck) -> list[dict]:
    """Results per centre: received, not received, with problems, unreachable, pending."""
    rows = db.session.execute(
        select(SampleItem.centre_id, SampleItem.result, func.count(SampleItem.id))
        .where(SampleItem.check_id == check.id)
        .group_by(SampleItem.centre_id, SampleItem.result)
    ).all()
    by_centre: dict[int, dict] = {}
    for centre_id, result, n in rows:
        by_centre.setdefault(centre_id, {r.value: 0 for r in SampleResult})[result] = n
    centres = {c.id: c for c in db.session.scalars(select(Centre).where(Centre.id.in_(by_centre)))}
    return [
        {"centre": centres[cid].name, "code": centres[cid].code, **counts}
        for cid, counts in sorted(by_centre.items(), key=lambda kv: centres[kv[0]].code)
    ]
