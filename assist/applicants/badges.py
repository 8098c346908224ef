"""A file's state and category as badges (see assist.core.badges: Python, not macros, because
the file list repeats them on every row). `templates/applicants/_macros.html` exports them
under the macro names `status_badge` and `category_badge`."""

from markupsafe import Markup

from assist.core.badges import DASH, as_text, state_badge


def status_badge(status, labels) -> Markup:
    return state_badge(
        labels.STATUS_LABELS.get(status, status),
        labels.STATUS_HELP.get(status),
        labels.STATUS_TONES.get(status, "secondary"),
        status=status,
    )


def category_badge(category, labels) -> Markup:
    if not category:
        return DASH
    return Markup(
        '<span class="badge rounded-pill border text-body cat-%s" data-category="%s">%s</span>'
    ) % (category, category, as_text(labels.CATEGORY_LABELS.get(category, category)))


def init_app(app) -> None:
    app.jinja_env.globals.update(
        file_status_badge_html=status_badge, file_category_badge_html=category_badge
    )
