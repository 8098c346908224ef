"""Hardship files: the services the web forms, the JSON API and the demo seeder call.

The rules live in one module per concern — `registration` (input, checks, edits),
`assessment` (低保 standard, category, overrides), `workflow` (the transition table),
`transfers` — with what they share in `rules`. This module is their public face: callers
write `services.register_household(...)` whichever module holds it. Each service checks its
rules, writes the audit log and flushes; the caller commits.
"""

from assist.applicants.assessment import (
    OVERRIDE_STATES,
    add_standard,
    assess,
    check_override,
    find_standard,
    labour_relation_short,
    override_category,
    per_capita_monthly_fen,
    propose_category,
)
from assist.applicants.models import Applicant
from assist.applicants.registration import (
    FileInput,
    MemberInput,
    allocate_file_no,
    files_holding,
    input_from,
    member_field,
    normalise_phone,
    register_household,
    reveal_sensitive,
    update_household,
    validate_input,
)
from assist.applicants.rules import (
    ATTACHMENT_KINDS,
    CLOSED_STATES,
    EDITABLE_STATES,
    OWNER_TYPE,
    READ_ROLES,
    RECORDED_EXCLUSIONS,
    REVIEW_INTERVAL_DAYS,
    REVIEW_WARNING_DAYS,
    SENSITIVE_ROLES,
    not_submitted_by,
)
from assist.applicants.transfers import (
    accept_transfer,
    decline_transfer,
    pending_transfer,
    request_transfer,
    withdraw_transfer,
)
from assist.applicants.workflow import (
    TRANSITIONS,
    Transition,
    activate_ended_notices,
    add_home_visit,
    available_actions,
    check_allowed,
    check_transition,
    notice_ended,
    notice_ends_on,
    offered_actions,
    record_review,
    transition,
)
from assist.attachments.services import Owner, register_owner
from assist.auth.models import Role

__all__ = [
    "ATTACHMENT_KINDS",
    "CLOSED_STATES",
    "EDITABLE_STATES",
    "OVERRIDE_STATES",
    "OWNER_TYPE",
    "READ_ROLES",
    "RECORDED_EXCLUSIONS",
    "REVIEW_INTERVAL_DAYS",
    "REVIEW_WARNING_DAYS",
    "SENSITIVE_ROLES",
    "TRANSITIONS",
    "FileInput",
    "MemberInput",
    "Transition",
    "accept_transfer",
    "activate_ended_notices",
    "add_home_visit",
    "add_standard",
    "allocate_file_no",
    "assess",
    "available_actions",
    "check_allowed",
    "check_override",
    "check_transition",
    "decline_transfer",
    "files_holding",
    "find_standard",
    "input_from",
    "labour_relation_short",
    "member_field",
    "normalise_phone",
    "not_submitted_by",
    "notice_ended",
    "notice_ends_on",
    "offered_actions",
    "override_category",
    "pending_transfer",
    "per_capita_monthly_fen",
    "propose_category",
    "record_review",
    "register_household",
    "request_transfer",
    "reveal_sensitive",
    "transition",
    "update_household",
    "validate_input",
    "withdraw_transfer",
]


def _load_owner(owner_id: int, user) -> Applicant:
    from assist.centres.scoping import get_scoped_or_404

    return get_scoped_or_404(Applicant, owner_id, user)


register_owner(
    OWNER_TYPE,
    Owner(
        load=_load_owner,
        centre=lambda applicant: applicant.centre,
        can_read=lambda user, applicant: user.has_role(*READ_ROLES),
        can_change=lambda user, applicant: (
            user.has_role(Role.CASEWORKER) and applicant.status not in CLOSED_STATES
        ),
        kinds=ATTACHMENT_KINDS,
    ),
)
