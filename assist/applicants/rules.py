"""Rules every part of a hardship file shares: states, roles, text cleaning, the timeline."""

from flask_babel import gettext as _
from sqlalchemy import and_, exists, or_

from assist.applicants.models import (
    Applicant,
    Exclusion,
    FileEvent,
    FileStatus,
)
from assist.attachments.models import AttachmentKind
from assist.auth.models import Role
from assist.core.errors import PermissionDenied, ValidationError
from assist.core.timeutil import utcnow

OWNER_TYPE = "applicant"


#: The documents a hardship file takes.
ATTACHMENT_KINDS = frozenset(
    {
        AttachmentKind.ID_COPY,
        AttachmentKind.HOUSEHOLD_REGISTER,
        AttachmentKind.DIAGNOSIS,
        AttachmentKind.INCOME_PROOF,
        AttachmentKind.CONSENT,
        AttachmentKind.OTHER,
    }
)


#: Roles that may see a file's full IDs, bank account and health details (each view audited).
SENSITIVE_ROLES = (Role.CASEWORKER, Role.SUPERVISOR)


#: Roles that may open files at all.
READ_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.AUDITOR, Role.FINANCE)


#: Exclusions the caseworker records; the labour-relation rule is derived from the dates.
RECORDED_EXCLUSIONS = (
    Exclusion.TWO_HOMES,
    Exclusion.BUSINESS_OWNER,
    Exclusion.PRIVATE_SCHOOL,
    Exclusion.PRIVATE_CAR,
)


#: Files in these states can be corrected by a caseworker.
EDITABLE_STATES = {
    FileStatus.APPLIED,
    FileStatus.RETURNED,
    FileStatus.HOME_VISIT,
    FileStatus.ACTIVE,
}


#: Once a file is here the household's IDs stay with it, but it no longer counts as open.
CLOSED_STATES = {FileStatus.REJECTED, FileStatus.EXITED, FileStatus.CANCELLED}


REVIEW_INTERVAL_DAYS = 365


#: "Due for review" starts this many days before the date.
REVIEW_WARNING_DAYS = 30


def clean_text(value: str | None, limit: int) -> str:
    text = "".join(ch for ch in (value or "") if ch in "\n\t" or ord(ch) >= 32).strip()
    return text[:limit]


def require_role(user, *roles) -> None:
    if not user.has_role(*roles):
        raise PermissionDenied(_("Your role does not allow this."))


def require_reason(reason: str | None) -> str:
    reason = clean_text(reason, 500)
    if not reason:
        message = _("Give a reason; it is recorded on the file.")
        raise ValidationError(message, fields={"reason": message})
    return reason


def add_event(applicant, action, user, *, from_status="", to_status="", reason="") -> FileEvent:
    event = FileEvent(
        applicant_id=applicant.id,
        action=action,
        from_status=from_status or applicant.status,
        to_status=to_status or applicant.status,
        reason=reason,
        centre_id=applicant.centre_id,
        user_id=user.id if user else None,
        at=utcnow(),
    )
    applicant.events.append(event)
    return event


def status_label(status: str) -> str:
    from assist.applicants.labels import STATUS_LABELS

    return str(STATUS_LABELS.get(status, status))


def submitters(applicant: Applicant) -> set[int]:
    ids = {applicant.created_by_id}
    for event in applicant.events:
        if event.action in ("registered", "submit", "reapply") and event.user_id:
            ids.add(event.user_id)
    return {i for i in ids if i}


def not_submitted_by(user):
    """SQL form of `submitters`: files this user neither registered nor submitted."""
    return and_(
        or_(Applicant.created_by_id.is_(None), Applicant.created_by_id != user.id),
        ~exists().where(
            FileEvent.applicant_id == Applicant.id,
            FileEvent.action.in_(("registered", "submit", "reapply")),
            FileEvent.user_id == user.id,
        ),
    )


def require_separate(applicant: Applicant, acting_user) -> None:
    if acting_user.id in submitters(applicant):
        raise PermissionDenied(
            _("You registered or submitted this file; another supervisor must review it.")
        )
