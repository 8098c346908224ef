"""Markup that list pages repeat on every row, written in Python instead of Jinja macros.

A Jinja macro call costs tens of microseconds (argument binding, a new frame, its own output
buffer); a 50-row list called 150–250 of them per page (a state badge, a category badge, two
amounts per row), which was a large part of rendering one. The templates keep their names:
`macros.html` and each domain's `_macros.html` export these functions under the macro names
(`{% set state_badge = state_badge_html %}`), so `{% from … import state_badge %}` is
unchanged. Each function writes the same markup the macro wrote and escapes what it is given.
"""

from flask_babel.speaklater import LazyString
from markupsafe import Markup, escape

from assist.core.money import format_yuan

DASH = Markup('<span class="text-muted">—</span>')


def as_text(value):
    """A lazy message translated once: escaping one asks it for `__html__` (translating it to
    look) and then for its text (translating it again)."""
    return str(value) if isinstance(value, LazyString) else value


def state_badge(label, help=None, tone="secondary", status=None, testid=None, cls="") -> Markup:
    """A state as a coloured badge; `help` becomes its title and a hidden description."""
    from assist.core.web import next_dom_id

    # Markup's % escapes every argument that is not Markup already (and is several times
    # faster than Markup.format, which goes through string.Formatter in Python).
    attrs = Markup("")
    if status:
        attrs += Markup(' data-status="%s"') % status
    if testid:
        attrs += Markup(' data-testid="%s"') % testid
    extra = f" {cls}" if cls else ""
    label = as_text(label)
    if not help:
        return Markup('<span class="badge text-bg-%s%s"%s>%s</span>') % (tone, extra, attrs, label)
    hid = next_dom_id("state-help")
    help = as_text(help)
    return Markup(
        '<span class="badge text-bg-%s%s"%s title="%s" aria-describedby="%s">%s</span>'
        '<span id="%s" hidden>%s</span>'
    ) % (tone, extra, attrs, help, hid, label, hid, help)


def money(fen, blank_zero: bool = False) -> Markup:
    """An amount in yuan (no sign), or a dash for none (and for zero with `blank_zero`)."""
    if fen is None or (blank_zero and fen == 0):
        return DASH
    return escape(format_yuan(fen))


def yuan_or_dash(fen) -> Markup:
    """An amount with the ¥ sign, or a dash for none."""
    if fen is None:
        return DASH
    return Markup("¥") + escape(format_yuan(fen))


def init_app(app) -> None:
    app.jinja_env.globals.update(
        state_badge_html=state_badge, money_html=money, yuan_or_dash_html=yuan_or_dash
    )
