"""Mutual aid (职工互助保障): plans and their terms, workplace units, enrolments and claims.

A plan's numbers live on its terms (`PlanTerm`): a term is dated, and once anybody is
enrolled in it, it never changes. Benefit rules are data (`PlanTerm.rules`), read by the
pure functions in `assist.mutual_aid.benefits`. A claim that is covered becomes an aid case
of kind mutual-aid claim (`AidCase`), which the cases and funds machinery approves and pays.
"""

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assist.auth.models import User
from assist.cases.models import AidCase
from assist.centres.models import Centre
from assist.core.crypto import decrypt, encrypt
from assist.core.timeutil import utcnow
from assist.extensions import db


class PlanKind(enum.StrEnum):
    HOSPITAL = "hospital"  # 住院津贴
    CRITICAL_ILLNESS = "critical_illness"  # 重大疾病
    ACCIDENT = "accident"  # 意外伤害
    WOMEN = "women"  # 女职工特殊疾病 (an add-on that needs a base plan)


class Plan(db.Model):
    """A mutual-aid plan kept by the city: what it is; its numbers live on its terms."""

    __tablename__ = "ma_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    #: The women's add-on names the plan a member must also hold.
    base_plan_id: Mapped[int | None] = mapped_column(ForeignKey("ma_plans.id"))
    #: The centre that runs the plan (the city's mutual-aid office).
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    description: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    centre: Mapped[Centre] = relationship()
    base_plan: Mapped["Plan | None"] = relationship(remote_side=[id])
    terms: Mapped[list["PlanTerm"]] = relationship(
        back_populates="plan", order_by="PlanTerm.cover_start"
    )


class PlanTerm(db.Model):
    """One dated term of a plan: cover dates, window, eligibility, fee and benefit rules."""

    __tablename__ = "ma_plan_terms"
    __table_args__ = (UniqueConstraint("plan_id", "label"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("ma_plans.id"), index=True)
    label: Mapped[str] = mapped_column(String(20))  # e.g. "2027"
    cover_start: Mapped[date] = mapped_column(Date)
    cover_end: Mapped[date] = mapped_column(Date)
    window_opens: Mapped[date] = mapped_column(Date)
    window_closes: Mapped[date] = mapped_column(Date)
    min_age: Mapped[int] = mapped_column(default=16)
    max_age: Mapped[int] = mapped_column(default=65)
    #: "" for anybody, "F" or "M".
    sex: Mapped[str] = mapped_column(String(1), default="")
    fee_fen: Mapped[int] = mapped_column(BigInteger)
    subsidy_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    participation_pct: Mapped[int] = mapped_column(default=60)
    small_unit_max: Mapped[int] = mapped_column(default=10)
    #: The benefit rules as data; see assist.mutual_aid.benefits.
    rules: Mapped[dict] = mapped_column(JSON)
    #: Attachment kinds a claim needs, per event: {"hospital": ["diagnosis", …], …}.
    required_documents: Mapped[dict] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="terms")

    @property
    def staff_share_fen(self) -> int:
        return self.fee_fen - self.subsidy_fen

    def __repr__(self) -> str:
        return f"<PlanTerm {self.plan.code} {self.label}>"


class Unit(db.Model):
    """A workplace union (基层工会) under a centre, which enrols its staff."""

    __tablename__ = "ma_units"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    #: 统一社会信用代码 (GB 32100), checked by python-stdnum.
    uscc: Mapped[str] = mapped_column(String(18), unique=True)
    staff_count: Mapped[int] = mapped_column()
    union_members: Mapped[int] = mapped_column()
    contact_name: Mapped[str] = mapped_column(String(50), default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="")
    address: Mapped[str] = mapped_column(String(255), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    centre: Mapped[Centre] = relationship()


class BatchKind(enum.StrEnum):
    ENROL = "enrol"  # a roster, first or late additions
    RENEWAL = "renewal"  # the previous term's members rolled over


class EnrolmentBatch(db.Model):
    """A confirmed roster: who was enrolled, the fee due and how it was received."""

    __tablename__ = "ma_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_no: Mapped[str] = mapped_column(String(48), unique=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("ma_units.id"), index=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("ma_plan_terms.id"), index=True)
    #: The unit's centre: the batch is scoped through it.
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), default=BatchKind.ENROL)
    file_name: Mapped[str] = mapped_column(String(200), default="")
    file_sha256: Mapped[str] = mapped_column(String(64), default="")
    rows_total: Mapped[int] = mapped_column(default=0)
    rows_enrolled: Mapped[int] = mapped_column(default=0)
    rows_skipped: Mapped[int] = mapped_column(default=0)
    #: Each row's number, masked ID, name, outcome and problems (codes and messages).
    row_results: Mapped[list] = mapped_column(JSON, default=list)
    staff_share_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    subsidy_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    fee_total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The ledger rows of the unit's payment (receipt) and the union's subsidy (transfer in).
    fee_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    subsidy_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    fee_reference: Mapped[str] = mapped_column(String(80), default="")
    fee_received_at: Mapped[datetime | None] = mapped_column()
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    unit: Mapped[Unit] = relationship()
    term: Mapped[PlanTerm] = relationship()
    centre: Mapped[Centre] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def is_fee_received(self) -> bool:
        return self.fee_received_at is not None


