"""代发清单: a paid bank-transfer batch as the bank's bulk-payment file, and the bank's return.

The file is the one place full account numbers leave the system: finance only, every download
audited, built from the records on request and never stored. The bank's return file marks
each payment confirmed or failed; a failed one is reversed through the funds service
(`reverse_payment`: a reversing ledger row, the case back to ready to pay) with the bank's
reason. The whole return file is recorded, or nothing.
"""

import csv
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import func, select

from assist.audit.services import record
from assist.auth.models import Role
from assist.core.errors import DomainError, PermissionDenied, ValidationError
from assist.core.money import fen_to_decimal_str
from assist.core.scoping import scoped
from assist.exchange.models import BankFileIssue, BankOutcome
from assist.extensions import db
from assist.funds.documents import voucher_number
from assist.funds.models import BatchStatus, Payment, PaymentBatch, PaymentMethod, PaymentStatus
from assist.funds.services import reverse_payment
from assist.imports.services import read_sheet

BANK_HEADERS = ["序号", "付款编号", "户名", "账号", "开户行", "金额（元）", "用途"]
RETURN_COLUMNS = {
    "payment": ("付款编号",),
    "status": ("状态", "处理结果"),
    "reason": ("失败原因", "原因", "备注"),
    "reference": ("银行流水号", "流水号"),
}
SUCCESS = {"成功", "已成功", "SUCCESS", "OK"}
FAILURE = {"失败", "已退回", "退回", "FAILED", "FAIL"}


def _require_finance(user) -> None:
    if not user.has_role(Role.FINANCE):
        raise PermissionDenied(_("Only finance officers handle bank files."))


def check_bank_file(batch: PaymentBatch, *, acting_user) -> None:
    _require_finance(acting_user)
    if batch.method != PaymentMethod.BANK_TRANSFER:
        raise DomainError(_("Only a bank-transfer batch has a bank file."))
    if batch.status != BatchStatus.PAID:
        raise DomainError(_("The batch must be paid before its bank file is made."))


def _payments(batch: PaymentBatch) -> list[Payment]:
    return list(
        db.session.scalars(select(Payment).where(Payment.batch_id == batch.id).order_by(Payment.id))
    )


def bank_rows(batch: PaymentBatch, *, acting_user) -> list[list]:
    """The file's rows with full account numbers; audited as a full-number view."""
    check_bank_file(batch, acting_user=acting_user)
    rows = []
    payments = [p for p in _payments(batch) if p.status == PaymentStatus.PAID]
    for n, p in enumerate(payments, start=1):
        applicant = p.case.applicant
        rows.append(
            [
                n,
                voucher_number(p),
                p.recipient_name,
                applicant.bank_account if applicant else "",
                p.bank_name,
                fen_to_decimal_str(p.amount_fen),
                f"{batch.title}"[:40],
            ]
        )
    total = sum(p.amount_fen for p in payments)
    db.session.add(
        BankFileIssue(
            batch_id=batch.id,
            centre_id=batch.centre_id,
            rows=len(rows),
            total_fen=total,
            issued_by_id=acting_user.id,
        )
    )
    record(
        "bank_file.generated",
        acting_user=acting_user,
        obj=batch,
        centre=batch.centre,
        after={"rows": len(rows), "total_fen": total, "full_account_numbers": True},
    )
    return rows


