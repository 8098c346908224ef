"""Visit photos are attachments owned by the visit (owner type `campaign_visit`)."""

from flask import abort

from assist.attachments.models import AttachmentKind
from assist.attachments.services import Owner, register_owner
from assist.auth.models import Role, User
from assist.campaigns.models import Visit
from assist.extensions import db

READ_ROLES = (Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE, Role.AUDITOR)


def _load(visit_id, user: User) -> Visit:
    try:
        visit = db.session.get(Visit, int(visit_id))
    except (TypeError, ValueError):
        abort(404)
    if visit is None or not visit.entry.applicant.centre.is_within(user.centre):
        abort(404)
    return visit


def _can_change(user: User, visit: Visit) -> bool:
    return user.has_role(Role.CASEWORKER, Role.SUPERVISOR) and visit.centre.is_within(
        user.centre
    ) | user.centre.is_within(visit.centre)


VISIT_OWNER = Owner(
    load=_load,
    centre=lambda visit: visit.entry.applicant.centre,
    can_read=lambda user, visit: user.has_role(*READ_ROLES),
    can_change=_can_change,
    kinds=frozenset({AttachmentKind.OTHER}),
)
register_owner("campaign_visit", VISIT_OWNER)