class Enrolment(db.Model):
    """One person's share in one plan term (one share per person per term, across units)."""

    __tablename__ = "ma_enrolments"
    __table_args__ = (
        UniqueConstraint("term_id", "id_hash", name="uq_ma_enrolments_one_share"),
        Index("ix_ma_enrolments_id_hash", "id_hash"),
        Index("ix_ma_enrolments_unit_term", "unit_id", "term_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_no: Mapped[str] = mapped_column(String(48), unique=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("ma_plan_terms.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("ma_units.id"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("ma_batches.id"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    id_enc: Mapped[str] = mapped_column(Text)
    id_hash: Mapped[str] = mapped_column(String(64))
    id_last4: Mapped[str] = mapped_column(String(4))
    gender: Mapped[str] = mapped_column(String(1))
    birth_date: Mapped[date] = mapped_column(Date)
    cover_start: Mapped[date] = mapped_column(Date)
    cover_end: Mapped[date] = mapped_column(Date)
    #: The first day of unbroken cover in this plan: waiting periods count from it, so a
    #: member who renews without a gap has served them.
    continuous_since: Mapped[date] = mapped_column(Date)
    #: The hardship file of the same person, when there is one.
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicants.id"), index=True)
    fee_fen: Mapped[int] = mapped_column(BigInteger)
    subsidy_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    term: Mapped[PlanTerm] = relationship()
    unit: Mapped[Unit] = relationship()
    batch: Mapped[EnrolmentBatch] = relationship()

    @property
    def id_number(self) -> str:
        """The full resident ID; callers that show it must audit the view."""
        return decrypt(self.id_enc) or ""

    @id_number.setter
    def id_number(self, value: str) -> None:
        self.id_enc = encrypt(value)
        self.id_last4 = value[-4:]


class EventKind(enum.StrEnum):
    HOSPITAL = "hospital"
    CRITICAL_ILLNESS = "critical_illness"
    ACCIDENT = "accident"


class Claim(db.Model):
    """A claim recorded by a caseworker; when covered, its aid case carries it to payment."""

    __tablename__ = "ma_claims"

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_no: Mapped[str] = mapped_column(String(48), unique=True)
    enrolment_id: Mapped[int] = mapped_column(ForeignKey("ma_enrolments.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    #: The mutual-aid claim case that is approved and paid; None when refused at once.
    case_id: Mapped[int | None] = mapped_column(ForeignKey("aid_cases.id"), unique=True)
    event: Mapped[str] = mapped_column(String(20))
    event_date: Mapped[date] = mapped_column(Date)
    #: Event details: admission/discharge/hospital, illness code, outcome/grade. Health data.
    details: Mapped[dict] = mapped_column(JSON, default=dict)
    diagnosis: Mapped[str] = mapped_column(Text, default="")
    benefit_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The computation's working, in the records' language.
    working: Mapped[str] = mapped_column(Text, default="")
    #: Why the plan does not cover the event (a code from benefits.Refusal); "" when covered.
    refusal_code: Mapped[str] = mapped_column(String(32), default="", index=True)
    bank_name: Mapped[str] = mapped_column(String(60), default="")
    bank_account_enc: Mapped[str | None] = mapped_column(Text)
    bank_account_last4: Mapped[str] = mapped_column(String(4), default="")
    #: When the last required document arrived: the payment time limit runs from here.
    documents_complete_at: Mapped[datetime | None] = mapped_column(index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    enrolment: Mapped[Enrolment] = relationship()
    case: Mapped[AidCase | None] = relationship()
    centre: Mapped[Centre] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def bank_account(self) -> str:
        return decrypt(self.bank_account_enc) or ""

    @bank_account.setter
    def bank_account(self, value: str) -> None:
        self.bank_account_enc = encrypt(value) if value else None
        self.bank_account_last4 = value[-4:] if value else ""

    @property
    def status(self) -> str:
        """ "refused" when the plan does not cover it, else its case's status."""
        if self.refusal_code:
            return "refused"
        return self.case.status if self.case is not None else "draft"


class MutualAidCounter(db.Model):
    """The last number issued per series (certificates per term, batches and claims per year)."""

    __tablename__ = "ma_counters"
    __table_args__ = (UniqueConstraint("series"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    series: Mapped[str] = mapped_column(String(60))
    last_no: Mapped[int] = mapped_column(default=0)


class CalendarDay(db.Model):
    """A day the Monday–Friday rule gets wrong: a public holiday on a weekday, or a weekend day
    worked in exchange (调休). Kept by the city's administrators; working days count with it."""

    __tablename__ = "working_calendar"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    #: False: a public holiday; True: an adjusted working day (a make-up weekend day).
    is_working: Mapped[bool] = mapped_column(default=False)
    name: Mapped[str] = mapped_column(String(40), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
