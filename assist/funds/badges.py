"""A ledger row's kind as a badge, as Python (see assist.core.badges: the ledger repeats it on
every row). `templates/funds/_macros.html` exports it under the macro name `entry_badge`."""

from markupsafe import Markup

from assist.funds.labels import ENTRY_LABELS, label

ENTRY_TONES = {
    "receipt": "primary",
    "allocation_out": "secondary",
    "allocation_in": "info",
    "return_out": "secondary",
    "return_in": "info",
    "payment": "success",
    "reversal": "warning",
    "transfer_out": "secondary",
    "transfer_in": "info",
}


def entry_badge(kind) -> Markup:
    return Markup('<span class="badge text-bg-%s">%s</span>') % (
        ENTRY_TONES.get(kind, ""),
        label(ENTRY_LABELS, kind),
    )


def init_app(app) -> None:
    app.jinja_env.globals["ledger_entry_badge_html"] = entry_badge
