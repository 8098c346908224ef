"""Hardship files (困难职工档案): households, their members, assessments and the 低保 standard."""

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
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assist.auth.models import User
from assist.centres.models import Centre
from assist.core.crypto import decrypt, encrypt
from assist.core.timeutil import utcnow
from assist.extensions import db


class FileStatus(enum.StrEnum):
    APPLIED = "applied"  # 申请
    INITIAL_REVIEW = "initial_review"  # 初审
    HOME_VISIT = "home_visit"  # 入户调查
    FINAL_REVIEW = "final_review"  # 复核
    PUBLIC_NOTICE = "public_notice"  # 公示
    ACTIVE = "active"  # 在档
    RETURNED = "returned"  # 退回
    REJECTED = "rejected"  # 驳回
    EXITED = "exited"  # 脱困/解困
    CANCELLED = "cancelled"  # 注销


class Category(enum.StrEnum):
    DEEP = "deep"  # 深度困难
    RELATIVE = "relative"  # 相对困难
    ACCIDENT = "accident"  # 意外致困
    NOT_ELIGIBLE = "not_eligible"


class WorkStatus(enum.StrEnum):
    EMPLOYED = "employed"  # 在岗
    LAID_OFF = "laid_off"  # 下岗
    UNEMPLOYED = "unemployed"  # 失业
    RETIRED = "retired"  # 退休
    SICK_LEAVE = "sick_leave"  # 病休


class Health(enum.StrEnum):
    GOOD = "good"  # 良好
    CHRONIC = "chronic"  # 慢性病
    SERIOUS = "serious"  # 重大疾病
    DISABLED = "disabled"  # 残疾


class Cause(enum.StrEnum):
    ILLNESS = "illness"
    DISABILITY = "disability"
    UNEMPLOYMENT = "unemployment"
    SCHOOLING = "schooling"
    DISASTER = "disaster"
    ACCIDENT = "accident"
    OTHER = "other"


class Relation(enum.StrEnum):
    """A household member's relation to the head of household."""

    SPOUSE = "spouse"
    CHILD = "child"
    PARENT = "parent"
    SIBLING = "sibling"
    GRANDCHILD = "grandchild"
    OTHER = "other"


