"""Translated names for the case enums, shared by views, API messages and templates."""

from flask_babel import lazy_gettext as _l

from assist.cases.models import AidKind, CaseStatus, ObjectionStatus, Occasion, SchoolLevel

KIND_LABELS = {
    AidKind.LIVING: _l("Living relief"),
    AidKind.MEDICAL: _l("Medical aid"),
    AidKind.SCHOOLING: _l("Schooling aid"),
    AidKind.HOLIDAY: _l("Holiday warmth aid"),
    AidKind.TEMPORARY: _l("Temporary relief"),
    AidKind.MUTUAL_AID: _l("Mutual-aid claim"),
    AidKind.LEGAL: _l("Legal aid"),
    AidKind.JOB: _l("Job aid"),
}

STATUS_LABELS = {
    CaseStatus.DRAFT: _l("draft"),
    CaseStatus.SUBMITTED: _l("waiting for approval"),
    CaseStatus.RETURNED: _l("returned for more information"),
    CaseStatus.APPROVED: _l("approved"),
    CaseStatus.REJECTED: _l("rejected"),
    CaseStatus.IN_NOTICE: _l("in public notice"),
    CaseStatus.ON_HOLD: _l("held by an objection"),
    CaseStatus.READY_TO_PAY: _l("ready to pay"),
    CaseStatus.PARTLY_PAID: _l("partly paid"),
    CaseStatus.PAID: _l("paid"),
    CaseStatus.CLOSED: _l("closed"),
    CaseStatus.WITHDRAWN: _l("withdrawn"),
}

STATUS_TONES = {
    CaseStatus.DRAFT: "secondary",
    CaseStatus.SUBMITTED: "primary",
    CaseStatus.RETURNED: "warning",
    CaseStatus.APPROVED: "success",
    CaseStatus.REJECTED: "danger",
    CaseStatus.IN_NOTICE: "info",
    CaseStatus.ON_HOLD: "danger",
    CaseStatus.READY_TO_PAY: "success",
    CaseStatus.PARTLY_PAID: "success",
    CaseStatus.PAID: "success",
    CaseStatus.CLOSED: "dark",
    CaseStatus.WITHDRAWN: "secondary",
}

ACTION_LABELS = {
    "create": _l("Opened"),
    "edit": _l("Changed"),
    "submit": _l("Submitted"),
    "recommend": _l("Recommended to the next tier"),
    "approve": _l("Approval granted"),
    "reject": _l("Rejected"),
    "return": _l("Returned for more information"),
    "withdraw": _l("Withdrawn"),
    "start_notice": _l("Public notice started"),
    "skip_notice": _l("Public notice skipped"),
    "end_notice": _l("Public notice ended"),
    "object": _l("Objection recorded"),
    "uphold_objection": _l("Objection upheld: back to review"),
    "dismiss_objection": _l("Objection dismissed"),
    "record_decision": _l("Collective decision recorded"),
    "pay": _l("Payment recorded"),
    "reverse_payment": _l("Payment reversed"),
    "close": _l("Closed"),
}

SCHOOL_LEVEL_LABELS = {
    SchoolLevel.UNIVERSITY: _l("University"),
    SchoolLevel.HIGH_SCHOOL: _l("High school"),
}

OCCASION_LABELS = {
    Occasion.SPRING_FESTIVAL: _l("Spring Festival"),
    Occasion.MID_AUTUMN: _l("Mid-Autumn Festival"),
    Occasion.OTHER: _l("Other holiday"),
}

OBJECTION_LABELS = {
    ObjectionStatus.OPEN: _l("open"),
    ObjectionStatus.UPHELD: _l("upheld"),
    ObjectionStatus.DISMISSED: _l("dismissed"),
}

#: What each case state means, for the status badge's tooltip and accessible description.
STATUS_HELP = {
    CaseStatus.DRAFT: _l("Being prepared by the caseworker; not submitted yet."),
    CaseStatus.SUBMITTED: _l("Submitted: waiting for the approving supervisor's decision."),
    CaseStatus.RETURNED: _l("Sent back to the caseworker for more information."),
    CaseStatus.APPROVED: _l("Approved; the service is to be given (no money is paid)."),
    CaseStatus.REJECTED: _l("Not approved; the reason is in the timeline."),
    CaseStatus.IN_NOTICE: _l("Approved and posted publicly; ready to pay when the notice ends."),
    CaseStatus.ON_HOLD: _l("An objection to the notice is open; nothing is paid until resolved."),
    CaseStatus.READY_TO_PAY: _l("Approved: finance pays the aid to the household."),
    CaseStatus.PARTLY_PAID: _l("Part of the approved amount has been paid; the rest is due."),
    CaseStatus.PAID: _l("The approved amount has been paid; the caseworker closes the case."),
    CaseStatus.CLOSED: _l("Finished; kept for the record."),
    CaseStatus.WITHDRAWN: _l("Withdrawn before a decision; kept for the record."),
}
