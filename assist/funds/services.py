"""Moving money: receipts, allocations down the tiers, returns up, payments and reversals.

Every movement writes ledger rows and updates the (fund, centre) balance rows in the same
transaction, under row locks taken in one order everywhere — the batch, then cases by id,
then balance rows by centre id — so concurrent payers queue instead of overdrawing. On
PostgreSQL the locks are SELECT … FOR UPDATE; SQLite serialises writers with BEGIN
IMMEDIATE (assist.core.database), which makes the same checks safe there.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import exc, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from assist.audit.services import record
from assist.auth.models import Role, User
from assist.cases.models import AidCase, AidKind
from assist.cases.services import check_pay as check_case_payable
from assist.cases.services import check_reverse_payment, lock_case, record_payment
from assist.centres.models import Centre
from assist.core.database import lock_row
from assist.core.errors import PermissionDenied, Refused, ValidationError, refuse_fields
from assist.core.inputs import date_problem
from assist.core.money import MAX_AMOUNT_FEN, format_yuan
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db
from assist.funds.models import (
    ENTRY_SIGN,
    Balance,
    EntryKind,
    Fund,
    FundSource,
    LedgerEntry,
    Payment,
    PaymentBatch,
    PaymentMethod,
    PaymentStatus,
)

KEY_RE = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


class DutyConflict(PermissionDenied):
    """Separation of duties: the same person may not take two steps of one case."""

    code = "separation_of_duties"


# --- helpers ------------------------------------------------------------------------------


def new_idempotency_key() -> str:
    """A fresh key for a payment form, generated when the form is rendered."""
    return uuid.uuid4().hex


def require_finance(user: User) -> None:
    if user is None or not user.has_role(Role.FINANCE):
        raise PermissionDenied(_("Only finance officers move money."))


def require_scope(user: User, centre: Centre) -> None:
    if not centre.is_within(user.centre):
        raise PermissionDenied(_("That centre is outside your scope."))


def check_amount(amount_fen, field: str = "amount") -> int:
    if not isinstance(amount_fen, int) or isinstance(amount_fen, bool) or amount_fen <= 0:
        raise ValidationError(
            _("Enter an amount above zero."), fields={field: _("Enter an amount above zero.")}
        )
    if amount_fen > MAX_AMOUNT_FEN:
        message = _("The amount is implausibly large; check it.")
        raise ValidationError(message, fields={field: message})
    return amount_fen


def clean_text(
    value, field: str, *, required: bool, max_len: int, message: str | None = None
) -> str:
    value = (value or "").strip() if isinstance(value, str) else ""
    if required and not value:
        msg = message or _("This field is required.")
        raise ValidationError(msg, fields={field: msg})
    if len(value) > max_len:
        msg = _("At most %(n)d characters.", n=max_len)
        raise ValidationError(msg, fields={field: msg})
    return value


def _insert():
    return pg_insert if db.session.get_bind().dialect.name == "postgresql" else sqlite_insert


def lock_balances(fund_id: int, centre_ids, *, create=()) -> dict[int, Balance]:
    """Lock the (fund, centre) balance rows in centre-id order; create those in `create`.

    A missing row is created with INSERT … ON CONFLICT DO NOTHING, so two transactions that
    both create it do not collide.
    """
    ids = sorted(set(centre_ids) | set(create))
    for centre_id in sorted(set(create)):
        db.session.execute(
            _insert()(Balance)
            .values(fund_id=fund_id, centre_id=centre_id, balance_fen=0, updated_at=utcnow())
            .on_conflict_do_nothing(index_elements=["fund_id", "centre_id"])
        )
    rows = db.session.scalars(
        select(Balance)
        .where(Balance.fund_id == fund_id, Balance.centre_id.in_(ids))
        .order_by(Balance.centre_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    return {row.centre_id: row for row in rows}


def _post(
    balance: Balance, kind: EntryKind, amount_fen: int, *, acting_user: User | None, **fields
) -> LedgerEntry:
    """Write one ledger row and move the locked balance row by the same signed amount."""
    signed = ENTRY_SIGN[kind] * amount_fen
    after = balance.balance_fen + signed
    if after < 0:
        raise Refused(
            "insufficient_balance",
            _(
                "The balance is not enough: %(centre)s holds ¥%(held)s in this fund.",
                centre=balance.centre.name,
                held=format_yuan(balance.balance_fen),
            ),
        )
    balance.balance_fen = after
    balance.entries = (balance.entries or 0) + 1
    totals = dict(balance.by_kind or {})
    totals[str(kind)] = totals.get(str(kind), 0) + signed
    balance.by_kind = totals
    balance.updated_at = utcnow()
    entry = LedgerEntry(
        fund_id=balance.fund_id,
        centre_id=balance.centre_id,
        kind=kind,
        amount_fen=signed,
        balance_after_fen=after,
        user_id=acting_user.id if acting_user else None,
        created_at=utcnow(),
        **fields,
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _insufficient(balance: Balance | None, centre: Centre, amount_fen: int) -> Refused:
    held = balance.balance_fen if balance else 0
    return Refused(
        "insufficient_balance",
        _(
            "%(centre)s holds ¥%(held)s in this fund; ¥%(amount)s cannot be paid out of it.",
            centre=centre.name,
            held=format_yuan(held),
            amount=format_yuan(amount_fen),
        ),
        available=format_yuan(held).replace(",", ""),
    )


# --- funds, receipts, allocations, returns --------------------------------------------------


def create_fund(
    *,
    acting_user: User,
    name: str,
    source: str,
    year: int,
    allowed_kinds: list[str],
    note: str = "",
) -> Fund:
    """Open a fund at the acting finance officer's centre."""
    require_finance(acting_user)
    fields = {}
    name = (name or "").strip()
    if not name or len(name) > 120:
        fields["name"] = _("Enter a name of at most 120 characters.")
    if source not in set(FundSource):
        fields["source"] = _("Choose the source of the money.")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        fields["year"] = _("Enter a year such as 2026.")
    money_kinds = {k.value for k in AidKind if k.is_money}
    kinds = sorted(set(allowed_kinds or []))
    if not kinds or not set(kinds) <= money_kinds:
        fields["allowed_kinds"] = _("Choose the kinds of aid this fund may pay.")
    elif (source == FundSource.MUTUAL_AID) != (kinds == [AidKind.MUTUAL_AID.value]):
        fields["allowed_kinds"] = _(
            "A mutual-aid fund pays mutual-aid claims only, and only a mutual-aid fund pays them."
        )
    if not fields and db.session.scalar(
        select(Fund.id).where(Fund.name == name, Fund.year == year)
    ):
        fields["name"] = _("A fund of this name already exists for %(year)d.", year=year)
    refuse_fields(fields)
    fund = Fund(
        name=name,
        source=source,
        year=year,
        allowed_kinds=kinds,
        centre_id=acting_user.centre_id,
        note=(note or "").strip(),
        created_by_id=acting_user.id,
        created_at=utcnow(),
    )
    db.session.add(fund)
    db.session.flush()
    lock_balances(fund.id, [], create=[fund.centre_id])
    record(
        "fund.created",
        acting_user=acting_user,
        obj=fund,
        centre=acting_user.centre,
        after={"name": name, "source": source, "year": year, "allowed_kinds": kinds},
    )
    return fund


