"""Send-warmth campaigns (送温暖): quotas down the tiers, lists, visits and sample checks.

Women workers' health screening (女职工健康行) is a campaign of kind `screening` with the
same quotas; its records hold only that a screening happened, when, where, and whether a
referral followed.
"""

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assist.applicants.models import Applicant
from assist.auth.models import User
from assist.cases.models import AidCase
from assist.centres.models import Centre
from assist.core.timeutil import utcnow
from assist.extensions import db


class CampaignKind(enum.StrEnum):
    WARMTH = "warmth"  # 送温暖
    SCREENING = "screening"  # 女职工健康行


class CampaignOccasion(enum.StrEnum):
    SPRING_FESTIVAL = "spring_festival"  # 春节
    MID_AUTUMN = "mid_autumn"  # 中秋
    SUMMER_HEAT = "summer_heat"  # 夏送清凉
    SCHOOL_START = "school_start"  # 金秋助学
    HEALTH = "health"  # 女职工健康行
    OTHER = "other"


class CampaignStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ListStatus(enum.StrEnum):
    DRAFT = "draft"  # being drawn and adjusted
    SUBMITTED = "submitted"  # waiting for the parent centre
    RETURNED = "returned"  # back for changes, with the parent's reason
    APPROVED = "approved"  # frozen: entries carry their snapshot and a case each
    PUBLISHED = "published"  # publicly posted (公示): the cases are in notice


class EntryStatus(enum.StrEnum):
    CANDIDATE = "candidate"  # drawn, not on the list
    LISTED = "listed"
    REMOVED = "removed"


class SampleResult(enum.StrEnum):
    PENDING = "pending"
    RECEIVED = "received"
    NOT_RECEIVED = "not_received"
    PROBLEMS = "problems"  # received, with problems
    UNREACHABLE = "unreachable"


