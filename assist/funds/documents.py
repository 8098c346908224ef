"""Printed funds documents: the payment voucher (付款凭证) and the disbursement roster (发放花名册).

Both are registered with the document machinery (assist.documents.registry), which issues,
records and verifies them and prints vouchers in batches. The builders return plain data in
Chinese whatever the reader's UI language: the printed form is Chinese, and the data's
fingerprint (which tells the verify page whether the record has changed) must not depend on
who verifies it.
"""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from assist.applicants.documents import register_case_file_section
from assist.applicants.services import SENSITIVE_ROLES
from assist.auth.models import Role, User
from assist.cases.models import AidCase
from assist.centres.scoping import get_scoped_or_404, scoped, scoped_ids
from assist.core.errors import PermissionDenied
from assist.core.masking import mask_id
from assist.core.money import fen_to_capitals, format_yuan
from assist.core.timeutil import to_local
from assist.documents.plain import capitals, day, printed_labels, yuan
from assist.documents.plain import label as plain_label
from assist.documents.registry import DocumentSpec, register
from assist.extensions import db
from assist.funds.batches import roster_data
from assist.funds.labels import KIND_LABELS, METHOD_LABELS, SOURCE_LABELS, label
from assist.funds.models import BatchStatus, Payment, PaymentBatch, PaymentMethod, PaymentStatus

#: Who may print a voucher: whoever reads payments, and the case workers who file the paper
#: record of a case. Full resident IDs print only for the roles that may see them on the file.
VOUCHER_ROLES = (Role.FINANCE, Role.AUDITOR, Role.ADMIN, Role.CASEWORKER, Role.SUPERVISOR)
#: Who may print a roster: the readers of the funds pages (the roster always masks IDs).
ROSTER_ROLES = (Role.FINANCE, Role.AUDITOR, Role.ADMIN)


def _name(user: User | None) -> str:
    if user is None:
        return ""
    return user.full_name or user.username


def _day(value) -> str:
    return f"{value:%Y-%m-%d}" if value else ""


def _local(value) -> str:
    local = to_local(value)
    return f"{local:%Y-%m-%d %H:%M}" if local else ""


def voucher_number(payment: Payment) -> str:
    return f"FK{payment.id:06d}"


# --- payment voucher -----------------------------------------------------------------------


def load_payment(user: User, payment_id) -> Payment:
    payment = get_scoped_or_404(Payment, payment_id, user)
    if not user.has_role(*VOUCHER_ROLES):
        raise PermissionDenied(_("Your role may not print payment vouchers."))
    return payment


def load_payments(user: User, payment_ids) -> set:
    """Which of the payments `load_payment` would give this user (one query)."""
    if not user.has_role(*VOUCHER_ROLES):
        raise PermissionDenied(_("Your role may not print payment vouchers."))
    return scoped_ids(Payment, payment_ids, user)


def _payee_id(payment: Payment, full_ids: bool) -> str:
    case = payment.case
    applicant = case.applicant
    if applicant is not None:
        return applicant.id_number if full_ids else mask_id(applicant.id_number)
    if full_ids and case.person_id_enc:
        return case.person_id
    return mask_id(None, case.person_id_last4) if case.person_id_last4 else ""


def voucher_data(payment: Payment, full_ids: bool) -> dict:
    """The voucher's plain data (dicts, lists, strings and ints only)."""
    with printed_labels():
        return _voucher_data(payment, full_ids)


def _voucher_data(payment: Payment, full_ids: bool) -> dict:
    case = payment.case
    applicant = case.applicant
    fund = payment.fund
    goods = [
        {
            "name": str(item.get("name", "")),
            "quantity": item.get("quantity", ""),
            "unit_value": format_yuan(int(item.get("unit_value_fen") or 0)),
            "value": format_yuan(int(item.get("value_fen") or 0)),
        }
        for item in (payment.items or [])
    ]
    batch = payment.batch
    return {
        "voucher_no": voucher_number(payment),
        "payment_id": payment.id,
        "status": str(payment.status),
        "is_reversed": payment.is_reversed,
        "payer_centre": payment.centre.name,
        "payee": {
            "name": payment.recipient_name,
            "id_number": _payee_id(payment, full_ids),
            "file_no": applicant.file_no if applicant is not None else "",
            "address": applicant.address if applicant is not None else case.person_address,
        },
        "case": {
            "number": case.case_no,
            "kind": label(KIND_LABELS, case.kind),
            "centre": case.centre.name,
            "approved_fen": case.amount_approved_fen or 0,
            "approved": format_yuan(case.amount_approved_fen or 0),
            "approved_by": _name(case.approved_by),
            "approved_on": _day(to_local(case.approved_at)),
            "handled_by": _name(case.submitted_by or case.created_by),
        },
        "fund": {
            "name": fund.name,
            "year": fund.year,
            "source": label(SOURCE_LABELS, fund.source),
        },
        "method": str(payment.method),
        "method_label": label(METHOD_LABELS, payment.method),
        "bank": {
            "name": payment.bank_name,
            "account_last4": payment.account_last4,
            "reference": payment.bank_reference,
        },
        "signed_by": payment.signed_by,
        "signed_on": _day(payment.signed_on),
        "goods": goods,
        "amount_fen": payment.amount_fen,
        "amount": format_yuan(payment.amount_fen),
        "amount_capitals": fen_to_capitals(payment.amount_fen),
        "batch": {"number": batch.batch_no, "title": batch.title} if batch else None,
        "note": payment.note,
        "paid_by": _name(payment.paid_by),
        "paid_at": _local(payment.paid_at),
        "paid_on": _day(to_local(payment.paid_at)),
        "reversal": (
            {
                "by": _name(payment.reversed_by),
                "at": _local(payment.reversed_at),
                "reason": payment.reversal_reason,
            }
            if payment.is_reversed
            else None
        ),
    }


