"""A case's state badge and its applicant, as Python (see assist.core.badges: the case list
repeats them on every row). `templates/cases/_macros.html` exports them under the macro
names `status_badge` and `who`."""

from flask_babel import gettext as _
from markupsafe import Markup

from assist.cases.labels import STATUS_HELP, STATUS_LABELS, STATUS_TONES
from assist.core.badges import state_badge


def status_badge(status) -> Markup:
    return state_badge(
        STATUS_LABELS.get(status, ""),
        STATUS_HELP.get(status),
        STATUS_TONES.get(status, ""),
        status=status,
    )


def who(case) -> Markup:
    """The applicant's name and file number, or the person's name and "no file"."""
    if case.applicant:
        return Markup('%s <span class="text-muted small mono">%s</span>') % (
            case.applicant.name,
            case.applicant.file_no,
        )
    return Markup('%s <span class="badge text-bg-light">%s</span>') % (
        case.person_name,
        _("no file"),
    )


def init_app(app) -> None:
    app.jinja_env.globals.update(case_status_badge_html=status_badge, case_who_html=who)
