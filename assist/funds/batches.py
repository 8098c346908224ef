"""Payment batches: many cases paid together, all or none, and their disbursement roster."""

from datetime import date

from flask_babel import gettext as _
from sqlalchemy import select

from assist.audit.services import record
from assist.auth.models import User
from assist.cases.models import AidCase
from assist.cases.services import payable_clause
from assist.centres.models import Centre
from assist.core.database import lock_row
from assist.core.errors import DomainError, Refused, ValidationError
from assist.core.inputs import date_problem
from assist.core.masking import mask_id
from assist.core.money import fen_to_capitals, format_yuan
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db
from assist.funds.labels import METHOD_LABELS, SOURCE_LABELS, label
from assist.funds.models import (
    BatchItem,
    BatchStatus,
    Fund,
    PaymentBatch,
    PaymentMethod,
)
from assist.funds.services import (
    PaymentDetails,
    bank_account,
    check_amount,
    check_payable,
    clean_text,
    lock_balances,
    pay_locked,
    require_finance,
    require_scope,
)


class BatchBlocked(DomainError):
    """A batch cannot be paid; `blocking` lists each case that stops it and why."""

    code = "batch_blocked"


def _require_draft(batch: PaymentBatch) -> None:
    if batch.status != BatchStatus.DRAFT:
        raise DomainError(_("Only a draft batch can be changed."))


def create_batch(
    *,
    acting_user: User,
    title: str,
    fund: Fund,
    method: str,
    centre: Centre | None = None,
    goods: str = "",
    note: str = "",
) -> PaymentBatch:
    """Start a draft batch paid from `centre`'s balance (the acting user's centre by default)."""
    require_finance(acting_user)
    centre = centre or acting_user.centre
    require_scope(acting_user, centre)
    title = clean_text(title, "title", required=True, max_len=120)
    if method not in set(PaymentMethod):
        message = _("Choose how the aid is paid.")
        raise ValidationError(message, fields={"method": message})
    goods = clean_text(
        goods,
        "goods",
        required=method == PaymentMethod.IN_KIND,
        max_len=200,
        message=_("Describe the goods each household receives."),
    )
    if not centre.is_within(fund.centre):
        message = _("The fund does not reach that centre.")
        raise ValidationError(message, fields={"fund": message})
    batch = PaymentBatch(
        batch_no=f"tmp-{utcnow().timestamp()}-{acting_user.id}",
        title=title,
        fund_id=fund.id,
        centre_id=centre.id,
        method=method,
        status=BatchStatus.DRAFT,
        goods=goods,
        note=clean_text(note, "note", required=False, max_len=500),
        created_by_id=acting_user.id,
        created_at=utcnow(),
    )
    db.session.add(batch)
    db.session.flush()
    batch.batch_no = f"{centre.code}-{local_today().year}-B{batch.id:05d}"
    db.session.flush()
    record(
        "batch.created",
        acting_user=acting_user,
        obj=batch,
        centre=centre,
        after={"batch_no": batch.batch_no, "fund": fund.id, "method": method, "title": title},
    )
    return batch


def add_case(
    batch: PaymentBatch, case: AidCase, *, acting_user: User, amount_fen: int | None = None
) -> BatchItem:
    """Add a case to a draft batch, for its remaining approved amount unless told otherwise."""
    require_finance(acting_user)
    _require_draft(batch)
    if not case.centre.is_within(batch.centre):
        raise ValidationError(_("That case lies outside the batch's centre."), fields={})
    if any(item.case_id == case.id for item in batch.items):
        raise ValidationError(
            _("Case %(no)s is already in this batch.", no=case.case_no), fields={}
        )
    remaining = case.unpaid_fen
    amount_fen = check_amount(remaining if amount_fen is None else amount_fen)
    check_payable(case, batch.fund, acting_user=acting_user, amount_fen=amount_fen)
    item = BatchItem(batch=batch, case_id=case.id, amount_fen=amount_fen)
    db.session.add(item)
    db.session.flush()
    record(
        "batch.case_added",
        acting_user=acting_user,
        obj=batch,
        centre=batch.centre,
        after={"case": case.case_no, "amount_fen": amount_fen},
    )
    return item


