"""The life of an aid case: every state change, with its rules, timeline row and audit row.

Every transition is listed in TRANSITIONS and goes through `_move`, which refuses any
other. Decisions lock the case row first (SELECT … FOR UPDATE, and the version column as
a second guard), so two supervisors acting at once give one decision and one refusal.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from sqlalchemy import and_, event, exc, func, or_, select

from assist.applicants.models import Applicant, FileStatus
from assist.audit.services import record
from assist.auth.models import Role, User
from assist.cases import caps
from assist.cases.attachments import minutes_path, store_minutes
from assist.cases.models import (
    AidCase,
    AidKind,
    CaseCounter,
    CaseEvent,
    CaseStatus,
    CollectiveDecision,
    Objection,
    ObjectionStatus,
    Occasion,
    SchoolLevel,
)
from assist.centres.models import Centre
from assist.core.counters import next_number
from assist.core.crypto import keyed_hash
from assist.core.database import lock_row
from assist.core.errors import (
    DomainError,
    PermissionDenied,
    Refused,
    ValidationError,
    refuse_fields,
)
from assist.core.i18n import record_text
from assist.core.money import MAX_AMOUNT_FEN, format_yuan
from assist.core.resident_id import parse_resident_id
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db

S = CaseStatus

#: action → (statuses it may start from, status it leads to; None: decided by the service).
TRANSITIONS: dict[str, tuple[frozenset[CaseStatus], CaseStatus | None]] = {
    "create": (frozenset(), S.DRAFT),
    "edit": (frozenset({S.DRAFT, S.RETURNED}), None),
    "submit": (frozenset({S.DRAFT, S.RETURNED}), S.SUBMITTED),
    "recommend": (frozenset({S.SUBMITTED}), S.SUBMITTED),
    "approve": (frozenset({S.SUBMITTED}), S.APPROVED),
    "reject": (frozenset({S.SUBMITTED}), S.REJECTED),
    "return": (frozenset({S.SUBMITTED}), S.RETURNED),
    "withdraw": (frozenset({S.DRAFT, S.SUBMITTED, S.RETURNED}), S.WITHDRAWN),
    "start_notice": (frozenset({S.APPROVED}), S.IN_NOTICE),
    "skip_notice": (frozenset({S.APPROVED}), S.READY_TO_PAY),
    "end_notice": (frozenset({S.IN_NOTICE}), S.READY_TO_PAY),
    "object": (frozenset({S.IN_NOTICE, S.ON_HOLD}), S.ON_HOLD),
    "uphold_objection": (frozenset({S.ON_HOLD}), S.SUBMITTED),
    "dismiss_objection": (frozenset({S.ON_HOLD}), None),
    "record_decision": (frozenset({S.SUBMITTED}), None),
    # Payments (assist/funds) move money cases along and back on reversal.
    "pay": (frozenset({S.READY_TO_PAY, S.PARTLY_PAID}), None),
    "reverse_payment": (frozenset({S.PARTLY_PAID, S.PAID}), None),
    "close": (frozenset({S.APPROVED, S.PAID}), S.CLOSED),
}

MAX_TEXT = 2000


class RoleRequired(PermissionDenied):
    """The user's role never allows this action: pages leave it out rather than explain it."""


class CollectiveDecisionRequired(DomainError):
    """Approval above the city limit needs a recorded collective decision first."""

    code = "collective_decision_required"


# ---------------------------------------------------------------------------- helpers


def _status_label(status: str) -> str:
    from assist.cases.labels import STATUS_LABELS

    return str(STATUS_LABELS[CaseStatus(status)])


def _refuse_transition(case: AidCase, action: str) -> None:
    raise DomainError(
        _(
            "This is not possible while the case is %(status)s.",
            status=_status_label(case.status),
        ),
        case_status=case.status,
    )


def _check_from(case: AidCase, action: str) -> None:
    allowed, _to = TRANSITIONS[action]
    if case.status not in allowed:
        _refuse_transition(case, action)


def _move(
    case: AidCase,
    action: str,
    to_status: CaseStatus | None,
    *,
    acting_user: User | None,
    comment: str | LazyString = "",
    amount_fen: int | None = None,
    centre: Centre | None = None,
    audit_before: dict | None = None,
    audit_after: dict | None = None,
) -> CaseEvent:
    """Apply one listed transition: status, timeline row and audit row.

    ``comment`` is what a user typed (a str, stored as typed) or a note the system writes
    (a lazy ``_l(...)`` message), which is stored in the records' language: it is printed
    on Chinese documents whatever the acting user's UI language.
    """
    comment = record_text(comment)
    allowed, default_to = TRANSITIONS[action]
    from_status = case.status
    if allowed and from_status not in allowed:
        _refuse_transition(case, action)
    target = to_status or default_to or from_status
    case.status = target
    db.session.flush()
    event = CaseEvent(
        case_id=case.id,
        at=utcnow(),
        user_id=acting_user.id if acting_user else None,
        action=action,
        from_status=from_status if action != "create" else None,
        to_status=target,
        comment=comment,
        amount_fen=amount_fen,
        centre_id=(centre or (acting_user.centre if acting_user else case.centre)).id,
    )
    db.session.add(event)
    after = {"status": str(target)}
    if amount_fen is not None:
        after["amount_fen"] = amount_fen
    after.update(audit_after or {})
    before = None if action == "create" else {"status": str(from_status), **(audit_before or {})}
    record(
        f"case.{action}",
        acting_user=acting_user,
        obj=case,
        centre=case.centre,
        before=before,
        after=after,
        comment=comment,
        username="" if acting_user else "system",
    )
    db.session.flush()
    return event


def lock_case(case: AidCase) -> AidCase:
    """Take the case row's lock and re-read it, so the checks see the committed state."""
    return lock_row(AidCase, case.id)


def _in_scope(case: AidCase, user: User) -> None:
    if not case.centre.is_within(user.centre):
        raise PermissionDenied(_("This case is outside your scope."))