def voucher_batches(user: User) -> list[tuple[str, str]]:
    """Batch printing: the paid batches in the user's scope, newest first."""
    if not user.has_role(*VOUCHER_ROLES):
        return []
    batches = db.session.scalars(
        scoped(select(PaymentBatch), user, PaymentBatch.centre_id)
        .where(PaymentBatch.status == BatchStatus.PAID)
        .order_by(PaymentBatch.id.desc())
        .limit(200)
    )
    return [(str(b.id), f"{b.batch_no} {b.title}") for b in batches]


def voucher_batch_payments(user: User, value: str) -> list[tuple[int, str]]:
    """The payments of one batch in the user's scope, in roster order."""
    if not user.has_role(*VOUCHER_ROLES) or not str(value).isdigit():
        return []
    payments = db.session.scalars(
        scoped(select(Payment), user, Payment.centre_id)
        .where(Payment.batch_id == int(value))
        .order_by(Payment.id)
    )
    return [(p.id, f"{voucher_number(p)}-{p.recipient_name}") for p in payments]


VOUCHER = register(
    DocumentSpec(
        kind="voucher",
        title=_l("Payment voucher"),
        template="documents/voucher.html",
        version="voucher-1",
        load=load_payment,
        build=voucher_data,
        centre_id=lambda payment: payment.centre_id,
        label=voucher_number,
        full_id_roles=SENSITIVE_ROLES,
        batch_choices=voucher_batches,
        batch_subjects=voucher_batch_payments,
        batch_title=_l("Payment vouchers of a batch"),
        load_many=load_payments,
    )
)


# --- disbursement roster -------------------------------------------------------------------


def load_batch(user: User, batch_id) -> PaymentBatch:
    batch = get_scoped_or_404(PaymentBatch, batch_id, user)
    if not user.has_role(*ROSTER_ROLES):
        raise PermissionDenied(_("Your role may not print payment rosters."))
    return batch


def roster_document_data(batch: PaymentBatch, full_ids: bool) -> dict:
    """The roster page's data, in Chinese, without the day it is printed (not a record fact)."""
    with printed_labels():
        data = roster_data(batch)
    data.pop("printed_on", None)
    data["is_draft"] = batch.status == BatchStatus.DRAFT
    data["is_cancelled"] = batch.status == BatchStatus.CANCELLED
    data["is_bank"] = batch.method == PaymentMethod.BANK_TRANSFER
    data["reversed_count"] = sum(1 for row in data["rows"] if row["is_reversed"])
    return data


ROSTER = register(
    DocumentSpec(
        kind="roster",
        title=_l("Payment roster"),
        template="documents/roster.html",
        version="roster-2",
        load=load_batch,
        build=roster_document_data,
        centre_id=lambda batch: batch.centre_id,
        label=lambda batch: batch.batch_no,
    )
)


def _case_file_payments(applicant, full_ids: bool) -> dict:
    """The payments to the household in its printed case file, reversals marked."""
    rows, total = [], 0
    for p, case_no in db.session.execute(
        select(Payment, AidCase.case_no)
        .join(AidCase, AidCase.id == Payment.case_id)
        .where(AidCase.applicant_id == applicant.id)
        .order_by(Payment.paid_at, Payment.id)
    ):
        is_reversed = p.status == PaymentStatus.REVERSED
        if not is_reversed:
            total += p.amount_fen
        rows.append(
            {
                "date": day(p.paid_at),
                "case_number": case_no,
                "method": plain_label(METHOD_LABELS, p.method),
                "fund": p.fund.name,
                "amount": yuan(p.amount_fen),
                "amount_capitals": capitals(p.amount_fen),
                "reference": p.bank_reference or p.signed_by,
                "reversed": f"已冲销 {day(p.reversed_at)}" if is_reversed else "",
            }
        )
    return {
        "payments": rows,
        "payments_total": yuan(total),
        "payments_total_capitals": capitals(total),
    }


register_case_file_section(_case_file_payments)