def remove_item(batch: PaymentBatch, item: BatchItem, *, acting_user: User) -> None:
    require_finance(acting_user)
    _require_draft(batch)
    if item.batch_id != batch.id:
        raise ValidationError(_("That case is not in this batch."), fields={})
    case_no = item.case.case_no
    batch.items.remove(item)
    db.session.flush()
    record(
        "batch.case_removed",
        acting_user=acting_user,
        obj=batch,
        centre=batch.centre,
        before={"case": case_no},
    )


def cancel_batch(batch: PaymentBatch, *, acting_user: User) -> None:
    require_finance(acting_user)
    _require_draft(batch)
    batch.status = BatchStatus.CANCELLED
    db.session.flush()
    record(
        "batch.cancelled",
        acting_user=acting_user,
        obj=batch,
        centre=batch.centre,
        before={"status": str(BatchStatus.DRAFT)},
        after={"status": str(BatchStatus.CANCELLED)},
    )


def _blocker(case: AidCase, code: str, message: str) -> dict:
    return {
        "case_id": case.id,
        "case_no": case.case_no,
        "name": case.recipient_name,
        "code": code,
        "message": message,
    }


def _batch_details(batch: PaymentBatch, reference: str, paid_on: date | None) -> PaymentDetails:
    """The evidence shared by every payment of the batch: bank reference or signing day."""
    details = PaymentDetails(method=batch.method)
    if batch.method == PaymentMethod.BANK_TRANSFER:
        details.reference = clean_text(
            reference,
            "reference",
            required=True,
            max_len=80,
            message=_("Enter the bank's reference for the bulk transfer."),
        )
        return details
    if paid_on is None or paid_on > local_today() or date_problem(paid_on) is not None:
        message = _("Enter the day the recipients signed the roster (not in the future).")
        raise ValidationError(message, fields={"paid_on": message})
    details.signed_on = paid_on
    details.reference = clean_text(reference, "reference", required=False, max_len=80)
    return details


