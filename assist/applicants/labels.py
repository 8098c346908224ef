"""Human labels for the hardship-file enums, shared by forms, templates and the API docs."""

from flask_babel import lazy_gettext as _l

from assist.applicants.models import (
    Category,
    Cause,
    Exclusion,
    FileStatus,
    Health,
    Relation,
    TransferReason,
    TransferStatus,
    WorkStatus,
)
from assist.attachments.labels import KIND_LABELS

STATUS_LABELS = {
    FileStatus.APPLIED: _l("Application"),
    FileStatus.INITIAL_REVIEW: _l("Initial review"),
    FileStatus.HOME_VISIT: _l("Home visit"),
    FileStatus.FINAL_REVIEW: _l("Final review"),
    FileStatus.PUBLIC_NOTICE: _l("Public notice"),
    FileStatus.ACTIVE: _l("Active"),
    FileStatus.RETURNED: _l("Returned"),
    FileStatus.REJECTED: _l("Rejected"),
    FileStatus.EXITED: _l("Exited hardship"),
    FileStatus.CANCELLED: _l("Cancelled"),
}

STATUS_TONES = {
    FileStatus.APPLIED: "secondary",
    FileStatus.INITIAL_REVIEW: "info",
    FileStatus.HOME_VISIT: "info",
    FileStatus.FINAL_REVIEW: "info",
    FileStatus.PUBLIC_NOTICE: "warning",
    FileStatus.ACTIVE: "success",
    FileStatus.RETURNED: "warning",
    FileStatus.REJECTED: "danger",
    FileStatus.EXITED: "light",
    FileStatus.CANCELLED: "dark",
}

CATEGORY_LABELS = {
    Category.DEEP: _l("Deep hardship"),
    Category.RELATIVE: _l("Relative hardship"),
    Category.ACCIDENT: _l("Hardship from a sudden event"),
    Category.NOT_ELIGIBLE: _l("Not eligible"),
}

WORK_STATUS_LABELS = {
    WorkStatus.EMPLOYED: _l("Employed"),
    WorkStatus.LAID_OFF: _l("Laid off"),
    WorkStatus.UNEMPLOYED: _l("Unemployed"),
    WorkStatus.RETIRED: _l("Retired"),
    WorkStatus.SICK_LEAVE: _l("On sick leave"),
}

HEALTH_LABELS = {
    Health.GOOD: _l("Good"),
    Health.CHRONIC: _l("Chronic illness"),
    Health.SERIOUS: _l("Serious illness"),
    Health.DISABLED: _l("Disability"),
}

CAUSE_LABELS = {
    Cause.ILLNESS: _l("Illness"),
    Cause.DISABILITY: _l("Disability"),
    Cause.UNEMPLOYMENT: _l("Unemployment"),
    Cause.SCHOOLING: _l("Schooling costs"),
    Cause.DISASTER: _l("Disaster"),
    Cause.ACCIDENT: _l("Accident"),
    Cause.OTHER: _l("Other"),
}

EXCLUSION_LABELS = {
    Exclusion.TWO_HOMES: _l("Owns two or more homes"),
    Exclusion.BUSINESS_OWNER: _l("Owns a shop or business, or employs others"),
    Exclusion.PRIVATE_SCHOOL: _l("A child in a high-fee private school or self-funded abroad"),
    Exclusion.PRIVATE_CAR: _l("A private car in regular use"),
    Exclusion.SHORT_LABOUR_RELATION: _l(
        "Migrant worker with less than one year of labour relation"
    ),
}

RELATION_LABELS = {
    Relation.SPOUSE: _l("Spouse"),
    Relation.CHILD: _l("Child"),
    Relation.PARENT: _l("Parent"),
    Relation.SIBLING: _l("Sibling"),
    Relation.GRANDCHILD: _l("Grandchild"),
    Relation.OTHER: _l("Other relative"),
}

TRANSFER_REASON_LABELS = {
    TransferReason.JOB_CHANGE: _l("Changed employer"),
    TransferReason.EMPLOYER_CLOSED: _l("Employer closed"),
    TransferReason.MOVED_HOME: _l("Moved home"),
    TransferReason.OTHER: _l("Other reason"),
}

TRANSFER_STATUS_LABELS = {
    TransferStatus.PENDING: _l("Awaiting acceptance"),
    TransferStatus.ACCEPTED: _l("Accepted"),
    TransferStatus.DECLINED: _l("Declined"),
    TransferStatus.WITHDRAWN: _l("Withdrawn"),
}

#: Shared with the other owners of documents (aid cases).
ATTACHMENT_KIND_LABELS = KIND_LABELS

#: What each workflow action is called on buttons and in the timeline.
ACTION_LABELS = {
    "registered": _l("Registered"),
    "updated": _l("Details changed"),
    "reassessed": _l("Re-assessed"),
    "submit": _l("Submit for initial review"),
    "pass_initial": _l("Pass initial review"),
    "complete_visit": _l("Send to final review"),
    "approve": _l("Approve for public notice"),
    "activate": _l("Put on file (notice ended)"),
    "return": _l("Return for correction"),
    "reject": _l("Reject"),
    "change_category": _l("Change category"),
    "exit": _l("Exit hardship"),
    "cancel": _l("Cancel the file"),
    "reapply": _l("Re-apply"),
    "override": _l("Category overridden"),
    "home_visit": _l("Home visit recorded"),
    "reviewed": _l("Yearly review"),
    "transfer_requested": _l("Transfer requested"),
    "transfer_accepted": _l("Transferred"),
    "transfer_declined": _l("Transfer declined"),
    "transfer_withdrawn": _l("Transfer withdrawn"),
    "imported": _l("Entered as active from a ledger"),
}

#: What each file state means, for the status badge's tooltip and accessible description.
STATUS_HELP = {
    FileStatus.APPLIED: _l("Registered by the caseworker, not yet submitted for review."),
    FileStatus.INITIAL_REVIEW: _l("Submitted: the station supervisor makes the initial review."),
    FileStatus.HOME_VISIT: _l("Passed initial review: a home visit is due before final review."),
    FileStatus.FINAL_REVIEW: _l("Visited: the supervisor decides whether it goes on record."),
    FileStatus.PUBLIC_NOTICE: _l("Approved and posted publicly; on record when the notice ends."),
    FileStatus.ACTIVE: _l("On record: the household may be given aid."),
    FileStatus.RETURNED: _l("Sent back to the caseworker to correct or complete."),
    FileStatus.REJECTED: _l("Not accepted; the reason is in the file's history."),
    FileStatus.EXITED: _l("The household has left hardship; the file is kept."),
    FileStatus.CANCELLED: _l("Cancelled; the file is kept for the record."),
}

TRANSFER_STATUS_HELP = {
    TransferStatus.PENDING: _l("Requested: the receiving centre has not yet accepted it."),
    TransferStatus.ACCEPTED: _l("The receiving centre holds the file now."),
    TransferStatus.DECLINED: _l("The receiving centre declined; the file stayed where it was."),
    TransferStatus.WITHDRAWN: _l("The sending centre withdrew the request."),
}
