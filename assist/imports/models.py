"""An uploaded ledger, its rows staged in the database (encrypted), and each centre's mapping."""

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assist.auth.models import User
from assist.centres.models import Centre
from assist.core.timeutil import utcnow
from assist.extensions import db


class LedgerImport(db.Model):
    """One uploaded ledger: uploaded → checking → checked → importing → imported (or failed)."""

    __tablename__ = "ledger_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    #: The file as uploaded (kept in the database, so any app server can run the job).
    content: Mapped[bytes] = mapped_column(db.LargeBinary)
    encoding: Mapped[str] = mapped_column(String(20), default="")
    headers: Mapped[list] = mapped_column(JSON, default=list)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    #: The state the imported files take: "applied" (申请) or "active" (在档).
    target_status: Mapped[str] = mapped_column(String(20), default="applied")
    status: Mapped[str] = mapped_column(String(20), default="uploaded", index=True)
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    valid_rows: Mapped[int] = mapped_column(default=0)
    invalid_rows: Mapped[int] = mapped_column(default=0)
    imported_files: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column()
    imported_at: Mapped[datetime | None] = mapped_column()
    heartbeat_at: Mapped[datetime | None] = mapped_column()

    centre: Mapped[Centre] = relationship()
    created_by: Mapped[User] = relationship()

    @property
    def percent(self) -> int:
        return 100 if not self.total else int(100 * self.done / self.total)


class LedgerImportRow(db.Model):
    """One row of the ledger: its mapped values (encrypted: they hold IDs) and its problems."""

    __tablename__ = "ledger_import_rows"
    __table_args__ = (Index("ix_ledger_import_rows_import_row", "import_id", "row_no"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("ledger_imports.id", ondelete="CASCADE"))
    row_no: Mapped[int] = mapped_column()
    #: Fernet token of the row's mapped values as JSON.
    data_enc: Mapped[str] = mapped_column(Text)
    name: Mapped[str] = mapped_column(String(50), default="")
    id_masked: Mapped[str] = mapped_column(String(20), default="")
    is_head: Mapped[bool] = mapped_column(default=True)
    #: [{"field", "message"}], in the language of the user who ran the check.
    problems: Mapped[list] = mapped_column(JSON, default=list)
    #: valid / invalid / imported / failed
    status: Mapped[str] = mapped_column(String(10), default="valid")
    applicant_id: Mapped[int | None] = mapped_column(ForeignKey("applicants.id"))


class ImportMapping(db.Model):
    """The column mapping a centre used last, offered again on its next upload."""

    __tablename__ = "ledger_import_mappings"

    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), primary_key=True)
    mapping: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