def receive_funds(
    fund: Fund, *, acting_user: User, amount_fen: int, reference: str, note: str = ""
) -> LedgerEntry:
    """Book money coming into the fund at its own centre (拨款到账, 捐赠入账)."""
    require_finance(acting_user)
    if acting_user.centre_id != fund.centre_id:
        raise PermissionDenied(_("Money comes into a fund only at the centre that holds it."))
    check_amount(amount_fen)
    reference = clean_text(
        reference,
        "reference",
        required=True,
        max_len=80,
        message=_("Enter the document or bank reference of the money received."),
    )
    note = clean_text(note, "note", required=False, max_len=500)
    balances = lock_balances(fund.id, [], create=[fund.centre_id])
    entry = _post(
        balances[fund.centre_id],
        EntryKind.RECEIPT,
        amount_fen,
        acting_user=acting_user,
        reference=reference,
        note=note,
    )
    record(
        "fund.received",
        acting_user=acting_user,
        obj=fund,
        centre=fund.centre,
        after={"amount_fen": amount_fen, "reference": reference, "entry": entry.id},
    )
    return entry


def _move_between(
    fund: Fund,
    *,
    acting_user: User,
    giver: Centre,
    receiver: Centre,
    amount_fen: int,
    kinds: tuple[EntryKind, EntryKind],
    note: str,
    refusal: Callable[[str, str], str],
    action: str,
) -> tuple[LedgerEntry, LedgerEntry]:
    """Move money between two centres' balances: an out row, an in row pointing at it."""
    balances = lock_balances(fund.id, [giver.id], create=[receiver.id])
    held = balances.get(giver.id)
    if held is None or held.balance_fen < amount_fen:
        held_yuan = format_yuan(held.balance_fen if held else 0)
        raise Refused("insufficient_balance", refusal(held_yuan, format_yuan(amount_fen)))
    out = _post(
        held,
        kinds[0],
        amount_fen,
        acting_user=acting_user,
        counterpart_centre_id=receiver.id,
        note=note,
    )
    into = _post(
        balances[receiver.id],
        kinds[1],
        amount_fen,
        acting_user=acting_user,
        counterpart_centre_id=giver.id,
        related_entry_id=out.id,
        note=note,
    )
    record(
        action,
        acting_user=acting_user,
        obj=fund,
        centre=giver,
        after={"to": receiver.code, "amount_fen": amount_fen, "entries": [out.id, into.id]},
        comment=note,
    )
    return out, into


