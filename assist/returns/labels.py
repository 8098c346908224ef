"""Translated names and explanations for the returns' states, for badges and their tooltips."""

from flask_babel import lazy_gettext as _l

#: A version's status (the centre's own return).
VERSION_HELP = {
    "draft": _l("Compiled from the records, not signed: it may be compiled again."),
    "signed": _l("Signed and frozen: figures, time, signer and a hash are kept."),
    "reopened": _l("Reopened by the centre above: a new version is due."),
}

#: A lower centre's state in the parent's overview.
CHILD_STATE_HELP = {
    "signed": _l("The lower centre has signed its return; it is counted."),
    "reopened": _l("Sent back to the lower centre to compile and sign again."),
    "late": _l("Past the deadline and not yet signed."),
    "unsigned": _l("Compiled but not signed: its figures are not final."),
}
