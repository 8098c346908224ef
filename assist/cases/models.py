"""Aid cases (帮扶): one request for aid for one household, its timeline and its decisions.

Stable for other domains (funds/payments rely on them): the `CaseStatus` values and the
`AidCase` columns `status`, `centre_id`, `amount_approved_fen`, `approved_by_id` and
`submitted_by_id`. Payments move a case ready_to_pay → partly_paid / paid and back on
reversal through `assist.cases.services.record_payment`, which keeps `paid_fen`.
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
    event,
    func,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assist.applicants.models import Applicant
from assist.auth.models import User
from assist.centres.models import Centre
from assist.core.crypto import decrypt, encrypt
from assist.core.timeutil import utcnow
from assist.extensions import db


class AidKind(enum.StrEnum):
    LIVING = "living"  # 生活救助
    MEDICAL = "medical"  # 医疗救助
    SCHOOLING = "schooling"  # 助学 / 金秋助学
    HOLIDAY = "holiday"  # 送温暖
    TEMPORARY = "temporary"  # 临时救助
    MUTUAL_AID = "mutual_aid"  # 互助保障
    LEGAL = "legal"  # 法律援助
    JOB = "job"  # 就业援助

    @property
    def is_money(self) -> bool:
        return self not in (AidKind.LEGAL, AidKind.JOB)

    @property
    def needs_file(self) -> bool:
        """File first, aid after: every kind needs an active file except temporary relief and
        mutual-aid claims, whose cover comes from a plan the member's unit enrolled them in."""
        return self not in (AidKind.TEMPORARY, AidKind.MUTUAL_AID)

    @property
    def is_opened_by_hand(self) -> bool:
        """Mutual-aid claim cases are opened by recording a claim, never on the case form."""
        return self is not AidKind.MUTUAL_AID


class SchoolLevel(enum.StrEnum):
    UNIVERSITY = "university"
    HIGH_SCHOOL = "high_school"


class Occasion(enum.StrEnum):
    """The holiday of a 送温暖 visit: the cap is per household per holiday."""

    SPRING_FESTIVAL = "spring_festival"
    MID_AUTUMN = "mid_autumn"
    OTHER = "other"


class CaseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"  # waiting for a supervisor at `approval_centre_id`
    RETURNED = "returned"  # back with the caseworker for more information
    APPROVED = "approved"  # non-money kinds: approved, service to be given
    REJECTED = "rejected"
    IN_NOTICE = "in_notice"  # 公示
    ON_HOLD = "on_hold"  # an objection during the notice holds the case
    READY_TO_PAY = "ready_to_pay"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


#: Statuses that end a case: the household may open a new case of the same kind.
FINAL_STATUSES = frozenset({CaseStatus.REJECTED, CaseStatus.WITHDRAWN, CaseStatus.CLOSED})