def allocate(
    fund: Fund, *, acting_user: User, to_centre: Centre, amount_fen: int, note: str = ""
) -> tuple[LedgerEntry, LedgerEntry]:
    """Allocate money from the acting user's centre down to one of its own child centres."""
    require_finance(acting_user)
    giver = acting_user.centre
    check_amount(amount_fen)
    note = clean_text(note, "note", required=False, max_len=500)
    if to_centre is None or to_centre.parent_id != giver.id:
        message = _("Allocations go down one tier, to a centre directly below yours.")
        raise ValidationError(message, fields={"centre": message})
    if not to_centre.is_active:
        message = _("That centre is inactive.")
        raise ValidationError(message, fields={"centre": message})
    if not giver.is_within(fund.centre):
        raise Refused("insufficient_balance", _("Your centre holds nothing in this fund."))
    return _move_between(
        fund,
        acting_user=acting_user,
        giver=giver,
        receiver=to_centre,
        amount_fen=amount_fen,
        kinds=(EntryKind.ALLOCATION_OUT, EntryKind.ALLOCATION_IN),
        note=note,
        refusal=lambda held, amount: _(
            "Your centre holds ¥%(held)s in this fund and cannot allocate ¥%(amount)s.",
            held=held,
            amount=amount,
        ),
        action="fund.allocated",
    )


def return_up(
    fund: Fund, *, acting_user: User, amount_fen: int, reason: str
) -> tuple[LedgerEntry, LedgerEntry]:
    """Return money from the acting user's centre to its parent, with a reason."""
    require_finance(acting_user)
    centre = acting_user.centre
    check_amount(amount_fen)
    reason = clean_text(
        reason, "reason", required=True, max_len=500, message=_("Give the reason for the return.")
    )
    parent = centre.parent
    if parent is None or centre.id == fund.centre_id or not parent.is_within(fund.centre):
        raise ValidationError(
            _("This fund's money came in at your centre; there is nobody to return it to."),
            fields={},
        )
    return _move_between(
        fund,
        acting_user=acting_user,
        giver=centre,
        receiver=parent,
        amount_fen=amount_fen,
        kinds=(EntryKind.RETURN_OUT, EntryKind.RETURN_IN),
        note=reason,
        refusal=lambda held, amount: _(
            "Your centre holds ¥%(held)s in this fund and cannot return ¥%(amount)s.",
            held=held,
            amount=amount,
        ),
        action="fund.returned",
    )


