"""Translated names for the funds enums, shared by views, exports, the roster and the API."""

from flask_babel import lazy_gettext as _l

from assist.cases.labels import STATUS_HELP
from assist.cases.models import AidKind, CaseStatus
from assist.funds.models import BatchStatus, EntryKind, FundSource, PaymentMethod, PaymentStatus

#: The money kinds of aid a fund may pay (the cases module has its own labels for its pages).
KIND_LABELS = {
    AidKind.LIVING: _l("Living relief"),
    AidKind.MEDICAL: _l("Medical aid"),
    AidKind.SCHOOLING: _l("Schooling aid"),
    AidKind.HOLIDAY: _l("Holiday warmth aid"),
    AidKind.TEMPORARY: _l("Temporary relief"),
    AidKind.MUTUAL_AID: _l("Mutual-aid claim"),
}

CASE_STATUS_LABELS = {
    CaseStatus.READY_TO_PAY: _l("ready to pay"),
    CaseStatus.PARTLY_PAID: _l("partly paid"),
    CaseStatus.PAID: _l("paid"),
    CaseStatus.CLOSED: _l("closed"),
}

SOURCE_LABELS = {
    FundSource.UNION_FUNDS: _l("Union funds"),
    FundSource.GOVERNMENT: _l("Government allocation"),
    FundSource.DONATIONS: _l("Donations"),
    FundSource.SPECIAL: _l("Special fund"),
    FundSource.MUTUAL_AID: _l("Mutual-aid fund"),
}

ENTRY_LABELS = {
    EntryKind.RECEIPT: _l("Funds received"),
    EntryKind.ALLOCATION_OUT: _l("Allocated down"),
    EntryKind.ALLOCATION_IN: _l("Allocation received"),
    EntryKind.RETURN_OUT: _l("Returned up"),
    EntryKind.RETURN_IN: _l("Return received"),
    EntryKind.PAYMENT: _l("Payment"),
    EntryKind.REVERSAL: _l("Reversal"),
    EntryKind.TRANSFER_OUT: _l("Transferred to another fund"),
    EntryKind.TRANSFER_IN: _l("Transfer from another fund"),
}

METHOD_LABELS = {
    PaymentMethod.BANK_TRANSFER: _l("Bank transfer"),
    PaymentMethod.CASH: _l("Cash"),
    PaymentMethod.IN_KIND: _l("Goods in kind"),
}

PAYMENT_STATUS_LABELS = {
    PaymentStatus.PAID: _l("paid"),
    PaymentStatus.REVERSED: _l("reversed"),
}

BATCH_STATUS_LABELS = {
    BatchStatus.DRAFT: _l("draft"),
    BatchStatus.PAID: _l("paid"),
    BatchStatus.CANCELLED: _l("cancelled"),
}


def label(mapping: dict, value) -> str:
    """The translated label for an enum value, or the raw value when unknown."""
    for key, text in mapping.items():
        if key == value:
            return str(text)
    return str(value or "")


#: What each state means, for the status badges' tooltips and accessible descriptions; a
#: case's states are explained once, by the cases module.
CASE_STATUS_HELP = {
    status: STATUS_HELP[status]
    for status in (
        CaseStatus.READY_TO_PAY,
        CaseStatus.PARTLY_PAID,
        CaseStatus.PAID,
        CaseStatus.CLOSED,
    )
}

PAYMENT_STATUS_HELP = {
    PaymentStatus.PAID: _l("Paid from the fund and entered in the ledger."),
    PaymentStatus.REVERSED: _l("Undone by a reversal entry: the money went back to the fund."),
}

BATCH_STATUS_HELP = {
    BatchStatus.DRAFT: _l("Being put together; nothing has been paid yet."),
    BatchStatus.PAID: _l("Every case in the batch has been paid, all at once."),
    BatchStatus.CANCELLED: _l("Cancelled before payment; nothing was paid."),
}
