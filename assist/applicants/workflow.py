"""The file workflow: one transition table whose entries carry their check and effect."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import gettext as _
from sqlalchemy import false, or_, select

from assist.applicants.assessment import OVERRIDE_STATES, check_override
from assist.applicants.models import (
    Applicant,
    Category,
    FileStatus,
    HomeVisit,
)
from assist.applicants.rules import (
    OWNER_TYPE,
    REVIEW_INTERVAL_DAYS,
    add_event,
    clean_text,
    require_reason,
    require_role,
    require_separate,
    status_label,
)
from assist.attachments.models import AttachmentKind
from assist.attachments.services import has_attachment
from assist.audit.services import record
from assist.auth.models import Role
from assist.centres.models import Centre
from assist.core.errors import DomainError, NotFound, ValidationError, refusal, refuse_fields
from assist.core.timeutil import local_today, utcnow
from assist.extensions import db


def notice_ends_on(applicant: Applicant) -> date | None:
    if applicant.notice_started_on is None:
        return None
    return applicant.notice_started_on + timedelta(days=applicant.centre.notice_days)


def _last_entered_at(applicant: Applicant, status: str):
    for event in reversed(applicant.events):
        if event.to_status == status and event.from_status != status:
            return event.at
    return None


def _action_label(action: str) -> str:
    from assist.applicants.labels import ACTION_LABELS

    return str(ACTION_LABELS.get(action, action))


def _exclusion_text(codes) -> str:
    from assist.applicants.labels import EXCLUSION_LABELS

    return "; ".join(str(EXCLUSION_LABELS.get(c, c)) for c in codes)


# --- each action's own rule (check) and what it changes besides the status (effect) ---------


def _refuse_exclusions(latest) -> None:
    if latest is not None and latest.exclusions:
        raise DomainError(
            _(
                "An exclusion condition is recorded (%(what)s); the file cannot go forward.",
                what=_exclusion_text(latest.exclusions),
            )
        )


def _check_submit(applicant: Applicant, today: date) -> None:
    problems = {}
    if applicant.consent_signed_on is None:
        problems["consent_signed_on"] = _("Record the date the consent form was signed.")
    if not has_attachment(OWNER_TYPE, applicant.id, AttachmentKind.CONSENT):
        problems["consent_scan"] = _("Upload the scanned, signed consent form.")
    if problems:
        raise ValidationError(
            _("The file cannot be submitted yet: %(what)s", what=" ".join(problems.values())),
            fields=problems,
        )
    _refuse_exclusions(applicant.latest_assessment)


def _check_complete_visit(applicant: Applicant, today: date) -> None:
    entered = _last_entered_at(applicant, FileStatus.HOME_VISIT)
    if not any(entered is None or v.recorded_at >= entered for v in applicant.visits):
        raise DomainError(_("Record the home visit (date, visitors, findings) first."))


def _check_approve(applicant: Applicant, today: date) -> None:
    latest = applicant.latest_assessment
    if latest is None:
        raise DomainError(_("The file has no assessment yet."))
    _refuse_exclusions(latest)
    if latest.category == Category.NOT_ELIGIBLE:
        raise DomainError(
            _(
                "The assessment finds the household not eligible; override the category "
                "with a reason, or reject the file."
            )
        )


def _check_activate(applicant: Applicant, today: date) -> None:
    ends = notice_ends_on(applicant)
    if ends is not None and today < ends:
        raise DomainError(
            _(
                "The public notice runs until %(date)s; the file goes on record after that.",
                date=ends.isoformat(),
            )
        )


def _start_notice(applicant: Applicant, today: date, category: str | None) -> None:
    applicant.notice_started_on = today


def _go_on_record(applicant: Applicant, today: date, category: str | None) -> None:
    latest = applicant.latest_assessment
    applicant.category = latest.category if latest else applicant.category
    applicant.activated_on = today
    applicant.last_reviewed_on = today
    applicant.review_due_on = today + timedelta(days=REVIEW_INTERVAL_DAYS)


def _change_category(applicant: Applicant, today: date, category: str | None) -> None:
    if category not in (Category.DEEP, Category.RELATIVE, Category.ACCIDENT):
        message = _("Choose 深度困难, 相对困难 or 意外致困.")
        raise ValidationError(message, fields={"category": message})
    if category == applicant.category:
        message = _("The file already has this category.")
        raise ValidationError(message, fields={"category": message})
    applicant.category = category


def _stop_reviews(applicant: Applicant, today: date, category: str | None) -> None:
    applicant.review_due_on = None


def _start_again(applicant: Applicant, today: date, category: str | None) -> None:
    applicant.activated_on = None
    applicant.notice_started_on = None
    applicant.review_due_on = None


# --- the table ------------------------------------------------------------------------------

#: status_reason after the action: the reason given, cleared, or left as it was.
KEEP, SET, CLEAR = "keep", "set", "clear"


@dataclass(frozen=True)
class Transition:
    name: str
    sources: frozenset
    target: str | None  # None: the status stays (an action on an active file)
    roles: tuple
    needs_reason: bool = False
    #: The supervisor acting may not be whoever created or submitted the file.
    separate_from_creator: bool = False
    #: The action's own rule on the file as it stands: (applicant, today) → raises DomainError.
    check: Callable[[Applicant, date], None] | None = None
    #: What the action changes besides the status: (applicant, today, category).
    effect: Callable[[Applicant, date, str | None], None] | None = None
    status_reason: str = KEEP


_REVIEW = frozenset({FileStatus.INITIAL_REVIEW, FileStatus.FINAL_REVIEW, FileStatus.PUBLIC_NOTICE})

#: The only transitions that exist. Anything else is refused here, whatever a page shows.
TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in (
        Transition(
            "submit",
            frozenset({FileStatus.APPLIED, FileStatus.RETURNED}),
            FileStatus.INITIAL_REVIEW,
            (Role.CASEWORKER,),
            check=_check_submit,
            status_reason=CLEAR,
        ),
        Transition(
            "pass_initial",
            frozenset({FileStatus.INITIAL_REVIEW}),
            FileStatus.HOME_VISIT,
            (Role.SUPERVISOR,),
            separate_from_creator=True,
        ),
        Transition(
            "complete_visit",
            frozenset({FileStatus.HOME_VISIT}),
            FileStatus.FINAL_REVIEW,
            (Role.CASEWORKER,),
            check=_check_complete_visit,
        ),
        Transition(
            "approve",
            frozenset({FileStatus.FINAL_REVIEW}),
            FileStatus.PUBLIC_NOTICE,
            (Role.SUPERVISOR,),
            separate_from_creator=True,
            check=_check_approve,
            effect=_start_notice,
        ),
        Transition(
            "activate",
            frozenset({FileStatus.PUBLIC_NOTICE}),
            FileStatus.ACTIVE,
            (Role.SUPERVISOR,),
            separate_from_creator=True,
            check=_check_activate,
            effect=_go_on_record,
            status_reason=CLEAR,
        ),
        Transition(
            "return",
            _REVIEW,
            FileStatus.RETURNED,
            (Role.SUPERVISOR,),
            needs_reason=True,
            separate_from_creator=True,
            status_reason=SET,
        ),
        Transition(
            "reject",
            _REVIEW,
            FileStatus.REJECTED,
            (Role.SUPERVISOR,),
            needs_reason=True,
            separate_from_creator=True,
            effect=_stop_reviews,
            status_reason=SET,
        ),
        Transition(
            "change_category",
            frozenset({FileStatus.ACTIVE}),
            None,
            (Role.SUPERVISOR,),
            needs_reason=True,
            effect=_change_category,
        ),
        Transition(
            "exit",
            frozenset({FileStatus.ACTIVE}),
            FileStatus.EXITED,
            (Role.SUPERVISOR,),
            needs_reason=True,
            effect=_stop_reviews,
            status_reason=SET,
        ),
        Transition(
            "cancel",
            frozenset({FileStatus.ACTIVE}),
            FileStatus.CANCELLED,
            (Role.SUPERVISOR,),
            needs_reason=True,
            effect=_stop_reviews,
            status_reason=SET,
        ),
        Transition(
            "reapply",
            frozenset({FileStatus.EXITED, FileStatus.REJECTED}),
            FileStatus.APPLIED,
            (Role.CASEWORKER,),
            effect=_start_again,
            status_reason=CLEAR,
        ),
    )
}


def check_allowed(applicant: Applicant, action: str, *, acting_user) -> Transition:
    """Refuse an action the table does not allow here: state, role, separation of duties."""
    t = TRANSITIONS.get(action)
    if t is None:
        raise NotFound(_("There is no such action."))
    if applicant.status not in t.sources:
        raise DomainError(
            _(
                "“%(action)s” is not possible for a file in state “%(state)s”.",
                action=_action_label(action),
                state=status_label(applicant.status),
            )
        )
    require_role(acting_user, *t.roles)
    if t.separate_from_creator:
        require_separate(applicant, acting_user)
    return t


def check_transition(
    applicant: Applicant,
    action: str,
    user=None,
    *,
    acting_user=None,
    today: date | None = None,
) -> Transition:
    """Raise the DomainError `transition` would raise before reading its input (reason, category).

    The user may be passed by position or as ``acting_user``.
    """
    user = user if user is not None else acting_user
    t = check_allowed(applicant, action, acting_user=user)
    if t.check is not None:
        t.check(applicant, today or local_today())
    return t


def offered_actions(applicant: Applicant, user) -> tuple[list[str], dict[str, str]]:
    """The actions the user can take now, and why each other one open to them cannot.

    Transitions the file's state does not lead to, or the user's role never takes, are left
    out. ``override`` (of the proposed category) is offered beside the transitions.
    """
    checks = [
        (t.name, lambda name=t.name: check_transition(applicant, name, user))
        for t in TRANSITIONS.values()
        if applicant.status in t.sources and user.has_role(*t.roles)
    ]
    if applicant.status in OVERRIDE_STATES and user.has_role(Role.SUPERVISOR):
        checks.append(("override", lambda: check_override(applicant, user)))
    allowed, blocked = [], {}
    for name, check in checks:
        err = refusal(check)
        if err is None:
            allowed.append(name)
        else:
            blocked[name] = err.message
    return allowed, blocked


def available_actions(applicant: Applicant, user) -> list[str]:
    """The transitions this user can take now (the API's ``allowed_actions``)."""
    return [a for a in offered_actions(applicant, user)[0] if a in TRANSITIONS]


def notice_ended(today: date):
    """SQL condition: the file's public notice has run its centre's full period by `today`."""
    periods = db.session.scalars(select(Centre.notice_days).distinct()).all()
    return or_(
        false(),
        *(
            Applicant.centre_id.in_(select(Centre.id).where(Centre.notice_days == days))
            & (Applicant.notice_started_on <= today - timedelta(days=days))
            for days in periods
        ),
    )


def activate_ended_notices(today: date | None = None, limit: int = 200) -> int:
    """Put on record the files whose public notice has run its full period (the system acts).

    Idempotent, and cheap when nothing is due (one indexed query); rows another transaction
    holds are skipped, as that transaction is already moving them. The effect is the
    ``activate`` entry's of the table.
    """
    today = today or local_today()
    t = TRANSITIONS["activate"]
    due = select(Applicant.id).where(
        Applicant.status == FileStatus.PUBLIC_NOTICE, notice_ended(today)
    )
    done = 0
    for applicant_id in db.session.scalars(due.order_by(Applicant.id).limit(limit)).all():
        applicant = db.session.scalars(
            select(Applicant)
            .where(Applicant.id == applicant_id, Applicant.status == FileStatus.PUBLIC_NOTICE)
            .with_for_update(skip_locked=True)
            .execution_options(populate_existing=True)
        ).first()
        if applicant is None:
            continue
        before_status, before_category = applicant.status, applicant.category
        t.effect(applicant, today, None)
        applicant.status = t.target
        applicant.status_reason = ""
        add_event(applicant, "activate", None, from_status=before_status, to_status=t.target)
        record(
            "applicant.activate",
            obj=applicant,
            centre=applicant.centre,
            before={"status": before_status, "category": before_category},
            after={"status": applicant.status, "category": applicant.category},
            comment="公示期满，无异议，自动在档。",
            username="system",
        )
        done += 1
    db.session.flush()
    return done


def transition(
    applicant: Applicant,
    action: str,
    *,
    acting_user,
    reason: str = "",
    category: str | None = None,
    today: date | None = None,
) -> None:
    """Move a file along the workflow: the table's checks, the reason, the action's effect."""
    today = today or local_today()
    t = check_allowed(applicant, action, acting_user=acting_user)
    reason = require_reason(reason) if t.needs_reason else clean_text(reason, 500)
    if t.check is not None:
        t.check(applicant, today)
    before_status, before_category = applicant.status, applicant.category
    if t.effect is not None:
        t.effect(applicant, today, category)
    if t.target is not None:
        applicant.status = t.target
    if t.status_reason == SET:
        applicant.status_reason = reason
    elif t.status_reason == CLEAR:
        applicant.status_reason = ""
    add_event(
        applicant,
        action,
        acting_user,
        from_status=before_status,
        to_status=applicant.status,
        reason=reason,
    )
    record(
        f"applicant.{action}",
        acting_user=acting_user,
        obj=applicant,
        centre=applicant.centre,
        before={"status": before_status, "category": before_category},
        after={"status": applicant.status, "category": applicant.category},
        comment=reason,
    )
    db.session.flush()


def add_home_visit(
    applicant: Applicant,
    *,
    acting_user,
    visited_on: date | None,
    visitors: str,
    findings: str,
    today: date | None = None,
) -> HomeVisit:
    """Record a home visit (入户调查) during the visit stage or on an active file."""
    today = today or local_today()
    require_role(acting_user, Role.CASEWORKER, Role.SUPERVISOR)
    if applicant.status not in (FileStatus.HOME_VISIT, FileStatus.ACTIVE):
        raise DomainError(_("Home visits are recorded once the file has passed initial review."))
    errors = {}
    visitors = clean_text(visitors, 200)
    findings = clean_text(findings, 4000)
    if visited_on is None:
        errors["visited_on"] = _("Enter the date of the visit.")
    elif visited_on > today:
        errors["visited_on"] = _("This date lies in the future.")
    if not visitors:
        errors["visitors"] = _("Name who made the visit (at least two people).")
    if not findings:
        errors["findings"] = _("Describe what the visit found.")
    refuse_fields(errors, summary=True)
    visit = HomeVisit(
        applicant_id=applicant.id,
        visited_on=visited_on,
        visitors=visitors,
        findings=findings,
        recorded_by_id=acting_user.id,
        recorded_at=utcnow(),
    )
    applicant.visits.append(visit)
    add_event(applicant, "home_visit", acting_user, reason=f"{visited_on.isoformat()} · {visitors}")
    db.session.flush()
    record(
        "applicant.home_visit",
        acting_user=acting_user,
        obj=applicant,
        centre=applicant.centre,
        after={"visited_on": visited_on.isoformat(), "visitors": visitors},
    )
    return visit


def record_review(
    applicant: Applicant, *, acting_user, note: str, today: date | None = None
) -> None:
    """Record the yearly review (动态管理) of an active file; the next one is due in a year."""
    today = today or local_today()
    require_role(acting_user, Role.CASEWORKER, Role.SUPERVISOR)
    if applicant.status != FileStatus.ACTIVE:
        raise DomainError(_("Only files on record are reviewed."))
    note = clean_text(note, 500)
    if not note:
        message = _("Say what the review found (e.g. circumstances unchanged).")
        raise ValidationError(message, fields={"note": message})
    before = applicant.review_due_on
    applicant.last_reviewed_on = today
    applicant.review_due_on = today + timedelta(days=REVIEW_INTERVAL_DAYS)
    add_event(applicant, "reviewed", acting_user, reason=note)
    record(
        "applicant.reviewed",
        acting_user=acting_user,
        obj=applicant,
        centre=applicant.centre,
        before={"review_due_on": str(before or "")},
        after={"review_due_on": applicant.review_due_on.isoformat()},
        comment=note,
    )
    db.session.flush()