def transfer_between_funds(
    from_fund: Fund,
    to_fund: Fund,
    *,
    acting_user: User,
    amount_fen: int,
    reference: str,
    note: str = "",
) -> tuple[LedgerEntry, LedgerEntry]:
    """Move money from one fund to another at the acting user's centre (e.g. a union subsidy
    into the mutual-aid fund): a sending and a receiving row, checked by `ledger verify`."""
    require_finance(acting_user)
    centre = acting_user.centre
    check_amount(amount_fen)
    reference = clean_text(
        reference,
        "reference",
        required=True,
        max_len=80,
        message=_("Enter the reference of the transfer."),
    )
    note = clean_text(note, "note", required=False, max_len=500)
    if from_fund.id == to_fund.id:
        message = _("Choose two different funds.")
        raise ValidationError(message, fields={"fund": message})
    if not centre.is_within(to_fund.centre):
        raise PermissionDenied(_("That fund is outside your scope."))
    first, second = sorted((from_fund.id, to_fund.id))
    balances = {
        fund_id: lock_balances(fund_id, [centre.id], create=[centre.id])[centre.id]
        for fund_id in (first, second)
    }
    held = balances[from_fund.id]
    if held.balance_fen < amount_fen:
        raise Refused(
            "insufficient_balance",
            _(
                "Your centre holds ¥%(held)s in %(fund)s and cannot transfer ¥%(amount)s.",
                held=format_yuan(held.balance_fen),
                fund=from_fund.name,
                amount=format_yuan(amount_fen),
            ),
        )
    out = _post(
        held,
        EntryKind.TRANSFER_OUT,
        amount_fen,
        acting_user=acting_user,
        counterpart_centre_id=centre.id,
        reference=reference,
        note=note,
    )
    into = _post(
        balances[to_fund.id],
        EntryKind.TRANSFER_IN,
        amount_fen,
        acting_user=acting_user,
        counterpart_centre_id=centre.id,
        related_entry_id=out.id,
        reference=reference,
        note=note,
    )
    record(
        "fund.transferred",
        acting_user=acting_user,
        obj=to_fund,
        centre=centre,
        after={
            "from_fund": from_fund.id,
            "amount_fen": amount_fen,
            "reference": reference,
            "entries": [out.id, into.id],
        },
        comment=note,
    )
    return out, into


# --- payments ---------------------------------------------------------------------------------


@dataclass
class PaymentDetails:
    """How the money reached the household: method plus its method's evidence."""

    method: str
    reference: str = ""  # bank transfer: the bank's reference
    signed_by: str = ""  # cash: who signed for it
    signed_on: date | None = None
    items: list | None = None  # goods: [{"name", "quantity", "unit_value_fen"}]
    note: str = ""


def _clean_items(raw) -> list[dict]:
    message = _("List the goods with their quantity and value.")
    if not isinstance(raw, list) or not raw:
        raise ValidationError(message, fields={"items": message})
    items = []
    for row in raw:
        if not isinstance(row, dict):
            raise ValidationError(message, fields={"items": message})
        name = row.get("name")
        quantity = row.get("quantity")
        unit = row.get("unit_value_fen")
        if (
            not isinstance(name, str)
            or not name.strip()
            or len(name.strip()) > 60
            or not isinstance(quantity, int)
            or isinstance(quantity, bool)
            or not 1 <= quantity <= 10_000
            or not isinstance(unit, int)
            or isinstance(unit, bool)
            or not 0 < unit <= MAX_AMOUNT_FEN
        ):
            raise ValidationError(message, fields={"items": message})
        items.append(
            {
                "name": name.strip(),
                "quantity": quantity,
                "unit_value_fen": unit,
                "value_fen": quantity * unit,
            }
        )
    return items


