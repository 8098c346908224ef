"""Pairing rules: who may pair, the plan, contacts and their cadence, overdue and escalation.

Settings (config): PAIRING_CADENCE_DAYS (default 30, monthly) is the default contact cadence;
PAIRING_ESCALATE_DAYS (default 180) is how long a pair may run without the household leaving
hardship before it is raised to the parent centre's attention.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import event, select
from sqlalchemy.orm import Session

from assist.applicants.models import Applicant, FileStatus
from assist.audit.services import record
from assist.auth.models import Role, User
from assist.core.errors import DomainError, PermissionDenied, ValidationError
from assist.core.i18n import record_text
from assist.core.timeutil import local_today
from assist.extensions import db
from assist.pairings.models import Contact, ContactMode, HelperKind, Pair

MAX_TEXT = 2000


def cadence_default() -> int:
    return int(current_app.config.get("PAIRING_CADENCE_DAYS", 30))


def escalate_after_days() -> int:
    return int(current_app.config.get("PAIRING_ESCALATE_DAYS", 180))


def _fail(field: str, message: str) -> None:
    raise ValidationError(message, fields={field: message})


def _text(value, field: str, message: str, *, required=True, max_len=MAX_TEXT) -> str:
    if value is not None and not isinstance(value, str):
        _fail(field, message or _("Enter text."))
    value = (value or "").strip()
    if required and not value:
        _fail(field, message)
    if len(value) > max_len:
        _fail(field, _("Keep this under %(n)d characters.", n=max_len))
    return value


def _require_worker(user: User) -> None:
    if not user.has_role(Role.CASEWORKER, Role.SUPERVISOR):
        raise PermissionDenied(_("Your role does not allow this."))


@dataclass
class PairInput:
    helper_kind: str
    helper_name: str = ""
    helper_title: str = ""
    helper_user: User | None = None
    started_on: date | None = None
    cadence_days: int | None = None
    plan_cause: str = ""
    plan_need: str = ""
    plan_measures: str = ""
    plan_goal: str = ""


def open_pair(applicant: Applicant, *, acting_user: User, data: PairInput) -> Pair:
    """Pair an active household with a named helper and record its one-household plan."""
    _require_worker(acting_user)
    if not applicant.centre.is_within(acting_user.centre):
        raise PermissionDenied(_("This file is outside your scope."))
    if applicant.status != FileStatus.ACTIVE:
        _fail("applicant", _("Only households with an active file are paired."))
    if data.helper_kind not in set(HelperKind):
        _fail("helper_kind", _("Choose who helps: a cadre, a person or an enterprise."))
    if data.helper_kind == HelperKind.CADRE:
        helper = data.helper_user
        if helper is None or not (
            applicant.centre.is_within(helper.centre) or helper.centre.is_within(acting_user.centre)
        ):
            _fail("helper_user", _("Choose a cadre of the household's centre or one above it."))
        name = helper.full_name or helper.username
    else:
        helper = None
        name = _text(data.helper_name, "helper_name", _("Enter the helper's name."), max_len=80)
    cadence = data.cadence_days if data.cadence_days is not None else cadence_default()
    if not isinstance(cadence, int) or not 7 <= cadence <= 366:
        _fail("cadence_days", _("Enter a contact cadence of 7 to 366 days."))
    started = data.started_on or local_today()
    if started > local_today():
        _fail("started_on", _("The pairing cannot start in the future."))
    existing = db.session.scalars(
        select(Pair).where(Pair.applicant_id == applicant.id, Pair.ended_on.is_(None))
    ).first()
    if existing is not None:
        _fail(
            "applicant",
            _("This household already has a helper: %(name)s.", name=existing.helper_name),
        )
    pair = Pair(
        applicant_id=applicant.id,
        centre_id=applicant.centre_id,
        helper_kind=data.helper_kind,
        helper_user_id=helper.id if helper else None,
        helper_name=name,
        helper_title=_text(data.helper_title, "helper_title", "", required=False, max_len=80),
        started_on=started,
        plan_cause=_text(data.plan_cause, "plan_cause", _("Record the cause of hardship.")),
        plan_need=_text(data.plan_need, "plan_need", _("Record what the household needs.")),
        plan_measures=_text(data.plan_measures, "plan_measures", _("Record the measures.")),
        plan_goal=_text(data.plan_goal, "plan_goal", _("Record the goal.")),
        cadence_days=cadence,
        next_due_on=started + timedelta(days=cadence),
        created_by_id=acting_user.id,
    )
    db.session.add(pair)
    db.session.flush()
    record(
        "pairing.opened",
        acting_user=acting_user,
        obj=pair,
        centre=applicant.centre,
        after={"applicant": applicant.file_no, "helper": name, "kind": data.helper_kind},
    )
    return pair


def _check_pair_scope(pair: Pair, user: User) -> None:
    _require_worker(user)
    if not pair.centre.is_within(user.centre):
        raise PermissionDenied(_("This pairing is outside your scope."))


def check_contact(pair: Pair, user: User) -> None:
    _check_pair_scope(pair, user)
    if not pair.is_active:
        raise DomainError(_("This pairing has ended."))


def log_contact(
    pair: Pair,
    *,
    acting_user: User,
    contacted_on: date | None,
    mode: str,
    done: str,
    next_due_on: date | None = None,
) -> Contact:
    """Log a visit or call; the next contact falls due after the cadence unless given."""
    check_contact(pair, acting_user)
    today = local_today()
    if contacted_on is None or contacted_on > today or contacted_on < pair.started_on:
        _fail(
            "contacted_on",
            _("Enter the day of the contact (since the pairing began, not in the future)."),
        )
    if mode not in set(ContactMode):
        _fail("mode", _("Choose a visit or a call."))
    done = _text(done, "done", _("Record what was done."))
    due = next_due_on or contacted_on + timedelta(days=pair.cadence_days)
    if due <= contacted_on:
        _fail("next_due_on", _("The next contact falls after this one."))
    contact = Contact(
        pair_id=pair.id,
        contacted_on=contacted_on,
        mode=mode,
        done=done,
        next_due_on=due,
        recorded_by_id=acting_user.id,
    )
    db.session.add(contact)
    if pair.last_contact_on is None or contacted_on >= pair.last_contact_on:
        pair.last_contact_on = contacted_on
        pair.next_due_on = due
    db.session.flush()
    record(
        "pairing.contact",
        acting_user=acting_user,
        obj=pair,
        centre=pair.centre,
        after={"on": contacted_on.isoformat(), "mode": mode, "next_due_on": due.isoformat()},
    )
    return contact


def set_cadence(pair: Pair, *, acting_user: User, cadence_days: int) -> None:
    check_contact(pair, acting_user)
    if not isinstance(cadence_days, int) or not 7 <= cadence_days <= 366:
        _fail("cadence_days", _("Enter a contact cadence of 7 to 366 days."))
    before = pair.cadence_days
    pair.cadence_days = cadence_days
    pair.next_due_on = (pair.last_contact_on or pair.started_on) + timedelta(days=cadence_days)
    db.session.flush()
    record(
        "pairing.cadence",
        acting_user=acting_user,
        obj=pair,
        centre=pair.centre,
        before={"cadence_days": before},
        after={"cadence_days": cadence_days},
    )


def end_pair(pair: Pair, *, acting_user: User | None, result: str, on: date | None = None) -> None:
    """End the pair with its result (the household left hardship, or another reason)."""
    if acting_user is not None:
        _check_pair_scope(pair, acting_user)
    if not pair.is_active:
        raise DomainError(_("This pairing has ended."))
    pair.end_result = _text(result, "result", _("Record the result of the pairing."))
    pair.ended_on = on or local_today()
    db.session.flush()
    record(
        "pairing.ended",
        acting_user=acting_user,
        obj=pair,
        centre=pair.centre,
        comment=pair.end_result,
        username="" if acting_user else "system",
    )


def escalation_due(pair: Pair, today: date | None = None) -> bool:
    today = today or local_today()
    return (
        pair.is_active
        and pair.escalated_on is None
        and pair.applicant.status == FileStatus.ACTIVE
        and pair.started_on <= today - timedelta(days=escalate_after_days())
    )


def escalate_due_pairs(today: date | None = None, limit: int = 500) -> int:
    """Raise pairs that have run the set period without moving the household to the parent."""
    today = today or local_today()
    cutoff = today - timedelta(days=escalate_after_days())
    pairs = db.session.scalars(
        select(Pair)
        .join(Applicant, Applicant.id == Pair.applicant_id)
        .where(
            Pair.ended_on.is_(None),
            Pair.escalated_on.is_(None),
            Pair.started_on <= cutoff,
            Applicant.status == FileStatus.ACTIVE,
        )
        .order_by(Pair.id)
        .limit(limit)
    ).all()
    for pair in pairs:
        parent = pair.centre.parent or pair.centre
        pair.escalated_on = today
        pair.escalated_to_id = parent.id
        record(
            "pairing.escalated",
            obj=pair,
            centre=pair.centre,
            after={"to": parent.code, "started_on": pair.started_on.isoformat()},
            username="system",
        )
    db.session.flush()
    return len(pairs)


@event.listens_for(Session, "before_flush")
def _end_pairs_of_exited_households(session, _flush_context, _instances) -> None:
    """When a paired household exits hardship (脱困), its pair ends with the file's reason."""
    for obj in list(session.dirty):
        if not isinstance(obj, Applicant) or obj.status != FileStatus.EXITED:
            continue
        history = db.inspect(obj).attrs.status.history
        if not history.has_changes():
            continue
        with session.no_autoflush:
            pairs = session.scalars(
                select(Pair).where(Pair.applicant_id == obj.id, Pair.ended_on.is_(None))
            ).all()
        for pair in pairs:
            pair.ended_on = local_today()
            pair.end_result = record_text(
                _l("The household left hardship: %(reason)s", reason=obj.status_reason)
            )
            record(
                "pairing.ended",
                obj=pair,
                centre=obj.centre,
                comment=pair.end_result,
                username="system",
            )
