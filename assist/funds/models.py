"""Funds, the append-only ledger (台账), balances, payments and payment batches.

Every movement of money is a `LedgerEntry`: the amount in 分 signed by its effect on the
balance of one centre in one fund. A `Balance` row per (fund, centre) is kept in the same
transaction under a row lock, and `flask ledger verify` checks it against the ledger.
"""

import enum
from datetime import date, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
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
from assist.core.timeutil import utcnow
from assist.extensions import db


class FundSource(enum.StrEnum):
    UNION_FUNDS = "union_funds"  # 工会经费
    GOVERNMENT = "government"  # 财政拨款
    DONATIONS = "donations"  # 社会捐赠
    SPECIAL = "special"  # 专项资金, e.g. 送温暖专项
    MUTUAL_AID = "mutual_aid"  # 互助金: members' fees and union subsidies; pays claims only


class EntryKind(enum.StrEnum):
    """What a ledger row records; the sign of its amount follows from the kind."""

    RECEIPT = "receipt"  # money comes into the fund at its own centre (+)
    ALLOCATION_OUT = "allocation_out"  # a centre allocates down to a child (−)
    ALLOCATION_IN = "allocation_in"  # the child receives the allocation (+)
    RETURN_OUT = "return_out"  # a centre returns money up to its parent (−)
    RETURN_IN = "return_in"  # the parent receives the return (+)
    PAYMENT = "payment"  # aid paid to a household (−)
    REVERSAL = "reversal"  # a payment reversed (+)
    TRANSFER_OUT = "transfer_out"  # money moved to another fund at the same centre (−)
    TRANSFER_IN = "transfer_in"  # the other fund receives it (+)


#: +1 for kinds that add to the centre's balance, −1 for those that take from it.
ENTRY_SIGN = {
    EntryKind.RECEIPT: 1,
    EntryKind.ALLOCATION_OUT: -1,
    EntryKind.ALLOCATION_IN: 1,
    EntryKind.RETURN_OUT: -1,
    EntryKind.RETURN_IN: 1,
    EntryKind.PAYMENT: -1,
    EntryKind.REVERSAL: 1,
    EntryKind.TRANSFER_OUT: -1,
    EntryKind.TRANSFER_IN: 1,
}


class PaymentMethod(enum.StrEnum):
    BANK_TRANSFER = "bank_transfer"  # 打卡发放, to the household's own account
    CASH = "cash"  # 现金, against the recipient's signature
    IN_KIND = "in_kind"  # 实物: rice, oil, quilts, valued in yuan


class PaymentStatus(enum.StrEnum):
    PAID = "paid"
    REVERSED = "reversed"


class BatchStatus(enum.StrEnum):
    DRAFT = "draft"
    PAID = "paid"
    CANCELLED = "cancelled"


