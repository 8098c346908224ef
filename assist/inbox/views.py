"""我的待办: the one inbox, its cards on the landing page and its count in the navigation."""

from flask import Blueprint, abort, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from assist.auth.models import Role
from assist.core.money import format_yuan
from assist.core.nav import Card, register_card, register_nav
from assist.inbox import registry

bp = Blueprint("inbox", __name__, url_prefix="/inbox")


def _has_sources(user) -> bool:
    return bool(registry.sources_for(user))


def _badge(user):
    """The to-do count beside the link: "99+" past the cap (the sections' counts stop there,
    so a larger sum of them says only "more than 99")."""
    if not _has_sources(user):
        return None
    count = registry.badge_count(user)
    return f"{registry.COUNT_CAP}+" if count > registry.COUNT_CAP else count


@bp.before_app_request
def _forget_badge_on_change():
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        registry.forget_badge()


register_nav(
    _l("My to-do"),
    "inbox.index",
    roles=(Role.CASEWORKER, Role.SUPERVISOR, Role.FINANCE),
    order=5,
    group="link",
    badge=_badge,
)


@bp.route("/")
@login_required
def index():
    key = request.args.get("kind") or None
    if key is not None and key not in {s.key for s in registry.sources_for(current_user)}:
        abort(404)
    sections = registry.sections(current_user, key)
    return render_template("inbox/index.html", sections=sections, kind=key)


def _inbox_cards(user) -> list[Card]:
    """One card per kind of waiting work; each counts exactly what its link lists."""
    cards = []
    for section in registry.sections(user, with_rows=False):
        fig = section.figures
        note = ""
        if fig.amount_fen:
            note = "¥" + format_yuan(fig.amount_fen)
        if fig.oldest_days is not None:
            note += (" · " if note else "") + _("oldest %(n)d days", n=fig.oldest_days)
        cards.append(
            Card(
                str(section.source.title),
                fig.label,
                url_for("inbox.index", kind=section.source.key),
                note=note,
                tone="warning" if fig.count else "primary",
            )
        )
    return cards


register_card(_inbox_cards, order=5)
