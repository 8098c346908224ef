"""Issued documents (every printed PDF is recorded) and background print jobs."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assist.core.timeutil import utcnow
from assist.extensions import db


class IssuedDocument(db.Model):
    """One issued PDF: who, when, what it covers, which template, and its SHA-256."""

    __tablename__ = "issued_documents"
    __table_args__ = (Index("ix_issued_documents_subject", "kind", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    doc_no: Mapped[str] = mapped_column(String(32), unique=True)
    verify_code: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[int] = mapped_column()
    subject_label: Mapped[str] = mapped_column(String(120), default="")
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    template_version: Mapped[str] = mapped_column(String(40))
    #: SHA-256 of the record data the document was made from, to tell whether it changed since.
    record_sha256: Mapped[str] = mapped_column(String(64))
    #: SHA-256 of the PDF bytes.
    sha256: Mapped[str] = mapped_column(String(64), default="")
    page_count: Mapped[int] = mapped_column(default=0)
    shows_full_ids: Mapped[bool] = mapped_column(default=False)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    print_job_id: Mapped[int | None] = mapped_column(ForeignKey("print_jobs.id"), index=True)

    issued_by = relationship("User")
    centre = relationship("Centre")


class PrintJob(db.Model):
    """A batch of documents printed in the background; finished items survive restarts."""

    __tablename__ = "print_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # the document kind printed
    title: Mapped[str] = mapped_column(String(200), default="")
    output: Mapped[str] = mapped_column(String(8), default="pdf")  # "pdf" merged or "zip"
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(20), default="queued", index=True)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    #: The stored output (encrypted); emptied when the output expires.
    result_path: Mapped[str] = mapped_column(String(255), default="")
    #: The masking the documents were rendered with: full IDs only when the starter may print
    #: them; downloading then needs the same right (`jobs.check_download`).
    shows_full_ids: Mapped[bool] = mapped_column(default=False)
    #: When the output files were deleted (PRINT_OUTPUT_RETENTION_DAYS); the row stays.
    expired_at: Mapped[datetime | None] = mapped_column()
    cancel_requested: Mapped[bool] = mapped_column(default=False)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column()
    finished_at: Mapped[datetime | None] = mapped_column()
    #: Last sign of life from the runner; a stale one means the process died and may resume.
    heartbeat_at: Mapped[datetime | None] = mapped_column()

    created_by = relationship("User")
    centre = relationship("Centre")
    items: Mapped[list["PrintJobItem"]] = relationship(
        back_populates="job", cascade="all, delete-orphan", order_by="PrintJobItem.seq"
    )

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)


class PrintJobItem(db.Model):
    __tablename__ = "print_job_items"
    __table_args__ = (UniqueConstraint("job_id", "seq"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("print_jobs.id", ondelete="CASCADE"))
    seq: Mapped[int] = mapped_column()
    subject_id: Mapped[int] = mapped_column()
    label: Mapped[str] = mapped_column(String(120), default="")
    status: Mapped[str] = mapped_column(String(10), default="pending")  # pending/done/failed
    file_path: Mapped[str] = mapped_column(String(255), default="")
    document_id: Mapped[int | None] = mapped_column(ForeignKey("issued_documents.id"))
    error: Mapped[str] = mapped_column(Text, default="")

    job: Mapped[PrintJob] = relationship(back_populates="items")