class Fund(db.Model):
    """A pot of money with a source and a year, owned by the centre that receives it."""

    __tablename__ = "funds"
    __table_args__ = (UniqueConstraint("name", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    source: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(index=True)
    #: The AidKind values this fund may pay.
    allowed_kinds: Mapped[list] = mapped_column(JSON, default=list)
    #: The centre the money comes in at; allocations flow down from it.
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    centre: Mapped[Centre] = relationship()
    created_by: Mapped[User | None] = relationship()

    @property
    def source_enum(self) -> FundSource:
        return FundSource(self.source)

    def allows(self, kind: str) -> bool:
        return kind in (self.allowed_kinds or [])

    def __repr__(self) -> str:
        return f"<Fund {self.year} {self.name}>"


class Balance(db.Model):
    """What one centre holds in one fund: the sum of its ledger rows, kept under a row lock."""

    __tablename__ = "fund_balances"
    __table_args__ = (
        UniqueConstraint("fund_id", "centre_id"),
        CheckConstraint("balance_fen >= 0", name="balance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: The ledger's totals for this (fund, centre), kept with the balance under the same lock
    #: so the funds pages need not sum the ledger: rows written, and signed sums by kind.
    entries: Mapped[int] = mapped_column(BigInteger, default=0)
    by_kind: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    fund: Mapped[Fund] = relationship()
    centre: Mapped[Centre] = relationship()


class LedgerEntry(db.Model):
    """One movement of money. Append-only: database triggers refuse UPDATE and DELETE."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        Index("ix_ledger_entries_fund_centre", "fund_id", "centre_id", "id"),
        CheckConstraint("amount_fen <> 0", name="amount_not_zero"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    #: Signed: its effect on the centre's balance in the fund.
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    #: The centre's balance in the fund after this row: the ledger book's running balance.
    balance_after_fen: Mapped[int] = mapped_column(BigInteger)
    #: The other side of an allocation or a return (a transfer's is the same centre).
    counterpart_centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"))
    #: The row this one answers: an allocation's or transfer's receiving row names its giving
    #: row; a reversal names the payment's row.
    related_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id"))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("aid_cases.id"), index=True)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"), index=True)
    #: A bank reference, a document number (文号) or a voucher number.
    reference: Mapped[str] = mapped_column(String(80), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    fund: Mapped[Fund] = relationship()
    centre: Mapped[Centre] = relationship(foreign_keys=[centre_id])
    counterpart_centre: Mapped[Centre | None] = relationship(foreign_keys=[counterpart_centre_id])
    case: Mapped[AidCase | None] = relationship()
    payment: Mapped["Payment | None"] = relationship(foreign_keys=[payment_id])
    user: Mapped[User | None] = relationship()

    @property
    def kind_enum(self) -> EntryKind:
        return EntryKind(self.kind)


class PaymentBatch(db.Model):
    """Many ready-to-pay cases paid together from one fund, with a disbursement roster."""

    __tablename__ = "payment_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_no: Mapped[str] = mapped_column(String(40), unique=True)
    title: Mapped[str] = mapped_column(String(120))
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"))
    #: The centre whose balance pays.
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    method: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=BatchStatus.DRAFT, index=True)
    #: The bulk transfer's bank reference, or the day the cash or goods were handed out.
    reference: Mapped[str] = mapped_column(String(80), default="")
    paid_on: Mapped[date | None] = mapped_column(Date)
    #: Goods in kind: what each household receives (大米10公斤、食用油5升).
    goods: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime | None] = mapped_column()

    fund: Mapped[Fund] = relationship()
    centre: Mapped[Centre] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    paid_by: Mapped[User | None] = relationship(foreign_keys=[paid_by_id])
    items: Mapped[list["BatchItem"]] = relationship(
        back_populates="batch", cascade="all, delete-orphan", order_by="BatchItem.id"
    )

    @property
    def total_fen(self) -> int:
        return sum(item.amount_fen for item in self.items)


class BatchItem(db.Model):
    """One case in a batch and the amount it is to be paid."""

    __tablename__ = "payment_batch_items"
    __table_args__ = (
        UniqueConstraint("batch_id", "case_id"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("aid_cases.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))

    batch: Mapped[PaymentBatch] = relationship(back_populates="items")
    case: Mapped[AidCase] = relationship()
    payment: Mapped["Payment | None"] = relationship()


class Payment(db.Model):
    """Aid paid to a household from one centre's balance in one fund."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_centre_paid_at", "centre_id", "paid_at"),
        CheckConstraint("amount_fen > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("aid_cases.id"), index=True)
    fund_id: Mapped[int] = mapped_column(ForeignKey("funds.id"), index=True)
    #: The centre whose balance paid.
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("payment_batches.id"), index=True)
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default=PaymentStatus.PAID)
    #: Whoever the money went to, as the file stood at payment time.
    recipient_name: Mapped[str] = mapped_column(String(50), default="")
    #: Bank transfer: the bank's reference and the account's bank and last four digits.
    bank_reference: Mapped[str] = mapped_column(String(80), default="")
    bank_name: Mapped[str] = mapped_column(String(60), default="")
    account_last4: Mapped[str] = mapped_column(String(4), default="")
    #: Cash (and goods): who signed for it and when.
    signed_by: Mapped[str] = mapped_column(String(50), default="")
    signed_on: Mapped[date | None] = mapped_column(Date)
    #: Goods in kind: [{"name", "quantity", "unit_value_fen", "value_fen"}].
    items: Mapped[list] = mapped_column(JSON, default=list)
    note: Mapped[str] = mapped_column(Text, default="")
    #: A repeated submission with the same key returns this payment instead of paying again.
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    paid_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    paid_at: Mapped[datetime] = mapped_column(default=utcnow)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reversed_at: Mapped[datetime | None] = mapped_column()
    reversal_reason: Mapped[str] = mapped_column(Text, default="")

    case: Mapped[AidCase] = relationship()
    fund: Mapped[Fund] = relationship()
    centre: Mapped[Centre] = relationship()
    batch: Mapped[PaymentBatch | None] = relationship(foreign_keys=[batch_id])
    paid_by: Mapped[User | None] = relationship(foreign_keys=[paid_by_id])
    reversed_by: Mapped[User | None] = relationship(foreign_keys=[reversed_by_id])

    @property
    def method_enum(self) -> PaymentMethod:
        return PaymentMethod(self.method)

    @property
    def is_reversed(self) -> bool:
        return self.status == PaymentStatus.REVERSED


class LedgerCheck(db.Model):
    """The stored result of one full ledger verification, run in the background.

    Pages show the latest one instead of checking the whole ledger on every request.
    """

    __tablename__ = "ledger_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    rows_checked: Mapped[int] = mapped_column(BigInteger, default=0)
    difference_count: Mapped[int] = mapped_column(default=0)
    #: The differences found (Difference.as_dict without the worded message), at most
    #: MAX_STORED of them.
    differences: Mapped[list] = mapped_column(JSON, default=list)
    #: Per (fund, centre): ledger rows, ledger total and balance row, for the reconciliation page.
    lines: Mapped[list] = mapped_column(JSON, default=list)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("background_jobs.id"))
