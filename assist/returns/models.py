"""A centre's return for a period and its versions: each signed version is frozen."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assist.auth.models import User
from assist.centres.models import Centre
from assist.core.timeutil import utcnow
from assist.extensions import db


class PeriodKind(enum.StrEnum):
    MONTH = "month"  # 月报, period "2026-03"
    YEAR = "year"  # 年报, period "2026"


class ReturnStatus(enum.StrEnum):
    DRAFT = "draft"  # compiled, not signed: may be compiled again
    SIGNED = "signed"  # frozen: figures, time, who and a hash
    REOPENED = "reopened"  # a parent reopened it: superseded by the next version


class PeriodReturn(db.Model):
    """One centre's return for one period; its current version is the latest."""

    __tablename__ = "period_returns"
    __table_args__ = (UniqueConstraint("centre_id", "period_kind", "period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    period_kind: Mapped[str] = mapped_column(String(8))
    period: Mapped[str] = mapped_column(String(7), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    centre: Mapped[Centre] = relationship()
    versions: Mapped[list["ReturnVersion"]] = relationship(
        back_populates="period_return", order_by="ReturnVersion.version"
    )

    @property
    def current(self) -> "ReturnVersion | None":
        return self.versions[-1] if self.versions else None


class ReturnVersion(db.Model):
    """One version of a return: its figures, the children's versions it includes, its sign-off."""

    __tablename__ = "return_versions"
    __table_args__ = (UniqueConstraint("return_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    return_id: Mapped[int] = mapped_column(ForeignKey("period_returns.id"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[str] = mapped_column(String(10), default=ReturnStatus.DRAFT)
    #: {metric: {key: [count, amount_fen]}}: own records plus the signed children's figures.
    figures: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The centre's own records alone, in the same shape.
    own_figures: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Each direct child: {centre_id, code, name, version, signed, figures included}.
    children: Mapped[list] = mapped_column(JSON, default=list)
    #: Against the previous version: {metric: {key: [[count, amount] before, after]}}.
    changes: Mapped[dict] = mapped_column(JSON, default=dict)
    compiled_at: Mapped[datetime] = mapped_column(default=utcnow)
    compiled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    signed_at: Mapped[datetime | None] = mapped_column()
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: SHA-256 of the signed content (centre, period, version, figures, children).
    sha256: Mapped[str] = mapped_column(String(64), default="")
    reopened_at: Mapped[datetime | None] = mapped_column()
    reopened_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reopen_reason: Mapped[str] = mapped_column(Text, default="")

    period_return: Mapped[PeriodReturn] = relationship(back_populates="versions")
    compiled_by: Mapped[User | None] = relationship(foreign_keys=[compiled_by_id])
    signed_by: Mapped[User | None] = relationship(foreign_keys=[signed_by_id])
    reopened_by: Mapped[User | None] = relationship(foreign_keys=[reopened_by_id])

    @property
    def is_signed(self) -> bool:
        return self.status == ReturnStatus.SIGNED