def clean_details(details: PaymentDetails, amount_fen: int | None) -> tuple[PaymentDetails, int]:
    """Check the method's evidence; for goods the amount is the goods' value."""
    if details.method not in set(PaymentMethod):
        message = _("Choose how the aid is paid.")
        raise ValidationError(message, fields={"method": message})
    note = clean_text(details.note, "note", required=False, max_len=500)
    clean = PaymentDetails(method=details.method, note=note)
    if details.method == PaymentMethod.BANK_TRANSFER:
        clean.reference = clean_text(
            details.reference,
            "reference",
            required=True,
            max_len=80,
            message=_("Enter the bank's reference for the transfer."),
        )
    elif details.method == PaymentMethod.CASH:
        clean.signed_by = clean_text(
            details.signed_by,
            "signed_by",
            required=True,
            max_len=50,
            message=_("Enter who signed for the cash."),
        )
        clean.signed_on = _signed_on(details.signed_on, required=True)
    else:
        clean.items = _clean_items(details.items)
        clean.signed_by = clean_text(details.signed_by, "signed_by", required=False, max_len=50)
        clean.signed_on = _signed_on(details.signed_on, required=False)
        value = sum(item["value_fen"] for item in clean.items)
        if amount_fen is not None and amount_fen != value:
            message = _(
                "The goods are worth ¥%(value)s; the amount must equal their value.",
                value=format_yuan(value),
            )
            raise ValidationError(message, fields={"amount": message})
        amount_fen = value
    return clean, check_amount(amount_fen)


def _signed_on(value, *, required: bool) -> date | None:
    if value is None:
        if required:
            message = _("Enter the date of the signature.")
            raise ValidationError(message, fields={"signed_on": message})
        return None
    if not isinstance(value, date) or value > local_today():
        message = _("The date of the signature cannot be in the future.")
        raise ValidationError(message, fields={"signed_on": message})
    problem = date_problem(value)
    if problem is not None:
        message = _("The date of the signature %(problem)s.", problem=problem)
        raise ValidationError(message, fields={"signed_on": message})
    return value


def check_pay(case: AidCase, *, acting_user: User) -> None:
    """Refuse paying a case its state or its approver forbids (whatever the fund and amount)."""
    check_case_payable(case)
    if case.approved_by_id is not None and case.approved_by_id == acting_user.id:
        raise DutyConflict(_("You approved case %(no)s, so you cannot pay it.", no=case.case_no))


def check_payable(case: AidCase, fund: Fund, *, acting_user: User, amount_fen: int) -> None:
    """Refuse a payment the case's state, its approver or the fund's kinds forbid."""
    check_pay(case, acting_user=acting_user)
    if not fund.allows(case.kind) or (
        (case.kind == AidKind.MUTUAL_AID) != (fund.source == FundSource.MUTUAL_AID)
    ):
        raise Refused(
            "fund_not_allowed",
            _("The fund %(fund)s may not pay this kind of aid.", fund=fund.name),
        )
    remaining = case.unpaid_fen
    if amount_fen > remaining:
        raise Refused(
            "over_approved",
            _(
                "Case %(no)s has ¥%(remaining)s left to pay of ¥%(approved)s approved.",
                no=case.case_no,
                remaining=format_yuan(max(remaining, 0)),
                approved=format_yuan(case.amount_approved_fen or 0),
            ),
            remaining=format_yuan(max(remaining, 0)).replace(",", ""),
        )