def _lock_cases(batch: PaymentBatch) -> dict[int, AidCase]:
    """The batch's cases under row locks, taken in id order like every payer's."""
    return {
        c.id: c
        for c in db.session.scalars(
            select(AidCase)
            .where(AidCase.id.in_([item.case_id for item in batch.items]))
            .order_by(AidCase.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    }


def _blocking(batch: PaymentBatch, cases: dict, balance, *, acting_user: User) -> list[dict]:
    """Every reason the batch cannot be paid: each case's, then the balance's."""
    blocking = []
    for item in batch.items:
        case = cases[item.case_id]
        try:
            check_payable(case, batch.fund, acting_user=acting_user, amount_fen=item.amount_fen)
            if batch.method == PaymentMethod.BANK_TRANSFER:
                bank_account(case)
        except DomainError as err:
            code = err.extra.get("reason") or err.code
            blocking.append(_blocker(case, code, err.message))
    held = balance.balance_fen if balance else 0
    if held < batch.total_fen:
        blocking.append(
            {
                "case_id": None,
                "case_no": "",
                "name": "",
                "code": "insufficient_balance",
                "message": _(
                    "%(centre)s holds ¥%(held)s in this fund; the batch needs ¥%(total)s.",
                    centre=batch.centre.name,
                    held=format_yuan(held),
                    total=format_yuan(batch.total_fen),
                ),
            }
        )
    return blocking


def _item_details(batch: PaymentBatch, item: BatchItem, case: AidCase, shared: PaymentDetails):
    """One case's payment details: the batch's evidence, the recipient, the goods if any."""
    goods = [
        {
            "name": batch.goods,
            "quantity": 1,
            "unit_value_fen": item.amount_fen,
            "value_fen": item.amount_fen,
        }
    ]
    return PaymentDetails(
        method=shared.method,
        reference=shared.reference,
        signed_on=shared.signed_on,
        signed_by=case.recipient_name if batch.method != PaymentMethod.BANK_TRANSFER else "",
        items=goods if batch.method == PaymentMethod.IN_KIND else [],
        note=batch.title,
    )


def pay_batch(
    batch: PaymentBatch,
    *,
    acting_user: User,
    reference: str = "",
    paid_on: date | None = None,
) -> list:
    """Pay every case in the batch, or none: each blocking case is listed with its reason.

    Returns the payments. A batch already paid is refused with code `already_paid`.
    """
    require_finance(acting_user)
    require_scope(acting_user, batch.centre)
    batch = lock_row(PaymentBatch, batch.id)
    if batch.status == BatchStatus.PAID:
        raise Refused("already_paid", _("This batch has already been paid."))
    _require_draft(batch)
    if not batch.items:
        raise ValidationError(_("Add cases to the batch first."), fields={})
    details = _batch_details(batch, reference, paid_on)
    cases = _lock_cases(batch)
    balance = lock_balances(batch.fund_id, [batch.centre_id]).get(batch.centre_id)
    blocking = _blocking(batch, cases, balance, acting_user=acting_user)
    if blocking:
        raise BatchBlocked(
            _("The batch was not paid: %(n)d problem(s) stop it.", n=len(blocking)),
            blocking=blocking,
        )
    payments = []
    for item in batch.items:
        case = cases[item.case_id]
        payment = pay_locked(
            case,
            batch.fund,
            balance,
            acting_user=acting_user,
            amount_fen=item.amount_fen,
            details=_item_details(batch, item, case, details),
            idempotency_key=f"batch-{batch.id}-item-{item.id}",
            batch=batch,
        )
        item.payment_id = payment.id
        payments.append(payment)
    batch.status = BatchStatus.PAID
    batch.reference = details.reference
    batch.paid_on = paid_on or local_today()
    batch.paid_by_id = acting_user.id
    batch.paid_at = utcnow()
    db.session.flush()
    record(
        "batch.paid",
        acting_user=acting_user,
        obj=batch,
        centre=batch.centre,
        before={"status": str(BatchStatus.DRAFT)},
        after={
            "status": str(BatchStatus.PAID),
            "cases": len(payments),
            "total_fen": batch.total_fen,
            "payments": [p.id for p in payments],
        },
    )
    return payments


def eligible_cases(batch: PaymentBatch, user: User) -> list[AidCase]:
    """Ready-to-pay cases under the batch's centre whose kind the fund may pay."""
    from assist.centres.scoping import scoped

    stmt = scoped(
        select(AidCase).where(
            payable_clause(),
            AidCase.kind.in_(batch.fund.allowed_kinds or []),
        ),
        user,
        AidCase.centre_id,
    ).order_by(AidCase.case_no)
    taken = {item.case_id for item in batch.items}
    return [
        c
        for c in db.session.scalars(stmt)
        if c.id not in taken and c.centre.is_within(batch.centre)
    ]


def roster_data(batch: PaymentBatch) -> dict:
    """The disbursement roster (发放花名册) as plain data, for the HTML page and the PDF."""
    rows = []
    for n, item in enumerate(batch.items, start=1):
        case = item.case
        applicant = case.applicant
        if applicant is not None:
            id_masked = mask_id(applicant.id_number)
            address = applicant.address
            account = applicant.bank_account_last4
        else:
            id_masked = mask_id(None, case.person_id_last4)
            address = case.person_address
            account = ""
        rows.append(
            {
                "no": n,
                "case_no": case.case_no,
                "name": case.recipient_name,
                "id_masked": id_masked,
                "address": address,
                "account_last4": account,
                "amount_fen": item.amount_fen,
                "amount_yuan": format_yuan(item.amount_fen),
                "payment_id": item.payment_id,
                "is_reversed": bool(item.payment and item.payment.is_reversed),
            }
        )
    total = batch.total_fen
    return {
        "batch_no": batch.batch_no,
        "title": batch.title,
        "status": str(batch.status),
        "centre_name": batch.centre.name,
        "fund_name": batch.fund.name,
        "fund_year": batch.fund.year,
        "fund_source": label(SOURCE_LABELS, batch.fund.source),
        "method": str(batch.method),
        "method_label": label(METHOD_LABELS, batch.method),
        "goods": batch.goods,
        "reference": batch.reference,
        "paid_on": batch.paid_on.isoformat() if batch.paid_on else "",
        "created_by": batch.created_by.full_name if batch.created_by else "",
        "paid_by": batch.paid_by.full_name if batch.paid_by else "",
        "rows": rows,
        "count": len(rows),
        "total_fen": total,
        "total_yuan": format_yuan(total),
        "total_capitals": fen_to_capitals(total),
        "printed_on": local_today().isoformat(),
    }