class AidCase(db.Model):
    """One request for aid for one household (or, for temporary relief, one person)."""

    __tablename__ = "aid_cases"
    __table_args__ = (
        Index("ix_aid_cases_centre_status", "centre_id", "status"),
        Index("ix_aid_cases_approval_centre_status", "approval_centre_id", "status"),
        Index("ix_aid_cases_applicant_kind", "applicant_id", "kind"),
        Index("ix_aid_cases_person_kind", "person_id_hash", "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_no: Mapped[str] = mapped_column(String(48), unique=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicants.id"))
    kind: Mapped[str] = mapped_column(String(20), index=True)
    status: Mapped[str] = mapped_column(String(20), default=CaseStatus.DRAFT, index=True)

    #: The person helped when there is no file (temporary relief) or the student (schooling).
    person_name: Mapped[str] = mapped_column(String(50), default="")
    person_id_enc: Mapped[str | None] = mapped_column(Text)
    person_id_hash: Mapped[str | None] = mapped_column(String(64))
    person_id_last4: Mapped[str] = mapped_column(String(4), default="")
    person_address: Mapped[str] = mapped_column(String(255), default="")
    school_level: Mapped[str | None] = mapped_column(String(20))
    occasion: Mapped[str | None] = mapped_column(String(20))
    #: Medical aid is capped by the self-paid part of the bill.
    self_paid_fen: Mapped[int | None] = mapped_column(BigInteger)
    #: The payee's own card when it is not the file's (a mutual-aid member's card).
    payee_bank_name: Mapped[str] = mapped_column(String(60), default="")
    payee_account_last4: Mapped[str] = mapped_column(String(4), default="")

    amount_requested_fen: Mapped[int | None] = mapped_column(BigInteger)
    amount_approved_fen: Mapped[int | None] = mapped_column(BigInteger)
    #: Kept by the payment services: the sum of payments net of reversals.
    paid_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Legal and job aid: the service requested and, at closing, the service given.
    service_given: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str] = mapped_column(Text, default="")

    #: The centre whose supervisors must act now (moves up on each recommendation).
    approval_centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    recommended_fen: Mapped[int | None] = mapped_column(BigInteger)
    recommended_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: Household and assessment data as they stood at approval.
    snapshot: Mapped[dict | None] = mapped_column(JSON)
    notice_started_at: Mapped[datetime | None] = mapped_column()
    notice_ends_at: Mapped[datetime | None] = mapped_column(index=True)

    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column()
    approved_at: Mapped[datetime | None] = mapped_column()
    closed_at: Mapped[datetime | None] = mapped_column()
    #: Set while the case is open: the database refuses a second open case of the same kind
    #: for the same household (or person, or student for schooling).
    open_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    #: Optimistic lock: a stale writer gets StaleDataError instead of overwriting a decision.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    centre: Mapped[Centre] = relationship(foreign_keys=[centre_id])
    approval_centre: Mapped[Centre | None] = relationship(foreign_keys=[approval_centre_id])
    applicant: Mapped[Applicant | None] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    submitted_by: Mapped[User | None] = relationship(foreign_keys=[submitted_by_id])
    approved_by: Mapped[User | None] = relationship(foreign_keys=[approved_by_id])
    recommended_by: Mapped[User | None] = relationship(foreign_keys=[recommended_by_id])
    events: Mapped[list["CaseEvent"]] = relationship(
        back_populates="case", order_by="CaseEvent.id", viewonly=True
    )
    objections: Mapped[list["Objection"]] = relationship(
        back_populates="case", order_by="Objection.id"
    )
    collective_decision: Mapped["CollectiveDecision | None"] = relationship(
        back_populates="case", uselist=False
    )

    @property
    def kind_enum(self) -> AidKind:
        return AidKind(self.kind)

    @property
    def status_enum(self) -> CaseStatus:
        return CaseStatus(self.status)

    @property
    def is_money(self) -> bool:
        return self.kind_enum.is_money

    @hybrid_property
    def unpaid_fen(self) -> int:
        """What is left to pay of the approved amount."""
        return (self.amount_approved_fen or 0) - (self.paid_fen or 0)

    @unpaid_fen.inplace.expression
    @classmethod
    def _unpaid_fen_expression(cls):
        return func.coalesce(cls.amount_approved_fen, 0) - cls.paid_fen

    @property
    def is_open(self) -> bool:
        return self.status not in FINAL_STATUSES

    @property
    def person_id(self) -> str:
        """The person's full resident ID; callers that show it must audit the view."""
        return decrypt(self.person_id_enc) or ""

    @person_id.setter
    def person_id(self, value: str) -> None:
        self.person_id_enc = encrypt(value) if value else None
        self.person_id_last4 = value[-4:] if value else ""

    @property
    def recipient_name(self) -> str:
        """Whose name the case goes under: the file's head, or the temporary-relief person."""
        if self.applicant is not None:
            return self.applicant.name
        return self.person_name

    def household_key(self) -> str:
        """The unit that may hold one open case of this kind."""
        if self.kind == AidKind.MUTUAL_AID:
            return f"n{self.case_no}"  # one case per claim: a member may claim per event
        if self.kind == AidKind.SCHOOLING and self.person_id_hash:
            return f"{self.applicant_id or ''}:{self.person_id_hash}"
        if self.applicant_id is not None:
            return f"a{self.applicant_id}"
        return f"p{self.person_id_hash}"

    def __repr__(self) -> str:
        return f"<AidCase {self.case_no} {self.status}>"