def bank_account(case: AidCase) -> tuple[str, str]:
    if case.payee_account_last4:
        return case.payee_bank_name, case.payee_account_last4
    applicant = case.applicant
    if applicant is None or not applicant.bank_account_last4:
        raise Refused(
            "no_bank_account",
            _("The household has no bank account on file; pay in cash or goods."),
            fields={"method": _("The household has no bank account on file.")},
        )
    return applicant.bank_name, applicant.bank_account_last4


def _paying_centre(case: AidCase, centre: Centre | None, acting_user: User) -> Centre:
    centre = centre or case.centre
    require_scope(acting_user, centre)
    if not case.centre.is_within(centre):
        message = _("A case is paid by its own centre or a centre above it.")
        raise ValidationError(message, fields={"centre": message})
    return centre


def pay_locked(
    case: AidCase,
    fund: Fund,
    balance: Balance,
    *,
    acting_user: User,
    amount_fen: int,
    details: PaymentDetails,
    idempotency_key: str,
    batch: PaymentBatch | None = None,
) -> Payment:
    """Pay a locked, checked case out of a locked balance row."""
    if case.kind == AidKind.MUTUAL_AID and details.method != PaymentMethod.BANK_TRANSFER:
        raise Refused(
            "bank_transfer_only",
            _("Mutual-aid claims are paid by bank transfer to the member's own card only."),
            fields={"method": _("Bank transfer only.")},
        )
    bank_name = last4 = ""
    if details.method == PaymentMethod.BANK_TRANSFER:
        bank_name, last4 = bank_account(case)
    if balance is None or balance.balance_fen < amount_fen:
        raise _insufficient(balance, balance.centre if balance else case.centre, amount_fen)
    payment = Payment(
        case_id=case.id,
        fund_id=fund.id,
        centre_id=balance.centre_id,
        batch_id=batch.id if batch else None,
        amount_fen=amount_fen,
        method=details.method,
        status=PaymentStatus.PAID,
        recipient_name=case.recipient_name,
        bank_reference=details.reference,
        bank_name=bank_name,
        account_last4=last4,
        signed_by=details.signed_by,
        signed_on=details.signed_on,
        items=details.items or [],
        note=details.note,
        idempotency_key=idempotency_key,
        paid_by_id=acting_user.id,
        paid_at=utcnow(),
    )
    # A savepoint: a concurrent request that committed the same idempotency key first makes
    # this insert fail alone, and `pay_case` answers with that payment.
    with db.session.begin_nested():
        db.session.add(payment)
    entry = _post(
        balance,
        EntryKind.PAYMENT,
        amount_fen,
        acting_user=acting_user,
        case_id=case.id,
        payment_id=payment.id,
        reference=details.reference or (batch.batch_no if batch else ""),
        note=details.note,
    )
    record_payment(
        case,
        amount_fen,
        acting_user=acting_user,
        centre=balance.centre,
        comment=_l(
            "¥%(amount)s from %(fund)s (%(centre)s), payment no. %(id)d",
            amount=format_yuan(amount_fen),
            fund=fund.name,
            centre=balance.centre.name,
            id=payment.id,
        ),
        payment_id=payment.id,
    )
    record(
        "payment.created",
        acting_user=acting_user,
        obj=payment,
        centre=balance.centre,
        after={
            "case": case.case_no,
            "fund": fund.id,
            "amount_fen": amount_fen,
            "method": details.method,
            "entry": entry.id,
            "batch": batch.batch_no if batch else None,
        },
    )
    return payment


def find_by_key(idempotency_key: str) -> Payment | None:
    return db.session.scalars(
        select(Payment).where(Payment.idempotency_key == idempotency_key)
    ).first()