class Applicant(db.Model):
    """One hardship file: one per household, network-wide."""

    __tablename__ = "applicants"
    __table_args__ = (
        Index("ix_applicants_centre_status", "centre_id", "status"),
        Index("ix_applicants_centre_name", "centre_id", "name"),
        # Files whose public notice has ended (the supervisor's "to activate" inbox): a range
        # on the notice's start within one status, not a pass over every file on notice.
        Index("ix_applicants_status_notice", "status", "notice_started_on"),
        # Active files whose yearly review is due soon or overdue (the landing page's cards);
        # on PostgreSQL the centre rides in the index, so the scoped counts read it alone.
        Index(
            "ix_applicants_status_review",
            "status",
            "review_due_on",
            postgresql_include=["centre_id"],
        ),
        # The files list's count of migrant workers in scope, read from the index alone.
        Index(
            "ix_applicants_migrant_centre",
            "centre_id",
            postgresql_where=text("is_migrant_worker"),
            sqlite_where=text("is_migrant_worker"),
        ),
        # Name search on PostgreSQL: characters and character pairs of the name (migration
        # `scale` defines the function); see applicants.queries.name_condition. Without a
        # pending list (migration `search_flat`), a search reads only its grams' pages.
        Index(
            "ix_applicants_name_grams",
            func.assist_name_grams(text("name")),
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    file_no: Mapped[str] = mapped_column(String(40), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    status: Mapped[str] = mapped_column(String(20), default=FileStatus.APPLIED, index=True)
    category: Mapped[str | None] = mapped_column(String(20), index=True)

    name: Mapped[str] = mapped_column(String(50))
    id_number_enc: Mapped[str] = mapped_column(Text)
    #: HMAC of the resident ID: exact lookup without decrypting (uniqueness is on ResidentId).
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    id_last4: Mapped[str] = mapped_column(String(4), index=True)
    gender: Mapped[str] = mapped_column(String(1))  # "M" / "F", derived from the ID
    birth_date: Mapped[date] = mapped_column(Date)
    phone: Mapped[str] = mapped_column(String(20), default="", index=True)
    address: Mapped[str] = mapped_column(String(255), default="")
    employer: Mapped[str] = mapped_column(String(120), default="")
    work_status: Mapped[str] = mapped_column(String(20), default=WorkStatus.EMPLOYED)
    health: Mapped[str] = mapped_column(String(20), default=Health.GOOD)
    health_notes_enc: Mapped[str | None] = mapped_column(Text)
    is_migrant_worker: Mapped[bool] = mapped_column(default=False)
    is_union_member: Mapped[bool] = mapped_column(default=True)
    is_model_worker: Mapped[bool] = mapped_column(default=False)
    bank_name: Mapped[str] = mapped_column(String(60), default="")
    bank_account_enc: Mapped[str | None] = mapped_column(Text)
    bank_account_last4: Mapped[str] = mapped_column(String(4), default="")

    main_cause: Mapped[str] = mapped_column(String(20), default=Cause.OTHER)
    secondary_causes: Mapped[list] = mapped_column(JSON, default=list)
    consent_signed_on: Mapped[date | None] = mapped_column(Date)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    activated_on: Mapped[date | None] = mapped_column(Date)
    last_reviewed_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: When the next yearly review (动态管理) falls due; set while the file is active.
    review_due_on: Mapped[date | None] = mapped_column(Date, index=True)
    #: Migrant workers need at least one year of labour relation (domain.md).
    labour_relation_since: Mapped[date | None] = mapped_column(Date)
    notice_started_on: Mapped[date | None] = mapped_column(Date)
    #: The reason given with the latest return, rejection, exit or cancellation.
    status_reason: Mapped[str] = mapped_column(String(500), default="")

    centre: Mapped[Centre] = relationship()
    members: Mapped[list["HouseholdMember"]] = relationship(
        back_populates="applicant", cascade="all, delete-orphan", order_by="HouseholdMember.id"
    )
    assessments: Mapped[list["Assessment"]] = relationship(
        back_populates="applicant",
        cascade="all, delete-orphan",
        order_by="Assessment.id.desc()",
    )
    events: Mapped[list["FileEvent"]] = relationship(
        cascade="all, delete-orphan", order_by="FileEvent.id"
    )
    visits: Mapped[list["HomeVisit"]] = relationship(
        cascade="all, delete-orphan", order_by="HomeVisit.visited_on.desc()"
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])

    @property
    def id_number(self) -> str:
        """The full resident ID; callers that show it must audit the view."""
        return decrypt(self.id_number_enc) or ""

    @id_number.setter
    def id_number(self, value: str) -> None:
        self.id_number_enc = encrypt(value)
        self.id_last4 = value[-4:]

    @property
    def bank_account(self) -> str:
        return decrypt(self.bank_account_enc) or ""

    @bank_account.setter
    def bank_account(self, value: str) -> None:
        self.bank_account_enc = encrypt(value) if value else None
        self.bank_account_last4 = value[-4:] if value else ""

    @property
    def is_woman_worker(self) -> bool:
        return self.gender == "F"

    @property
    def latest_assessment(self) -> "Assessment | None":
        return self.assessments[0] if self.assessments else None

    @property
    def household_size(self) -> int:
        return 1 + len(self.members)


class HouseholdMember(db.Model):
    __tablename__ = "household_members"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicants.id", ondelete="CASCADE"), index=True
    )
    relation: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(50))
    id_number_enc: Mapped[str | None] = mapped_column(Text)
    id_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    id_last4: Mapped[str] = mapped_column(String(4), default="")
    monthly_income_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    health: Mapped[str] = mapped_column(String(20), default=Health.GOOD)
    is_student: Mapped[bool] = mapped_column(default=False)

    applicant: Mapped[Applicant] = relationship(back_populates="members")

    @property
    def id_number(self) -> str:
        return decrypt(self.id_number_enc) or ""

    @id_number.setter
    def id_number(self, value: str) -> None:
        self.id_number_enc = encrypt(value) if value else None
        self.id_last4 = value[-4:] if value else ""


class ResidentId(db.Model):
    """Every resident ID held in any file, head or member: the network-wide uniqueness rule."""

    __tablename__ = "resident_ids"

    id: Mapped[int] = mapped_column(primary_key=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicants.id", ondelete="CASCADE"), index=True
    )
    member_id: Mapped[int | None] = mapped_column(
        ForeignKey("household_members.id", ondelete="CASCADE")
    )


