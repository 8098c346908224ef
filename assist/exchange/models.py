"""Civil-affairs verification requests and results; bank bulk-payment files and their returns."""

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assist.applicants.models import Applicant
from assist.auth.models import User
from assist.centres.models import Centre
from assist.core.timeutil import utcnow
from assist.extensions import db


class VerificationRequest(db.Model):
    """A list of households sent to civil affairs (民政) for an income and property check."""

    __tablename__ = "verification_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    #: How the files were chosen: {"by": "due" | "category" | "hand", "value": …}.
    selection: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="generated")  # generated/sent
    total: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    sent_at: Mapped[datetime | None] = mapped_column()

    centre: Mapped[Centre] = relationship()
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    items: Mapped[list["VerificationItem"]] = relationship(
        back_populates="request", order_by="VerificationItem.id", cascade="all, delete-orphan"
    )


class VerificationItem(db.Model):
    __tablename__ = "verification_items"
    __table_args__ = (UniqueConstraint("request_id", "applicant_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("verification_requests.id"), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)

    request: Mapped[VerificationRequest] = relationship(back_populates="items")
    applicant: Mapped[Applicant] = relationship()


class VerificationResult(db.Model):
    """Civil affairs' answer for one household, matched by the head's resident ID."""

    __tablename__ = "verification_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"), index=True)
    request_id: Mapped[int | None] = mapped_column(ForeignKey("verification_requests.id"))
    on_dibao: Mapped[bool | None] = mapped_column()
    #: The household's yearly income as civil affairs checked it, in 分.
    checked_income_fen: Mapped[int | None] = mapped_column(BigInteger)
    has_property: Mapped[bool] = mapped_column(default=False)
    has_vehicle: Mapped[bool] = mapped_column(default=False)
    checked_on: Mapped[date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200), default="")
    #: Why the result contradicts the file's category ('' when it does not).
    contradiction: Mapped[str] = mapped_column(Text, default="")
    #: Set when a supervisor has looked at a contradiction (it leaves their list).
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column()
    imported_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    imported_at: Mapped[datetime] = mapped_column(default=utcnow)

    applicant: Mapped[Applicant] = relationship()


class BankFileIssue(db.Model):
    """A bank bulk-payment file generated for a batch (the file itself is never kept)."""

    __tablename__ = "bank_file_issues"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    rows: Mapped[int] = mapped_column(default=0)
    total_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)


class BankOutcome(db.Model):
    """The bank's answer for one payment of a batch: confirmed, or failed with its reason."""

    __tablename__ = "bank_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"), unique=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    status: Mapped[str] = mapped_column(String(10))  # confirmed / failed
    reason: Mapped[str] = mapped_column(String(200), default="")
    bank_reference: Mapped[str] = mapped_column(String(80), default="")
    recorded_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