def pay_case(
    case: AidCase,
    *,
    acting_user: User,
    fund: Fund,
    amount_fen: int | None,
    details: PaymentDetails,
    idempotency_key: str,
    centre: Centre | None = None,
) -> tuple[Payment, bool]:
    """Pay a ready-to-pay case; return (payment, created).

    A repeated call with the same idempotency key returns the first payment unchanged.
    """
    require_finance(acting_user)
    if not isinstance(idempotency_key, str) or not KEY_RE.match(idempotency_key):
        message = _("The form's payment key is missing or malformed; reload the form.")
        raise ValidationError(message, fields={"idempotency_key": message})
    require_scope(acting_user, case.centre)
    case = lock_case(case)
    existing = find_by_key(idempotency_key)
    if existing is not None:
        return _repeated(existing, case), False
    centre = _paying_centre(case, centre, acting_user)
    details, amount_fen = clean_details(details, amount_fen)
    check_payable(case, fund, acting_user=acting_user, amount_fen=amount_fen)
    balance = lock_balances(fund.id, [centre.id]).get(centre.id)
    if balance is None or balance.balance_fen < amount_fen:
        raise _insufficient(balance, centre, amount_fen)
    try:
        payment = pay_locked(
            case,
            fund,
            balance,
            acting_user=acting_user,
            amount_fen=amount_fen,
            details=details,
            idempotency_key=idempotency_key,
        )
    except exc.IntegrityError:
        # The same key committed by a concurrent request between our check and our insert.
        existing = find_by_key(idempotency_key)
        if existing is None:
            raise
        return _repeated(existing, case), False
    return payment, True


def _repeated(existing: Payment, case: AidCase) -> Payment:
    """The payment an idempotency key already made, if it was made for this case."""
    if existing.case_id != case.id:
        raise Refused(
            "idempotency_key_reused",
            _("This payment key was already used for another case."),
        )
    return existing


def check_reverse(payment: Payment, *, acting_user: User) -> None:
    """Refuse a reversal the payment's state, its payer or the case's state forbids."""
    require_finance(acting_user)
    require_scope(acting_user, payment.centre)
    if payment.status == PaymentStatus.REVERSED:
        raise Refused("already_reversed", _("This payment has already been reversed."))
    if payment.paid_by_id == acting_user.id:
        raise DutyConflict(_("You made this payment; another finance officer must reverse it."))
    check_reverse_payment(payment.case)


def reverse_payment(payment: Payment, *, acting_user: User, reason: str) -> LedgerEntry:
    """Reverse a payment with a reversing ledger row; the case goes back to be paid again."""
    check_reverse(payment, acting_user=acting_user)
    reason = clean_text(
        reason, "reason", required=True, max_len=500, message=_("Give the reason for the reversal.")
    )
    case = lock_case(payment.case)
    payment = lock_row(Payment, payment.id)
    check_reverse(payment, acting_user=acting_user)  # again, on the locked rows
    balance = lock_balances(payment.fund_id, [payment.centre_id])[payment.centre_id]
    paid_entry = db.session.scalars(
        select(LedgerEntry).where(
            LedgerEntry.payment_id == payment.id, LedgerEntry.kind == EntryKind.PAYMENT
        )
    ).one()
    entry = _post(
        balance,
        EntryKind.REVERSAL,
        payment.amount_fen,
        acting_user=acting_user,
        case_id=case.id,
        payment_id=payment.id,
        related_entry_id=paid_entry.id,
        reference=payment.bank_reference,
        note=reason,
    )
    payment.status = PaymentStatus.REVERSED
    payment.reversed_by_id = acting_user.id
    payment.reversed_at = utcnow()
    payment.reversal_reason = reason
    record_payment(
        case,
        -payment.amount_fen,
        acting_user=acting_user,
        centre=balance.centre,
        comment=_l(
            "Payment no. %(id)d of ¥%(amount)s reversed: %(reason)s",
            id=payment.id,
            amount=format_yuan(payment.amount_fen),
            reason=reason,
        ),
        payment_id=payment.id,
    )
    record(
        "payment.reversed",
        acting_user=acting_user,
        obj=payment,
        centre=balance.centre,
        before={"status": str(PaymentStatus.PAID)},
        after={"status": str(PaymentStatus.REVERSED), "entry": entry.id},
        comment=reason,
    )
    return entry