def bank_file(batch: PaymentBatch, fmt: str, *, acting_user) -> bytes:
    rows = bank_rows(batch, acting_user=acting_user)
    if fmt == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(BANK_HEADERS)
        writer.writerows(rows)
        return ("\ufeff" + out.getvalue()).encode("utf-8")
    wb = Workbook()
    ws = wb.active
    ws.title = batch.batch_no[:30]
    ws.append(BANK_HEADERS)
    for row in rows:
        ws.append(row)
    for cell in ws["D"]:
        cell.number_format = "@"  # account numbers stay text
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def import_return(batch: PaymentBatch, filename: str, content: bytes, *, acting_user) -> dict:
    """Mark each payment of the batch confirmed or failed; reverse the failed ones."""
    check_bank_file(batch, acting_user=acting_user)
    sheet = read_sheet(filename, content)
    index = {
        key: next((i for i, h in enumerate(sheet.headers) if h in names), None)
        for key, names in RETURN_COLUMNS.items()
    }
    if index["payment"] is None or index["status"] is None:
        message = _("The bank's return file needs the columns 付款编号 and 状态.")
        raise ValidationError(message, fields={"file": message})
    payments = {voucher_number(p): p for p in _payments(batch)}
    done = set(
        db.session.scalars(select(BankOutcome.payment_id).where(BankOutcome.batch_id == batch.id))
    )
    problems, plan = [], []

    def cell(row, key):
        i = index[key]
        return str(row[i]).strip() if i is not None and i < len(row) and row[i] is not None else ""

    for offset, row in enumerate(sheet.rows):
        row_no = offset + 2
        payment = payments.get(cell(row, "payment"))
        status = cell(row, "status").upper()
        if payment is None:
            problems.append(_("Row %(row)d: no payment of this batch has this number.", row=row_no))
        elif payment.id in done:
            problems.append(
                _("Row %(row)d: this payment's outcome is already recorded.", row=row_no)
            )
        elif status not in SUCCESS | FAILURE:
            problems.append(_("Row %(row)d: the state must be 成功 or 失败.", row=row_no))
        elif status in FAILURE and payment.paid_by_id == acting_user.id:
            problems.append(
                _(
                    "Row %(row)d: you made this payment; another finance officer must record its failure.",
                    row=row_no,
                )
            )
        else:
            plan.append((payment, status in SUCCESS, cell(row, "reason"), cell(row, "reference")))
            done.add(payment.id)
    if problems:
        raise ValidationError(
            _(
                "Nothing was recorded: %(n)d row(s) of the bank's file have problems.",
                n=len(problems),
            ),
            fields={"file": " ".join(problems)},
            problems=problems,
        )
    confirmed = failed = 0
    for payment, ok, reason, reference in plan:
        if ok:
            confirmed += 1
        else:
            failed += 1
            reason = reason or _("no reason given")
            reverse_payment(payment, acting_user=acting_user, reason=f"银行退回：{reason}"[:500])
        db.session.add(
            BankOutcome(
                payment_id=payment.id,
                batch_id=batch.id,
                status="confirmed" if ok else "failed",
                reason=reason[:200],
                bank_reference=reference[:80],
                recorded_by_id=acting_user.id,
            )
        )
    db.session.flush()
    record(
        "bank_file.return_imported",
        acting_user=acting_user,
        obj=batch,
        centre=batch.centre,
        after={"file": filename[:100], "confirmed": confirmed, "failed": failed},
    )
    return {"confirmed": confirmed, "failed": failed}


def reconciliation(user) -> list[dict]:
    """Bank-transfer batches in scope: paid, file sent, confirmed, failed, awaiting the bank."""
    batches = db.session.scalars(
        scoped(select(PaymentBatch), user, PaymentBatch.centre_id)
        .where(
            PaymentBatch.method == PaymentMethod.BANK_TRANSFER,
            PaymentBatch.status == BatchStatus.PAID,
        )
        .order_by(PaymentBatch.id.desc())
        .limit(200)
    ).all()
    ids = [b.id for b in batches]
    issued = dict(
        db.session.execute(
            select(BankFileIssue.batch_id, func.max(BankFileIssue.issued_at))
            .where(BankFileIssue.batch_id.in_(ids))
            .group_by(BankFileIssue.batch_id)
        ).all()
    )
    outcomes: dict = {}
    for batch_id, status, n in db.session.execute(
        select(BankOutcome.batch_id, BankOutcome.status, func.count())
        .where(BankOutcome.batch_id.in_(ids))
        .group_by(BankOutcome.batch_id, BankOutcome.status)
    ):
        outcomes.setdefault(batch_id, {})[status] = n
    counts = dict(
        db.session.execute(
            select(Payment.batch_id, func.count())
            .where(Payment.batch_id.in_(ids))
            .group_by(Payment.batch_id)
        ).all()
    )
    out = []
    for b in batches:
        got = outcomes.get(b.id, {})
        total = counts.get(b.id, 0)
        out.append(
            {
                "batch": b,
                "payments": total,
                "sent_at": issued.get(b.id),
                "confirmed": got.get("confirmed", 0),
                "failed": got.get("failed", 0),
                "waiting": total - got.get("confirmed", 0) - got.get("failed", 0),
            }
        )
    return out