class Campaign(db.Model):
    """One campaign run by a centre for its subtree."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=CampaignKind.WARMTH)
    name: Mapped[str] = mapped_column(String(120))
    occasion: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=CampaignStatus.OPEN)
    #: The standard per household: cash and a goods pack [{"name", "quantity", "unit_value_fen"}].
    cash_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    goods: Mapped[list] = mapped_column(JSON, default=list)
    #: Who is targeted: {"categories": [...], "causes": [...], "migrant": bool,
    #: "women": bool, "model": bool, "employer": str, "hand_picked": bool}.
    rule: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The funds that pay it (ids).
    fund_ids: Mapped[list] = mapped_column(JSON, default=list)
    #: Sample check (回访抽查): the share of visited households re-contacted, in per cent.
    sample_percent: Mapped[int] = mapped_column(default=10)
    #: Screening: eligible ages and the years before a free repeat.
    age_min: Mapped[int] = mapped_column(default=35)
    age_max: Mapped[int] = mapped_column(default=64)
    repeat_years: Mapped[int] = mapped_column(default=3)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    centre: Mapped[Centre] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def goods_fen(self) -> int:
        return sum(int(g["quantity"]) * int(g["unit_value_fen"]) for g in self.goods or [])

    @property
    def standard_fen(self) -> int:
        return self.cash_fen + self.goods_fen

    @property
    def is_screening(self) -> bool:
        return self.kind == CampaignKind.SCREENING


class Quota(db.Model):
    """How many households (and how much money) one centre may list in a campaign.

    The creating centre holds the root quota; each child's quota comes out of its parent's,
    whose row is locked while it is split, so the children never add up to more.
    """

    __tablename__ = "campaign_quotas"
    __table_args__ = (
        UniqueConstraint("campaign_id", "centre_id"),
        CheckConstraint("households >= 0", name="households_not_negative"),
        CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("campaign_quotas.id"), index=True)
    households: Mapped[int] = mapped_column(default=0)
    amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship()
    centre: Mapped[Centre] = relationship()
    parent: Mapped["Quota | None"] = relationship(remote_side=[id])


class QuotaRequest(db.Model):
    """A request to go beyond a quota, with its reason, decided by the parent centre."""

    __tablename__ = "campaign_quota_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    quota_id: Mapped[int] = mapped_column(ForeignKey("campaign_quotas.id"), index=True)
    extra_households: Mapped[int] = mapped_column()
    extra_amount_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open")  # open/approved/refused
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_note: Mapped[str] = mapped_column(Text, default="")

    quota: Mapped[Quota] = relationship()
    requested_by: Mapped[User | None] = relationship(foreign_keys=[requested_by_id])


class CampaignList(db.Model):
    """The list (慰问名单) of one quota holder."""

    __tablename__ = "campaign_lists"
    __table_args__ = (UniqueConstraint("campaign_id", "centre_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    quota_id: Mapped[int] = mapped_column(ForeignKey("campaign_quotas.id"))
    status: Mapped[str] = mapped_column(String(20), default=ListStatus.DRAFT, index=True)
    #: Background drawing of candidates: "", "queued", "running", "done", "failed".
    draw_state: Mapped[str] = mapped_column(String(20), default="")
    draw_count: Mapped[int] = mapped_column(default=0)
    draw_ms: Mapped[int | None] = mapped_column()
    #: Counters kept by the services that change entries and visits (same transaction), so
    #: progress reads one row per list however many households there are.
    listed_count: Mapped[int] = mapped_column(default=0, server_default="0")
    listed_migrant: Mapped[int] = mapped_column(default=0, server_default="0")
    #: Entries drawn and not (yet) listed, and entries taken off the list: the list page's tabs.
    candidate_count: Mapped[int] = mapped_column(default=0, server_default="0")
    removed_count: Mapped[int] = mapped_column(default=0, server_default="0")
    visited_count: Mapped[int] = mapped_column(default=0, server_default="0")
    visited_migrant: Mapped[int] = mapped_column(default=0, server_default="0")
    given_cash_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    given_goods_fen: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    #: Goods given per item {name: quantity}, kept with the counters above (see services._bump).
    goods_items: Mapped[dict] = mapped_column(JSON, default=dict, server_default="{}")
    return_reason: Mapped[str] = mapped_column(Text, default="")
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_at: Mapped[datetime | None] = mapped_column()
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_at: Mapped[datetime | None] = mapped_column()
    published_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    centre: Mapped[Centre] = relationship()
    quota: Mapped[Quota] = relationship()
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])


class ListEntry(db.Model):
    """One household on (or drawn for) a list. A household is on one list per campaign."""

    __tablename__ = "campaign_entries"
    __table_args__ = (
        UniqueConstraint("campaign_id", "applicant_id"),
        Index("ix_campaign_entries_list_status", "list_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"))
    list_id: Mapped[int] = mapped_column(ForeignKey("campaign_lists.id"))
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=EntryStatus.CANDIDATE)
    #: Added by hand outside the target rule: needs a reason, approved with the list.
    is_outside_rule: Mapped[bool] = mapped_column(default=False)
    is_migrant: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str] = mapped_column(Text, default="")
    removed_reason: Mapped[str] = mapped_column(Text, default="")
    #: The household as it stood at approval (masked ID, no health): the frozen list.
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("aid_cases.id"))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)

    list: Mapped[CampaignList] = relationship()
    applicant: Mapped[Applicant] = relationship()
    case: Mapped[AidCase | None] = relationship()
    visit: Mapped["Visit | None"] = relationship(back_populates="entry", uselist=False)


class Visit(db.Model):
    """The home visit (走访记录) to one listed household."""

    __tablename__ = "campaign_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("campaign_entries.id"), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    visited_on: Mapped[date] = mapped_column(Date)
    #: [{"name", "title", "is_leader"}]
    visitors: Mapped[list] = mapped_column(JSON, default=list)
    cash_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: [{"name", "quantity", "unit_value_fen"}]
    goods: Mapped[list] = mapped_column(JSON, default=list)
    #: The goods' value, kept with them so progress sums it in the database.
    goods_value_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    is_signed: Mapped[bool] = mapped_column(default=False)
    no_signature_reason: Mapped[str] = mapped_column(String(200), default="")
    remarks: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Set when the cash and goods were paid through a batch.
    cash_batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"))
    goods_batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"))

    entry: Mapped[ListEntry] = relationship(back_populates="visit")
    centre: Mapped[Centre] = relationship()
    recorded_by: Mapped[User | None] = relationship()

    @property
    def goods_fen(self) -> int:
        return self.goods_value_fen

    @property
    def has_leader(self) -> bool:
        return any(v.get("is_leader") for v in self.visitors or [])


class SampleCheck(db.Model):
    """A reproducible random revisit (回访抽查) of a centre subtree's visited households."""

    __tablename__ = "campaign_sample_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    seed: Mapped[int] = mapped_column(BigInteger)
    size: Mapped[int] = mapped_column()
    population: Mapped[int] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    centre: Mapped[Centre] = relationship()
    items: Mapped[list["SampleItem"]] = relationship(
        back_populates="check", order_by="SampleItem.id"
    )


class SampleItem(db.Model):
    __tablename__ = "campaign_sample_items"
    __table_args__ = (UniqueConstraint("check_id", "visit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    check_id: Mapped[int] = mapped_column(ForeignKey("campaign_sample_checks.id"), index=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("campaign_visits.id"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    result: Mapped[str] = mapped_column(String(20), default=SampleResult.PENDING)
    note: Mapped[str] = mapped_column(Text, default="")
    checked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    checked_at: Mapped[datetime | None] = mapped_column()
    #: Problems open a follow-up, closed with its outcome.
    followup_open: Mapped[bool] = mapped_column(default=False)
    followup_outcome: Mapped[str] = mapped_column(Text, default="")
    followup_closed_at: Mapped[datetime | None] = mapped_column()

    check: Mapped[SampleCheck] = relationship(back_populates="items")
    visit: Mapped[Visit] = relationship()
    centre: Mapped[Centre] = relationship()


class Screening(db.Model):
    """One free screening in a health campaign: that it happened, not what it found."""

    __tablename__ = "campaign_screenings"
    __table_args__ = (Index("ix_campaign_screenings_person", "person_id_hash", "screened_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    person_name: Mapped[str] = mapped_column(String(50))
    person_id_hash: Mapped[str] = mapped_column(String(64))
    person_id_last4: Mapped[str] = mapped_column(String(4))
    birth_date: Mapped[date] = mapped_column(Date)
    employer: Mapped[str] = mapped_column(String(120), default="")
    screened_on: Mapped[date] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(120))
    #: Sensitive (health): shown only to the roles that need it, never on lists or exports.
    has_referral: Mapped[bool] = mapped_column(default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    campaign: Mapped[Campaign] = relationship()
    centre: Mapped[Centre] = relationship()