def _require(user: User, *roles: Role, message: str | None = None) -> None:
    if not user.has_role(*roles):
        raise RoleRequired(message or _("Your role does not allow this."))


def _text(value: str | None, field: str, message: str, *, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError(message, fields={field: message})
    if len(value) > MAX_TEXT:
        msg = _("Keep this under %(n)d characters.", n=MAX_TEXT)
        raise ValidationError(msg, fields={field: msg})
    return value


def _comment(value: str | None, message: str, *, required: bool = True) -> str:
    return _text(value, "comment", message, required=required)


# ---------------------------------------------------------------------------- numbering


def allocate_case_no(centre: Centre, year: int) -> str:
    """Issue the next `<centre>-<year>-C<nnnnn>` number; the counter row is locked until commit."""
    number = next_number(CaseCounter.last_no, centre_id=centre.id, year=year)
    return f"{centre.code}-{year}-C{number:05d}"


# ---------------------------------------------------------------------------- drafting


@dataclass
class CaseInput:
    """What a caseworker enters for a case; amounts in 分."""

    kind: str
    reason: str = ""
    amount_requested_fen: int | None = None
    service: str = ""
    applicant: Applicant | None = None
    person_name: str = ""
    person_id: str = ""
    person_address: str = ""
    school_level: str = ""
    occasion: str = ""
    self_paid_fen: int | None = None


def _apply_input(case: AidCase, data: CaseInput) -> None:
    """Check the input and copy it onto the case (new or being edited)."""
    try:
        kind = AidKind(data.kind)
    except ValueError:
        msg = _("Choose the kind of aid.")
        raise ValidationError(msg, fields={"kind": msg}) from None
    if not kind.is_opened_by_hand:
        msg = _("Mutual-aid claims are recorded as claims under the member's plan.")
        raise ValidationError(msg, fields={"kind": msg})
    case.kind = kind
    case.reason = _text(data.reason, "reason", _("Say why the household needs this aid."))

    if kind.needs_file:
        applicant = data.applicant
        if applicant is None:
            msg = _("Choose the household's hardship file.")
            raise ValidationError(msg, fields={"applicant_id": msg})
        if applicant.status != FileStatus.ACTIVE:
            msg = _(
                "File first, aid after: the file %(file_no)s is not active, so it cannot "
                "receive this aid.",
                file_no=applicant.file_no,
            )
            raise ValidationError(msg, fields={"applicant_id": msg})
        case.applicant = applicant
        case.applicant_id = applicant.id
    else:
        _apply_person(case, data)

    if kind == AidKind.SCHOOLING:
        if data.school_level not in set(SchoolLevel):
            msg = _("Choose the school level.")
            raise ValidationError(msg, fields={"school_level": msg})
        case.school_level = data.school_level
        name = _text(data.person_name, "person_name", _("Enter the student's name."))
        info = parse_resident_id(data.person_id, field="person_id")
        case.person_name = name[:50]
        case.person_id = info.number
        case.person_id_hash = keyed_hash(info.number)
    else:
        case.school_level = None
    if kind == AidKind.HOLIDAY:
        if data.occasion not in set(Occasion):
            msg = _("Choose the holiday.")
            raise ValidationError(msg, fields={"occasion": msg})
        case.occasion = data.occasion
    else:
        case.occasion = None

    if kind.is_money:
        amount = data.amount_requested_fen
        if amount is None or amount <= 0:
            msg = _("Enter the amount requested, in yuan.")
            raise ValidationError(msg, fields={"amount_requested": msg})
        if amount > MAX_AMOUNT_FEN:
            msg = _("This amount is implausibly large; check it.")
            raise ValidationError(msg, fields={"amount_requested": msg})
        case.amount_requested_fen = amount
        case.service_given = _text(data.service, "service", "", required=False)
    else:
        if data.amount_requested_fen:
            msg = _("Legal and job aid are services: record the service, not an amount.")
            raise ValidationError(msg, fields={"amount_requested": msg})
        case.amount_requested_fen = None
        case.service_given = _text(
            data.service, "service", _("Describe the service the household needs.")
        )

    if kind == AidKind.MEDICAL:
        paid = data.self_paid_fen
        if paid is None or paid <= 0:
            msg = _("Enter the self-paid part of the medical costs, in yuan.")
            raise ValidationError(msg, fields={"self_paid": msg})
        case.self_paid_fen = paid
        if case.amount_requested_fen > paid:
            msg = _(
                "Medical aid cannot exceed the self-paid part of the costs (%(paid)s yuan).",
                paid=format_yuan(paid),
            )
            raise ValidationError(msg, fields={"amount_requested": msg})
    else:
        case.self_paid_fen = None


def _apply_person(case: AidCase, data: CaseInput) -> None:
    """Temporary relief: a file, or else a verified resident ID and an address."""
    applicant = data.applicant
    if applicant is not None:
        case.applicant = applicant
        case.applicant_id = applicant.id
        case.person_name = applicant.name
        case.person_id_enc = applicant.id_number_enc
        case.person_id_last4 = applicant.id_last4
        case.person_id_hash = applicant.id_hash
        case.person_address = applicant.address
        return
    case.applicant = None
    case.applicant_id = None
    fields = {}
    name = (data.person_name or "").strip()
    if not name or len(name) > 50:
        fields["person_name"] = _("Enter the person's name.")
    address = (data.person_address or "").strip()
    if not address or len(address) > 255:
        fields["person_address"] = _("Enter the person's address.")
    try:
        info = parse_resident_id(data.person_id, field="person_id")
    except ValidationError as err:
        fields.update(err.fields)
        info = None
    refuse_fields(fields)
    case.person_name = name
    case.person_id = info.number
    case.person_id_hash = keyed_hash(info.number)
    case.person_address = address


def _check_open_case(case: AidCase) -> None:
    """One household holds one open case of a kind (the database's unique key backs this)."""
    key = f"{case.kind}:{case.household_key()}"
    stmt = select(AidCase).where(AidCase.open_key == key)
    if case.id is not None:
        stmt = stmt.where(AidCase.id != case.id)
    other = db.session.scalars(stmt).first()
    if other is not None:
        from assist.cases.labels import KIND_LABELS

        msg = _(
            "This household already has an open %(kind)s case: %(case_no)s.",
            kind=KIND_LABELS[AidKind(case.kind)],
            case_no=other.case_no,
        )
        raise DomainError(msg, fields={"kind": msg}, case_no=other.case_no)


def _flush_open_key(case: AidCase, *, add: bool = False) -> None:
    """Write the case; the open-case key refuses a second open case that raced this one."""
    try:
        # begin_nested() flushes what is pending first: a new case is added inside it, so
        # that a clash rolls back to the savepoint only and the winner can be named.
        with db.session.begin_nested():
            if add:
                db.session.add(case)
            db.session.flush()
    except exc.IntegrityError as err:
        if add:
            with db.session.no_autoflush:
                _check_open_case(case)
        msg = _("This household already has an open case of this kind.")
        raise DomainError(msg, fields={"kind": msg}) from err


def create_case(*, acting_user: User, data: CaseInput) -> AidCase:
    """Open a draft case for a household (or a person, for temporary relief)."""
    _require(acting_user, Role.CASEWORKER, message=_("Only caseworkers open aid cases."))
    case = AidCase(status=S.DRAFT, created_by_id=acting_user.id)
    with db.session.no_autoflush:
        _apply_input(case, data)
    centre = case.applicant.centre if case.applicant is not None else acting_user.centre
    if not centre.is_within(acting_user.centre):
        raise PermissionDenied(_("This file is outside your scope."))
    case.centre = centre
    case.centre_id = centre.id
    _check_open_case(case)
    if case.is_money:
        caps.enforce_cap(case, case.amount_requested_fen)
    case.case_no = allocate_case_no(centre, local_today().year)
    _flush_open_key(case, add=True)
    _move(
        case,
        "create",
        S.DRAFT,
        acting_user=acting_user,
        comment=case.reason,
        amount_fen=case.amount_requested_fen,
        audit_after={"case_no": case.case_no, "kind": case.kind},
    )
    return case


def cap_preview(*, acting_user: User, data: CaseInput) -> caps.CapCheck | None:
    """The cap check saving `data` as a new case would make, without saving anything.

    Checks the input as `create_case` does (a refusal names the fields); None for services.
    """
    _require(acting_user, Role.CASEWORKER, message=_("Only caseworkers open aid cases."))
    case = AidCase(status=S.DRAFT)
    with db.session.no_autoflush:
        _apply_input(case, data)
    if not case.is_money:
        return None
    case.centre = case.applicant.centre if case.applicant is not None else acting_user.centre
    return caps.check_cap(case, case.amount_requested_fen)


def check_edit(case: AidCase, user: User) -> None:
    _require(user, Role.CASEWORKER)
    _in_scope(case, user)
    _check_from(case, "edit")


@dataclass
class PlanCaseInput:
    """A case another domain opens for its own record (a mutual-aid claim): who and how much."""

    kind: str
    centre: Centre
    reason: str
    amount_requested_fen: int
    person_name: str
    person_id_enc: str
    person_id_hash: str
    person_id_last4: str
    applicant: Applicant | None = None
    payee_bank_name: str = ""
    payee_account_last4: str = ""


def open_plan_case(*, acting_user: User, data: PlanCaseInput) -> AidCase:
    """Open a draft case for a record another domain keeps (its rules already checked).

    The case then follows the same submission, tiered approval and payment as any other.
    """
    _require(acting_user, Role.CASEWORKER, message=_("Only caseworkers open aid cases."))
    if not data.centre.is_within(acting_user.centre):
        raise PermissionDenied(_("This record is outside your scope."))
    kind = AidKind(data.kind)
    amount = data.amount_requested_fen
    if not isinstance(amount, int) or not 0 < amount <= MAX_AMOUNT_FEN:
        msg = _("Enter the amount requested, in yuan.")
        raise ValidationError(msg, fields={"amount_requested": msg})
    case = AidCase(
        status=S.DRAFT,
        created_by_id=acting_user.id,
        kind=kind,
        centre=data.centre,
        centre_id=data.centre.id,
        applicant=data.applicant,
        applicant_id=data.applicant.id if data.applicant else None,
        person_name=data.person_name[:50],
        person_id_enc=data.person_id_enc,
        person_id_hash=data.person_id_hash,
        person_id_last4=data.person_id_last4,
        amount_requested_fen=amount,
        reason=_text(data.reason, "reason", _("Say why the household needs this aid.")),
        payee_bank_name=data.payee_bank_name[:60],
        payee_account_last4=data.payee_account_last4[-4:],
    )
    case.case_no = allocate_case_no(data.centre, local_today().year)
    _flush_open_key(case, add=True)
    _move(
        case,
        "create",
        S.DRAFT,
        acting_user=acting_user,
        comment=case.reason,
        amount_fen=amount,
        audit_after={"case_no": case.case_no, "kind": case.kind},
    )
    return case


def update_case(case: AidCase, *, acting_user: User, data: CaseInput) -> AidCase:
    """Change a draft or returned case."""
    check_edit(case, acting_user)
    case = lock_case(case)
    check_edit(case, acting_user)
    before = _case_facts(case)
    with db.session.no_autoflush:
        data.kind = case.kind  # the kind and the file are fixed once the case is opened
        if case.applicant is not None:
            data.applicant = case.applicant
        _apply_input(case, data)
    _check_open_case(case)
    if case.is_money:
        caps.enforce_cap(case, case.amount_requested_fen)
    _flush_open_key(case)
    after = _case_facts(case)
    changed = {k: v for k, v in after.items() if before.get(k) != v}
    if changed:
        _move(
            case,
            "edit",
            None,
            acting_user=acting_user,
            amount_fen=case.amount_requested_fen,
            audit_after=changed,
        )
    return case


def _case_facts(case: AidCase) -> dict:
    return {
        "amount_requested_fen": case.amount_requested_fen,
        "reason": case.reason,
        "service": case.service_given,
        "school_level": case.school_level,
        "occasion": case.occasion,
        "self_paid_fen": case.self_paid_fen,
        "person_name": case.person_name,
        "person_id_last4": case.person_id_last4,
        "person_address": case.person_address,
    }


def _check_file_still_active(case: AidCase) -> None:
    if case.kind_enum.needs_file and (
        case.applicant is None or case.applicant.status != FileStatus.ACTIVE
    ):
        raise DomainError(
            _(
                "File first, aid after: the household's file is no longer active. "
                "Withdraw the case or reactivate the file."
            )
        )


def check_file_active(case: AidCase) -> None:
    """Raise when the case needs an active file and its household's file is not active."""
    _check_file_still_active(case)


# ---------------------------------------------------------------------------- workflow


#: kind → (check(case), on_submit(case)): rules another domain adds to submitting its cases
#: (a mutual-aid claim needs the plan's documents). The check raises DomainError.
SUBMIT_HOOKS: dict[str, tuple] = {}


def register_submit_hook(kind: str, check, on_submit) -> None:
    SUBMIT_HOOKS[kind] = (check, on_submit)


def check_submit(case: AidCase, user: User) -> None:
    _require(user, Role.CASEWORKER, message=_("Only caseworkers submit cases."))
    _in_scope(case, user)
    _check_from(case, "submit")
    if case.kind in SUBMIT_HOOKS:
        SUBMIT_HOOKS[case.kind][0](case)


def submit_case(case: AidCase, *, acting_user: User, comment: str = "") -> AidCase:
    """Send a draft or returned case to the supervisors of its own centre."""
    case = lock_case(case)
    check_submit(case, acting_user)
    comment = _comment(comment, "", required=False)
    _check_file_still_active(case)
    if case.is_money:
        caps.enforce_cap(case, case.amount_requested_fen)
    if case.kind in SUBMIT_HOOKS:
        SUBMIT_HOOKS[case.kind][1](case)
    case.submitted_by_id = acting_user.id
    case.submitted_at = utcnow()
    case.approval_centre_id = case.centre_id
    case.approval_centre = case.centre
    case.recommended_fen = None
    case.recommended_by_id = None
    _move(
        case,
        "submit",
        S.SUBMITTED,
        acting_user=acting_user,
        comment=comment,
        amount_fen=case.amount_requested_fen,
        centre=case.centre,
    )
    return case


def _check_decider(case: AidCase, user: User, action: str) -> None:
    """A supervisor of the centre the case waits at, who took no earlier step on it."""
    _require(user, Role.SUPERVISOR, message=_("Only supervisors decide on cases."))
    _in_scope(case, user)
    _check_from(case, action)
    if case.approval_centre_id != user.centre_id:
        waiting_at = case.approval_centre.name if case.approval_centre else ""
        raise PermissionDenied(
            _("This case waits for the supervisors of %(centre)s.", centre=waiting_at)
        )
    if action in ("approve", "recommend") and user.id in (
        case.submitted_by_id,
        case.created_by_id,
    ):
        raise PermissionDenied(
            _("You opened or submitted this case, so you cannot approve or recommend it.")
        )


def check_decide(case: AidCase, user: User, action: str) -> None:
    _check_decider(case, user, action)


def not_opened_by(user: User):
    """SQL form of the duty rule in `_check_decider`: cases this user neither opened nor submitted."""
    return and_(
        or_(AidCase.created_by_id.is_(None), AidCase.created_by_id != user.id),
        or_(AidCase.submitted_by_id.is_(None), AidCase.submitted_by_id != user.id),
    )


def _decision_amount(case: AidCase, amount_fen: int | None, field: str) -> int | None:
    if not case.is_money:
        return None
    if amount_fen is None:
        amount_fen = case.amount_requested_fen
    if amount_fen <= 0:
        msg = _("Enter an amount above zero.")
        raise ValidationError(msg, fields={field: msg})
    if amount_fen > case.amount_requested_fen:
        msg = _(
            "The approved amount cannot exceed the %(requested)s yuan requested.",
            requested=format_yuan(case.amount_requested_fen),
        )
        raise ValidationError(msg, fields={field: msg})
    return amount_fen


def proposed_amount(case: AidCase) -> int | None:
    """What a decider is asked to grant: the tier below's recommendation, else the request."""
    return case.recommended_fen or case.amount_requested_fen


def recommend_case(
    case: AidCase, *, acting_user: User, amount_fen: int | None, comment: str
) -> AidCase:
    """Recommend a case above this centre's limit to the parent centre's supervisors."""
    case = lock_case(case)
    _check_decider(case, acting_user, "recommend")
    centre = acting_user.centre
    amount = _decision_amount(case, amount_fen, "amount_approved")
    comment = _comment(comment, _("Give your recommendation in a comment."))
    _check_recommend_amount(centre, amount)
    case.approval_centre_id = centre.parent_id
    case.approval_centre = centre.parent
    case.recommended_fen = amount
    case.recommended_by_id = acting_user.id
    _move(
        case,
        "recommend",
        S.SUBMITTED,
        acting_user=acting_user,
        comment=comment,
        amount_fen=amount,
        centre=centre,
        audit_after={"to_centre": centre.parent.code},
    )
    return case


def _check_recommend_amount(centre: Centre, amount: int | None) -> None:
    """Only an amount above this centre's limit goes up, and the city has nobody above."""
    if centre.parent is None:
        raise DomainError(
            _(
                "The city centre is the last tier: approve the case with a collective "
                "decision, or reject it."
            )
        )
    if amount is None or amount <= centre.approval_limit_fen:
        raise DomainError(
            _(
                "This amount is within your centre's approval limit of %(limit)s yuan: "
                "approve or reject it yourself.",
                limit=format_yuan(centre.approval_limit_fen),
            )
        )


def check_recommend(case: AidCase, user: User, amount_fen: int | None = None) -> None:
    """Recommending is for an amount above this centre's limit, below the city.

    Without `amount_fen`, the amount the decider is asked for (`proposed_amount`).
    """
    _check_decider(case, user, "recommend")
    amount = amount_fen if amount_fen is not None else proposed_amount(case)
    _check_recommend_amount(user.centre, amount if case.is_money else None)


@dataclass
class DecisionInput:
    """A collective decision (集体研究决定): meeting date, reference and the scanned minutes."""

    meeting_date: date | None
    reference: str
    upload: object  # a werkzeug FileStorage


def needs_collective_decision(case: AidCase, amount_fen: int | None = None) -> bool:
    """True when approving `amount_fen` at the case's current centre needs a meeting."""
    centre = case.approval_centre
    amount = amount_fen if amount_fen is not None else proposed_amount(case)
    return (
        case.is_money
        and centre is not None
        and centre.parent_id is None
        and amount is not None
        and amount > centre.approval_limit_fen
    )


def _current_decision(case: AidCase) -> CollectiveDecision | None:
    decision = case.collective_decision
    if decision is None:
        return None
    upheld_at = db.session.scalar(
        select(CaseEvent.at)
        .where(CaseEvent.case_id == case.id, CaseEvent.action == "uphold_objection")
        .order_by(CaseEvent.id.desc())
    )
    if upheld_at is not None and decision.recorded_at <= upheld_at:
        return None  # taken before an objection reopened the case
    return decision


def record_collective_decision(
    case: AidCase, *, acting_user: User, data: DecisionInput
) -> CollectiveDecision:
    """Record the meeting decision a case above the city limit needs."""
    _require(acting_user, Role.SUPERVISOR, message=_("Only supervisors decide on cases."))
    _in_scope(case, acting_user)
    _check_from(case, "record_decision")
    if case.approval_centre_id != acting_user.centre_id:
        raise PermissionDenied(
            _(
                "This case waits for the supervisors of %(centre)s.",
                centre=case.approval_centre.name if case.approval_centre else "",
            )
        )
    fields = {}
    today = local_today()
    if data.meeting_date is None:
        fields["meeting_date"] = _("Enter the date of the meeting.")
    elif data.meeting_date > today:
        fields["meeting_date"] = _("The meeting date cannot be in the future.")
    reference = (data.reference or "").strip()
    if not reference or len(reference) > 80:
        fields["reference"] = _("Enter the decision's reference, such as 苏工援〔2026〕12号.")
    refuse_fields(fields)
    minutes = store_minutes(case, data.upload, acting_user=acting_user)
    decision = case.collective_decision
    before = None
    if decision is None:
        decision = CollectiveDecision(case_id=case.id)
        db.session.add(decision)
        case.collective_decision = decision
    else:
        before = {
            "meeting_date": decision.meeting_date.isoformat(),
            "reference": decision.reference,
            "attachment_path": decision.attachment_path,
            "attachment_sha256": decision.attachment_sha256,
        }
    decision.meeting_date = data.meeting_date
    decision.reference = reference
    # The row keeps pointing at the stored minutes: their path under STORAGE_DIR, which ends
    # in the attachment's unique storage key (see assist.cases.attachments.minutes_of).
    decision.attachment_path = minutes_path(minutes)
    decision.attachment_name = minutes.original_name
    decision.attachment_mime = minutes.content_type
    decision.attachment_sha256 = minutes.sha256
    decision.recorded_by_id = acting_user.id
    decision.recorded_at = utcnow()
    db.session.flush()
    _move(
        case,
        "record_decision",
        None,
        acting_user=acting_user,
        comment=_l(
            "Collective decision %(ref)s of %(day)s",
            ref=reference,
            day=data.meeting_date.isoformat(),
        ),
        centre=acting_user.centre,
        audit_after={
            "reference": reference,
            "meeting_date": data.meeting_date.isoformat(),
            "attachment_id": minutes.id,
            "attachment_sha256": minutes.sha256,
            "replaced": before,
        },
    )
    return decision


def check_approve(case: AidCase, user: User, amount_fen: int | None = None) -> None:
    """The decider's tier may approve this amount (above the city limit: with a decision)."""
    _check_decider(case, user, "approve")
    centre = user.centre
    amount = amount_fen if amount_fen is not None else case.amount_requested_fen
    if case.is_money and amount is not None and amount > centre.approval_limit_fen:
        if centre.parent is not None:
            raise DomainError(
                _(
                    "%(amount)s yuan exceeds your centre's approval limit of %(limit)s yuan: "
                    "recommend the case to %(parent)s.",
                    amount=format_yuan(amount),
                    limit=format_yuan(centre.approval_limit_fen),
                    parent=centre.parent.name,
                ),
                fields={"amount_approved": _("Above your centre's approval limit.")},
            )
    _check_file_still_active(case)


def approve_case(
    case: AidCase,
    *,
    acting_user: User,
    amount_fen: int | None = None,
    comment: str = "",
    decision: DecisionInput | None = None,
    now: datetime | None = None,
) -> AidCase:
    """Approve a case within the centre's limit (above the city limit, with a decision)."""
    case = lock_case(case)
    _check_decider(case, acting_user, "approve")
    centre = acting_user.centre
    amount = _decision_amount(case, amount_fen, "amount_approved")
    comment = _comment(comment, "", required=False)
    check_approve(case, acting_user, amount)
    if amount is not None and amount > centre.approval_limit_fen:
        if decision is not None and decision.upload is not None:
            record_collective_decision(case, acting_user=acting_user, data=decision)
        if _current_decision(case) is None:
            raise CollectiveDecisionRequired(
                _(
                    "%(amount)s yuan is above the city limit of %(limit)s yuan: record the "
                    "collective decision (meeting date, reference and minutes) first.",
                    amount=format_yuan(amount),
                    limit=format_yuan(centre.approval_limit_fen),
                )
            )
    if amount is not None:
        caps.enforce_cap(case, amount, field="amount_approved")
    now = now or utcnow()
    case.amount_approved_fen = amount
    case.approved_by_id = acting_user.id
    case.approved_at = now
    case.snapshot = snapshot_for(case, at=now)
    _move(
        case,
        "approve",
        S.APPROVED,
        acting_user=acting_user,
        comment=comment,
        amount_fen=amount,
        centre=centre,
    )
    if case.is_money:
        _start_notice(case, acting_user=acting_user, now=now)
    return case


def approve_on_list(
    case: AidCase, *, acting_user: User, list_label: str, now: datetime | None = None
) -> AidCase:
    """Approve a submitted holiday case as part of a campaign list the parent centre approved.

    For the campaigns domain: the list's approver decides every household on it at once, so the
    case is approved at the approver's centre; duties stay separate and the yearly cap holds.
    The notice starts when the list is posted (`start_list_notice`).
    """
    case = lock_case(case)
    _require(acting_user, Role.SUPERVISOR, message=_("Only supervisors decide on cases."))
    _check_from(case, "approve")
    if acting_user.id in (case.submitted_by_id, case.created_by_id):
        raise PermissionDenied(
            _("You opened or submitted this case, so you cannot approve or recommend it.")
        )
    _check_file_still_active(case)
    amount = case.amount_requested_fen
    caps.enforce_cap(case, amount, field="amount_approved")
    now = now or utcnow()
    case.approval_centre_id = acting_user.centre_id
    case.approval_centre = acting_user.centre
    case.amount_approved_fen = amount
    case.approved_by_id = acting_user.id
    case.approved_at = now
    case.snapshot = snapshot_for(case, at=now)
    _move(
        case,
        "approve",
        S.APPROVED,
        acting_user=acting_user,
        comment=_l("Approved on the list %(list)s.", list=list_label),
        amount_fen=amount,
        centre=acting_user.centre,
    )
    return case


def start_list_notice(case: AidCase, *, acting_user: User, now: datetime | None = None) -> None:
    """Post an approved case publicly, as a campaign list is posted (公示)."""
    case = lock_case(case)
    _check_from(case, "start_notice")
    _start_notice(case, acting_user=acting_user, now=now or utcnow())


def _start_notice(case: AidCase, *, acting_user: User | None, now: datetime) -> None:
    days = case.centre.notice_days
    if caps.skips_notice(case.kind):
        _move(
            case,
            "skip_notice",
            S.READY_TO_PAY,
            acting_user=acting_user,
            comment=(
                _l("Temporary relief is paid without a public notice (setting).")
                if case.kind == AidKind.TEMPORARY
                else _l("Paid without a public notice (setting for this kind of aid).")
            ),
            centre=case.centre,
        )
        return
    if days <= 0:
        _move(
            case,
            "skip_notice",
            S.READY_TO_PAY,
            acting_user=acting_user,
            comment=_l("The centre's notice period is zero days."),
            centre=case.centre,
        )
        return
    case.notice_started_at = now
    case.notice_ends_at = now + timedelta(days=days)
    _move(
        case,
        "start_notice",
        S.IN_NOTICE,
        acting_user=acting_user,
        comment=_l("Public notice for %(n)d days.", n=days),
        centre=case.centre,
        audit_after={"notice_ends_at": case.notice_ends_at.isoformat()},
    )


def reject_case(case: AidCase, *, acting_user: User, comment: str) -> AidCase:
    """Refuse the aid; the reason is required and shown on the timeline."""
    case = lock_case(case)
    _check_decider(case, acting_user, "reject")
    comment = _comment(comment, _("Give the reason for the rejection."))
    case.closed_at = utcnow()
    _move(case, "reject", S.REJECTED, acting_user=acting_user, comment=comment)
    return case


def return_case(case: AidCase, *, acting_user: User, comment: str) -> AidCase:
    """Send the case back to the caseworker for more information."""
    case = lock_case(case)
    _check_decider(case, acting_user, "return")
    comment = _comment(comment, _("Say what information is missing."))
    case.approval_centre_id = None
    case.approval_centre = None
    case.recommended_fen = None
    case.recommended_by_id = None
    _move(case, "return", S.RETURNED, acting_user=acting_user, comment=comment)
    return case


def check_withdraw(case: AidCase, user: User) -> None:
    _require(user, Role.CASEWORKER, Role.SUPERVISOR)
    _in_scope(case, user)
    _check_from(case, "withdraw")


def withdraw_case(case: AidCase, *, acting_user: User, comment: str) -> AidCase:
    """Withdraw a case before it is approved (the household no longer asks for it)."""
    case = lock_case(case)
    check_withdraw(case, acting_user)
    comment = _comment(comment, _("Say why the case is withdrawn."))
    case.approval_centre_id = None
    case.approval_centre = None
    case.closed_at = utcnow()
    _move(case, "withdraw", S.WITHDRAWN, acting_user=acting_user, comment=comment)
    return case


def check_close(case: AidCase, user: User) -> None:
    _require(user, Role.CASEWORKER, Role.SUPERVISOR)
    _in_scope(case, user)
    _check_from(case, "close")
    if case.status == S.APPROVED and case.is_money:
        _refuse_transition(case, "close")


def close_case(case: AidCase, *, acting_user: User, comment: str) -> AidCase:
    """Close a paid case, or a service case once the service has been given."""
    case = lock_case(case)
    check_close(case, acting_user)
    if case.is_money:
        comment = _comment(comment, "", required=False)
    else:
        comment = _comment(comment, _("Record the service given."))
        case.service_given = (case.service_given + "\n\n" + comment).strip()
    case.closed_at = utcnow()
    _move(case, "close", S.CLOSED, acting_user=acting_user, comment=comment)
    return case


# ---------------------------------------------------------------------------- notice


def check_object(case: AidCase, user: User) -> None:
    _require(user, Role.CASEWORKER, Role.SUPERVISOR)
    _in_scope(case, user)
    _check_from(case, "object")


def record_objection(
    case: AidCase, *, acting_user: User, raised_by: str, contact: str, content: str
) -> Objection:
    """Record an objection raised during the notice; it holds the case."""
    case = lock_case(case)
    check_object(case, acting_user)
    fields = {}
    raised_by = (raised_by or "").strip()
    if not raised_by or len(raised_by) > 80:
        fields["raised_by"] = _("Enter who raised the objection.")
    contact = (contact or "").strip()
    if len(contact) > 80:
        fields["contact"] = _("Keep this under %(n)d characters.", n=80)
    content = (content or "").strip()
    if not content or len(content) > MAX_TEXT:
        fields["content"] = _("Enter what the objection says.")
    refuse_fields(fields)
    objection = Objection(
        case_id=case.id,
        raised_by=raised_by,
        contact=contact,
        content=content,
        recorded_by_id=acting_user.id,
        recorded_at=utcnow(),
    )
    db.session.add(objection)
    db.session.flush()
    _move(
        case,
        "object",
        S.ON_HOLD,
        acting_user=acting_user,
        comment=_l("Objection by %(who)s: %(text)s", who=raised_by, text=content),
        centre=case.centre,
        audit_after={"objection_id": objection.id},
    )
    return objection


def check_resolve(case: AidCase, user: User) -> None:
    _require(user, Role.SUPERVISOR, message=_("Only supervisors resolve objections."))
    _in_scope(case, user)
    _check_from(case, "dismiss_objection")


def resolve_objection(
    objection: Objection,
    *,
    acting_user: User,
    uphold: bool,
    reason: str,
    now: datetime | None = None,
) -> Objection:
    """Uphold an objection (the case goes back to review) or dismiss it, with a reason."""
    case = lock_case(objection.case)
    check_resolve(case, acting_user)
    db.session.refresh(objection)
    if objection.status != ObjectionStatus.OPEN:
        raise DomainError(_("This objection has already been resolved."))
    reason = _text(reason, "reason", _("Give the reason for your decision."))
    now = now or utcnow()
    objection.status = ObjectionStatus.UPHELD if uphold else ObjectionStatus.DISMISSED
    objection.resolution = reason
    objection.resolved_by_id = acting_user.id
    objection.resolved_at = now
    if uphold:
        for other in case.objections:
            if other.id != objection.id and other.status == ObjectionStatus.OPEN:
                other.status = ObjectionStatus.UPHELD
                other.resolution = _(
                    "Settled with objection #%(id)d: %(reason)s", id=objection.id, reason=reason
                )
                other.resolved_by_id = acting_user.id
                other.resolved_at = now
        case.amount_approved_fen = None
        case.approved_by_id = None
        case.approved_at = None
        case.snapshot = None
        case.notice_started_at = None
        case.notice_ends_at = None
        _move(
            case,
            "uphold_objection",
            S.SUBMITTED,
            acting_user=acting_user,
            comment=reason,
            audit_after={"objection_id": objection.id},
        )
        return objection
    db.session.flush()
    still_open = any(o.status == ObjectionStatus.OPEN for o in case.objections)
    _move(
        case,
        "dismiss_objection",
        S.ON_HOLD if still_open else S.IN_NOTICE,
        acting_user=acting_user,
        comment=reason,
        audit_after={"objection_id": objection.id},
    )
    if not still_open and case.notice_ends_at is not None and case.notice_ends_at <= now:
        _move(
            case,
            "end_notice",
            S.READY_TO_PAY,
            acting_user=None,
            comment=_l("The notice period ended without an open objection."),
            centre=case.centre,
        )
    return objection


#: What a case page offers: action → (its check, the transition whose states it starts from).
ACTION_CHECKS = {
    "edit": (check_edit, "edit"),
    "submit": (check_submit, "submit"),
    "approve": (check_approve, "approve"),
    "recommend": (check_recommend, "recommend"),
    "return": (lambda case, user: check_decide(case, user, "return"), "return"),
    "reject": (lambda case, user: check_decide(case, user, "reject"), "reject"),
    "withdraw": (check_withdraw, "withdraw"),
    "object": (check_object, "object"),
    "resolve": (check_resolve, "dismiss_objection"),
    "close": (check_close, "close"),
}
#: An action whose refusal is not worth explaining while its alternative is open.
ALTERNATIVE = {"recommend": "approve"}


def offered_actions(case: AidCase, user: User) -> tuple[list[str], dict[str, str]]:
    """The actions the user can take now, and why each other one open to their role cannot.

    Actions the case's state does not lead to, or the user's role never takes, are left out.
    """
    allowed, blocked = [], {}
    for name, (check, transition) in ACTION_CHECKS.items():
        if case.status not in TRANSITIONS[transition][0]:
            continue
        try:
            check(case, user)
        except RoleRequired:
            continue
        except DomainError as err:
            blocked[name] = err.message
        else:
            allowed.append(name)
    for name, other in ALTERNATIVE.items():
        if other in allowed:
            blocked.pop(name, None)
    return allowed, blocked


def close_expired_notices(now: datetime | None = None, limit: int = 200) -> int:
    """Move cases whose notice ended without an open objection to ready-to-pay.

    Idempotent and cheap when there is nothing to do (one indexed query). Rows another
    transaction holds are skipped: that transaction is already closing them.
    """
    now = now or utcnow()
    ids = db.session.scalars(
        select(AidCase.id)
        .where(AidCase.status == S.IN_NOTICE, AidCase.notice_ends_at <= now)
        .order_by(AidCase.notice_ends_at)
        .limit(limit)
    ).all()
    done = 0
    for case_id in ids:
        case = db.session.scalars(
            select(AidCase)
            .where(
                AidCase.id == case_id,
                AidCase.status == S.IN_NOTICE,
                AidCase.notice_ends_at <= now,
            )
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).first()
        if case is None:
            continue
        _move(
            case,
            "end_notice",
            S.READY_TO_PAY,
            acting_user=None,
            comment=_l("The notice period ended without an open objection."),
            centre=case.centre,
        )
        done += 1
    return done


class NoticeClock:
    """When a request may next find a notice to end, so most requests ask nothing (issue 15).

    The scheduled job (`cases.close_expired_notices`, every five minutes) does the work; the
    request-time check only keeps "ready to pay on the next request" true. After a check the
    clock knows the earliest end still pending (a notice begun later, in any process, ends at
    least a day later) and looks again at that moment, or after NOTICE_RECHECK_SECONDS at the
    latest (a change no ORM event sees). Setting a case's notice end, or putting a case back
    into notice, in this process makes the next request look at once.
    """

    generation = 0  # raised by the ORM events below; a clock from an older one is void

    def __init__(self, recheck_seconds: float):
        self.recheck = timedelta(seconds=recheck_seconds)
        self.next_at: datetime | None = None
        self.seen = -1

    def due(self, now: datetime) -> bool:
        return self.seen != NoticeClock.generation or self.next_at is None or now >= self.next_at

    def release(self, now: datetime) -> int:
        """End the notices that are over (as close_expired_notices) and set the next look."""
        generation = NoticeClock.generation
        done = close_expired_notices(now=now)
        pending = db.session.scalar(
            select(func.min(AidCase.notice_ends_at)).where(AidCase.status == S.IN_NOTICE)
        )
        self.next_at = now + self.recheck if pending is None else min(now + self.recheck, pending)
        self.seen = generation
        return done


@event.listens_for(AidCase.notice_ends_at, "set")
def _notice_end_set(_case, _value, _old, _initiator):
    NoticeClock.generation += 1


@event.listens_for(AidCase.status, "set")
def _status_set(_case, value, _old, _initiator):
    if value == S.IN_NOTICE:
        NoticeClock.generation += 1


# ---------------------------------------------------------------------------- payments


def payable_clause():
    """SQL condition: the case is in a state a payment may start from."""
    return AidCase.status.in_([str(s) for s in TRANSITIONS["pay"][0]])


def check_pay(case: AidCase) -> None:
    """Refuse a payment the case's state does not allow (the ``pay`` row of TRANSITIONS)."""
    if case.status not in TRANSITIONS["pay"][0]:
        raise Refused(
            "not_ready",
            _("Case %(no)s is not ready to pay.", no=case.case_no),
            case_status=case.status,
        )


def check_reverse_payment(case: AidCase) -> None:
    """Refuse a reversal the case's state does not allow (``reverse_payment`` in TRANSITIONS)."""
    if case.status not in TRANSITIONS["reverse_payment"][0]:
        raise Refused(
            "not_reversible",
            _(
                "Case %(no)s is %(status)s; its payments can no longer be reversed.",
                no=case.case_no,
                status=_status_label(case.status),
            ),
        )


def record_payment(
    case: AidCase,
    delta_fen: int,
    *,
    acting_user: User,
    centre: Centre,
    comment: str | LazyString,
    payment_id: int,
) -> CaseEvent:
    """Record a payment (delta > 0) or its reversal (delta < 0) on the case.

    For the payment services: they own the ledger, hold the case's row lock (`lock_case`)
    and call this in the same transaction. The paid amount decides the status: nothing
    paid → ready to pay, part → partly paid, all → paid.
    """
    action = "pay" if delta_fen > 0 else "reverse_payment"
    check_pay(case) if action == "pay" else check_reverse_payment(case)
    paid_before = case.paid_fen or 0
    case.paid_fen = paid_before + delta_fen
    if case.paid_fen <= 0:
        target = S.READY_TO_PAY
    elif case.paid_fen >= (case.amount_approved_fen or 0):
        target = S.PAID
    else:
        target = S.PARTLY_PAID
    return _move(
        case,
        action,
        target,
        acting_user=acting_user,
        comment=comment,
        amount_fen=abs(delta_fen),
        centre=centre,
        audit_before={"paid_fen": paid_before},
        audit_after={"paid_fen": case.paid_fen, "payment": payment_id},
    )


# ---------------------------------------------------------------------------- snapshot


def snapshot_for(case: AidCase, *, at: datetime) -> dict:
    """The household and assessment as they stand now, for freezing into the case.

    Resident IDs appear by their last four characters only: the snapshot is plain JSON.
    """
    data: dict = {
        "taken_at": at.isoformat(timespec="seconds") + "Z",
        "centre": {"code": case.centre.code, "name": case.centre.name},
        "kind": case.kind,
        "amount_requested_fen": case.amount_requested_fen,
    }
    if case.person_id_hash and case.applicant is None:
        data["person"] = {
            "name": case.person_name,
            "id_last4": case.person_id_last4,
            "address": case.person_address,
        }
    if case.kind == AidKind.SCHOOLING:
        data["student"] = {
            "name": case.person_name,
            "id_last4": case.person_id_last4,
            "school_level": case.school_level,
        }
    applicant = case.applicant
    if applicant is not None:
        data["household"] = {
            "file_no": applicant.file_no,
            "name": applicant.name,
            "id_last4": applicant.id_last4,
            "gender": applicant.gender,
            "birth_date": applicant.birth_date.isoformat(),
            "address": applicant.address,
            "employer": applicant.employer,
            "work_status": applicant.work_status,
            "health": applicant.health,
            "category": applicant.category,
            "main_cause": applicant.main_cause,
            "is_migrant_worker": applicant.is_migrant_worker,
            "is_model_worker": applicant.is_model_worker,
            "household_size": applicant.household_size,
            "members": [
                {
                    "relation": m.relation,
                    "name": m.name,
                    "id_last4": m.id_last4,
                    "monthly_income_fen": m.monthly_income_fen,
                    "health": m.health,
                    "is_student": m.is_student,
                }
                for m in applicant.members
            ],
        }
        assessment = applicant.latest_assessment
        if assessment is not None:
            data["assessment"] = {
                "id": assessment.id,
                "assessed_at": assessment.assessed_at.isoformat(timespec="seconds") + "Z",
                "annual_income_fen": assessment.annual_income_fen,
                "rigid_expenses_fen": assessment.rigid_expenses_fen,
                "household_size": assessment.household_size,
                "per_capita_monthly_fen": assessment.per_capita_monthly_fen,
                "standard_monthly_fen": assessment.standard_monthly_fen,
                "category": assessment.category,
            }
    return data