@event.listens_for(AidCase, "before_insert")
@event.listens_for(AidCase, "before_update")
def _keep_open_key(mapper, connection, case: AidCase) -> None:
    case.open_key = f"{case.kind}:{case.household_key()}" if case.is_open else None


class CaseEvent(db.Model):
    """One step on a case's timeline. Append-only (database triggers refuse changes)."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("aid_cases.id"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    #: None for steps the system takes itself (the notice period ending).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str] = mapped_column(Text, default="")
    amount_fen: Mapped[int | None] = mapped_column(BigInteger)
    #: The centre at which the step was taken (e.g. the approving centre).
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))

    case: Mapped[AidCase] = relationship(back_populates="events")
    user: Mapped[User | None] = relationship()
    centre: Mapped[Centre | None] = relationship()


class ObjectionStatus(enum.StrEnum):
    OPEN = "open"
    UPHELD = "upheld"  # the case goes back to review
    DISMISSED = "dismissed"  # the notice carries on


class Objection(db.Model):
    """An objection raised during the public notice, and how a supervisor resolved it."""

    __tablename__ = "case_objections"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("aid_cases.id"), index=True)
    raised_by: Mapped[str] = mapped_column(String(80))
    contact: Mapped[str] = mapped_column(String(80), default="")
    content: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default=ObjectionStatus.OPEN)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolution: Mapped[str] = mapped_column(Text, default="")
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column()

    case: Mapped[AidCase] = relationship(back_populates="objections")
    recorded_by: Mapped[User | None] = relationship(foreign_keys=[recorded_by_id])
    resolved_by: Mapped[User | None] = relationship(foreign_keys=[resolved_by_id])


class CollectiveDecision(db.Model):
    """The meeting decision (集体研究决定) an approval above the city limit needs."""

    __tablename__ = "case_collective_decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("aid_cases.id"), unique=True)
    meeting_date: Mapped[date] = mapped_column(Date)
    reference: Mapped[str] = mapped_column(String(80))
    attachment_path: Mapped[str] = mapped_column(String(255))
    attachment_name: Mapped[str] = mapped_column(String(255))
    attachment_mime: Mapped[str] = mapped_column(String(40))
    attachment_sha256: Mapped[str] = mapped_column(String(64))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    case: Mapped[AidCase] = relationship(back_populates="collective_decision")
    recorded_by: Mapped[User | None] = relationship()


class AidRule(db.Model):
    """A dated setting for one aid kind (and variant): its yearly cap and notice rule.

    The latest row with effective_from ≤ the day applies; without a row the defaults in
    `assist.cases.caps.DEFAULT_RULES` (domain.md) apply.
    """

    __tablename__ = "aid_rules"
    __table_args__ = (UniqueConstraint("kind", "variant", "effective_from"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    #: "" for the whole kind, or deep/other (living), university/high_school (schooling).
    variant: Mapped[str] = mapped_column(String(20), default="")
    effective_from: Mapped[date] = mapped_column(Date)
    #: A fixed yearly cap in 分, or
    cap_fen: Mapped[int | None] = mapped_column(BigInteger)
    #: a cap of this many months of the local 低保 standard (None: no cap).
    cap_standard_months: Mapped[int | None] = mapped_column()
    skips_notice: Mapped[bool] = mapped_column(default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class CaseCounter(db.Model):
    """The last case number issued per centre and year."""

    __tablename__ = "case_counters"
    __table_args__ = (UniqueConstraint("centre_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    year: Mapped[int] = mapped_column()
    last_no: Mapped[int] = mapped_column(default=0)
