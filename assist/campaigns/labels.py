"""Display names of the campaign domain's values."""

from flask_babel import lazy_gettext as _l

from assist.campaigns.models import (
    CampaignKind,
    CampaignOccasion,
    CampaignStatus,
    EntryStatus,
    ListStatus,
    SampleResult,
)
from assist.pairings.models import ContactMode, HelperKind

KIND_LABELS = {
    CampaignKind.WARMTH: _l("Send-warmth campaign"),
    CampaignKind.SCREENING: _l("Women workers' health screening"),
}
OCCASION_LABELS = {
    CampaignOccasion.SPRING_FESTIVAL: _l("Spring Festival"),
    CampaignOccasion.MID_AUTUMN: _l("Mid-Autumn"),
    CampaignOccasion.SUMMER_HEAT: _l("Summer heat relief"),
    CampaignOccasion.SCHOOL_START: _l("School start"),
    CampaignOccasion.HEALTH: _l("Health screening"),
    CampaignOccasion.OTHER: _l("Other occasion"),
}
CAMPAIGN_STATUS_LABELS = {CampaignStatus.OPEN: _l("Under way"), CampaignStatus.CLOSED: _l("Ended")}
LIST_STATUS_LABELS = {
    ListStatus.DRAFT: _l("Being drawn up"),
    ListStatus.SUBMITTED: _l("Waiting for approval"),
    ListStatus.RETURNED: _l("Returned"),
    ListStatus.APPROVED: _l("Approved (frozen)"),
    ListStatus.PUBLISHED: _l("Publicly posted"),
}
ENTRY_STATUS_LABELS = {
    EntryStatus.CANDIDATE: _l("Candidate"),
    EntryStatus.LISTED: _l("Listed"),
    EntryStatus.REMOVED: _l("Removed"),
}
RESULT_LABELS = {
    SampleResult.PENDING: _l("Not yet contacted"),
    SampleResult.RECEIVED: _l("Aid received"),
    SampleResult.NOT_RECEIVED: _l("Not received"),
    SampleResult.PROBLEMS: _l("Received, with problems"),
    SampleResult.UNREACHABLE: _l("Unreachable"),
}
DRAW_LABELS = {
    "queued": _l("queued"),
    "running": _l("running"),
    "done": _l("done"),
    "failed": _l("failed"),
}
HELPER_LABELS = {
    HelperKind.CADRE: _l("Union cadre (user)"),
    HelperKind.PERSON: _l("Person"),
    HelperKind.ENTERPRISE: _l("Enterprise"),
}
MODE_LABELS = {ContactMode.VISIT: _l("Visit"), ContactMode.CALL: _l("Call")}


def label(table: dict, value) -> str:
    try:
        return str(table[value])
    except KeyError:
        return str(value or "")


#: What each list state means, for the status badge's tooltip and accessible description.
LIST_STATUS_HELP = {
    ListStatus.DRAFT: _l("The centre is drawing up the list; households may be added or removed."),
    ListStatus.SUBMITTED: _l("Submitted: the supervisor approves or returns it."),
    ListStatus.RETURNED: _l("Sent back to the centre to correct."),
    ListStatus.APPROVED: _l("Approved and frozen: visits and payments follow this list."),
    ListStatus.PUBLISHED: _l("Approved and posted publicly."),
}
