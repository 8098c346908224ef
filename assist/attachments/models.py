"""Attachments: files checked by content and stored outside the web root under random names."""

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from assist.auth.models import User
from assist.core.timeutil import utcnow
from assist.extensions import db


class AttachmentKind(enum.StrEnum):
    ID_COPY = "id_copy"  # 身份证复印件
    HOUSEHOLD_REGISTER = "household_register"  # 户口簿
    DIAGNOSIS = "diagnosis"  # 诊断证明
    INCOME_PROOF = "income_proof"  # 收入证明
    CONSENT = "consent"  # 授权委托书
    INVOICE = "invoice"  # 发票、收据
    SCHOOL_ENROLMENT = "school_enrolment"  # 入学通知书、在读证明
    COLLECTIVE_DECISION = "collective_decision"  # 集体研究决定纪要
    MEDICAL_SETTLEMENT = "medical_settlement"  # 医保结算单
    DEATH_CERTIFICATE = "death_certificate"  # 死亡证明、户口注销证明
    DISABILITY_APPRAISAL = "disability_appraisal"  # 伤残等级鉴定
    OTHER = "other"


class Attachment(db.Model):
    """One uploaded document belonging to an owner (`owner_type`, `owner_id`)."""

    __tablename__ = "attachments"
    __table_args__ = (Index("ix_attachments_owner", "owner_type", "owner_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_type: Mapped[str] = mapped_column(String(20))  # "applicant", "case", …
    owner_id: Mapped[int] = mapped_column()
    kind: Mapped[str] = mapped_column(String(30))
    #: The uploader's file name, cleaned, for display and the download name only.
    original_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    #: Random name under STORAGE_DIR; never derived from user input.
    storage_key: Mapped[str] = mapped_column(String(80), unique=True)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column()
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    uploaded_by: Mapped[User | None] = relationship(foreign_keys=[uploaded_by_id])

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