class SubsistenceStandard(db.Model):
    """The local minimum living standard (低保标准) in 分 per month, by region and start date."""

    __tablename__ = "subsistence_standards"
    __table_args__ = (UniqueConstraint("region_code", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    region_code: Mapped[str] = mapped_column(String(40), index=True)  # a centre code prefix
    region_name: Mapped[str] = mapped_column(String(60))
    monthly_fen: Mapped[int] = mapped_column(BigInteger)
    effective_from: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Assessment(db.Model):
    """One income assessment with its working; earlier ones are kept as history."""

    __tablename__ = "assessments"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicants.id", ondelete="CASCADE"), index=True
    )
    annual_income_fen: Mapped[int] = mapped_column(BigInteger)
    rigid_expenses_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    household_size: Mapped[int] = mapped_column()
    per_capita_monthly_fen: Mapped[int] = mapped_column(BigInteger)
    standard_id: Mapped[int | None] = mapped_column(ForeignKey("subsistence_standards.id"))
    standard_monthly_fen: Mapped[int] = mapped_column(BigInteger)
    hardship_costs_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    has_sudden_event: Mapped[bool] = mapped_column(default=False)
    exclusions: Mapped[list] = mapped_column(JSON, default=list)
    proposed_category: Mapped[str] = mapped_column(String(20))
    category: Mapped[str] = mapped_column(String(20))
    override_reason: Mapped[str] = mapped_column(String(500), default="")
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    assessed_at: Mapped[datetime] = mapped_column(default=utcnow)

    applicant: Mapped[Applicant] = relationship(back_populates="assessments")
    standard: Mapped[SubsistenceStandard | None] = relationship()


class Exclusion(enum.StrEnum):
    """Conditions that exclude a household (domain.md), plus the migrant labour-relation rule."""

    TWO_HOMES = "two_homes"
    BUSINESS_OWNER = "business_owner"
    PRIVATE_SCHOOL = "private_school"
    PRIVATE_CAR = "private_car"
    SHORT_LABOUR_RELATION = "short_labour_relation"  # migrant worker, < 1 year


class TransferReason(enum.StrEnum):
    JOB_CHANGE = "job_change"
    EMPLOYER_CLOSED = "employer_closed"
    MOVED_HOME = "moved_home"
    OTHER = "other"


class TransferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class FileCounter(db.Model):
    """The last file number issued per centre and year; incremented under a row lock."""

    __tablename__ = "file_counters"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(default=0)


class FileEvent(db.Model):
    """One step in a file's life (a workflow transition, a transfer, a review): its timeline."""

    __tablename__ = "file_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicants.id", ondelete="CASCADE"), index=True
    )
    action: Mapped[str] = mapped_column(String(30))
    from_status: Mapped[str] = mapped_column(String(20), default="")
    to_status: Mapped[str] = mapped_column(String(20), default="")
    reason: Mapped[str] = mapped_column(String(500), default="")
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    centre: Mapped[Centre] = relationship()
    user: Mapped[User | None] = relationship()


class HomeVisit(db.Model):
    """The home-visit record (入户调查): when, who went, what they found."""

    __tablename__ = "home_visits"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicants.id", ondelete="CASCADE"), index=True
    )
    visited_on: Mapped[date] = mapped_column(Date)
    visitors: Mapped[str] = mapped_column(String(200))
    findings: Mapped[str] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


class Transfer(db.Model):
    """A file moving between centres; the receiving centre accepts or declines it."""

    __tablename__ = "file_transfers"
    __table_args__ = (Index("ix_file_transfers_to_status", "to_centre_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(
        ForeignKey("applicants.id", ondelete="CASCADE"), index=True
    )
    from_centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    to_centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    reason: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(500), default="")
    status: Mapped[str] = mapped_column(String(20), default=TransferStatus.PENDING)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column()
    decision_note: Mapped[str] = mapped_column(String(500), default="")

    applicant: Mapped[Applicant] = relationship()
    from_centre: Mapped[Centre] = relationship(foreign_keys=[from_centre_id])
    to_centre: Mapped[Centre] = relationship(foreign_keys=[to_centre_id])
