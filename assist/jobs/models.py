"""A background job's record: what to run, with what, how far it got."""

from datetime import datetime

from sqlalchemy import JSON, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from assist.core.timeutil import utcnow
from assist.extensions import db


class BackgroundJob(db.Model):
    """One run of a registered job kind; the row is the record whatever backend runs it."""

    __tablename__ = "background_jobs"
    __table_args__ = (Index("ix_background_jobs_kind_status", "kind", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(60))
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    #: queued → running → done | failed
    status: Mapped[str] = mapped_column(String(10), default="queued", index=True)
    result: Mapped[dict] = mapped_column(JSON, default=dict)
    error: Mapped[str] = mapped_column(Text, default="")
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    #: Last sign of life from the process running it; stale means it died.
    heartbeat_at: Mapped[datetime | None] = mapped_column()
    #: Which process ran it last (host:pid), for the operator.
    worker: Mapped[str] = mapped_column(String(80), default="")
