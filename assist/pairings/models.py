"""Pairing (结对帮扶): a household and its named helper, a one-household plan, and contacts."""

import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assist.applicants.models import Applicant
from assist.auth.models import User
from assist.centres.models import Centre
from assist.core.timeutil import utcnow
from assist.extensions import db


class HelperKind(enum.StrEnum):
    CADRE = "cadre"  # a union cadre who is a user
    PERSON = "person"  # a person recorded by name (a leader, a volunteer)
    ENTERPRISE = "enterprise"


class ContactMode(enum.StrEnum):
    VISIT = "visit"
    CALL = "call"


class Pair(db.Model):
    """One household paired with one helper, with its plan (一户一策)."""

    __tablename__ = "pairings"
    __table_args__ = (
        Index("ix_pairings_centre_due", "centre_id", "ended_on", "next_due_on"),
        Index("ix_pairings_applicant_open", "applicant_id", "ended_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("applicants.id"))
    #: The household's centre when paired: scoping goes by it.
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    helper_kind: Mapped[str] = mapped_column(String(20))
    helper_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    helper_name: Mapped[str] = mapped_column(String(80))
    helper_title: Mapped[str] = mapped_column(String(80), default="")
    started_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date)
    end_result: Mapped[str] = mapped_column(Text, default="")
    #: The plan: the cause, the need, the measures, the goal (三清 and the goal).
    plan_cause: Mapped[str] = mapped_column(Text, default="")
    plan_need: Mapped[str] = mapped_column(Text, default="")
    plan_measures: Mapped[str] = mapped_column(Text, default="")
    plan_goal: Mapped[str] = mapped_column(Text, default="")
    cadence_days: Mapped[int] = mapped_column(default=30)
    last_contact_on: Mapped[date | None] = mapped_column(Date)
    next_due_on: Mapped[date] = mapped_column(Date)
    #: Set when the pair is raised to the parent centre's attention.
    escalated_on: Mapped[date | None] = mapped_column(Date)
    escalated_to_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    applicant: Mapped[Applicant] = relationship()
    centre: Mapped[Centre] = relationship(foreign_keys=[centre_id])
    escalated_to: Mapped[Centre | None] = relationship(foreign_keys=[escalated_to_id])
    helper_user: Mapped[User | None] = relationship(foreign_keys=[helper_user_id])
    contacts: Mapped[list["Contact"]] = relationship(
        back_populates="pair", order_by="Contact.contacted_on.desc(), Contact.id.desc()"
    )

    @property
    def is_active(self) -> bool:
        return self.ended_on is None


class Contact(db.Model):
    """One contact with the household: a visit or a call, what was done, the next due date."""

    __tablename__ = "pairing_contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pairings.id"), index=True)
    contacted_on: Mapped[date] = mapped_column(Date)
    mode: Mapped[str] = mapped_column(String(10))
    done: Mapped[str] = mapped_column(Text)
    next_due_on: Mapped[date] = mapped_column(Date)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    pair: Mapped[Pair] = relationship(back_populates="contacts")
    recorded_by: Mapped[User | None] = relationship()
