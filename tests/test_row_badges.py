"""The row badges written in Python (assist.core.badges and each domain's badges.py) write
the markup the Jinja macros they replaced wrote, escaping included: each is compared with the
old macro's text, rendered by the app's own Jinja environment, over awkward inputs."""

import itertools

import pytest
from flask import g
from markupsafe import Markup

from assist.applicants import labels as file_labels
from assist.applicants.badges import category_badge, status_badge
from assist.core.badges import money, state_badge, yuan_or_dash
from assist.funds.badges import entry_badge

OLD_STATE_BADGE = """{% macro state_badge(label, help=None, tone='secondary', status=None, testid=None, cls='') -%}
{%- set hid = next_dom_id('state-help') if help else None -%}
<span class="badge text-bg-{{ tone }}{{ ' ' ~ cls if cls }}"{% if status %} data-status="{{ status }}"{% endif %}{% if testid %} data-testid="{{ testid }}"{% endif %}{% if help %} title="{{ help }}" aria-describedby="{{ hid }}"{% endif %}>{{ label }}</span>
{%- if help %}<span id="{{ hid }}" hidden>{{ help }}</span>{% endif -%}
{%- endmacro %}"""  # noqa: E501

OLD_OTHERS = """{% macro money(fen, blank_zero=False) -%}
{%- if fen is none or (blank_zero and fen == 0) -%}<span class="text-muted">—</span>{%- else -%}{{ fen|yuan }}{%- endif -%}
{%- endmacro %}
{% macro amount(fen) -%}
{% if fen is none %}<span class="text-muted">—</span>{% else %}¥{{ fen|yuan }}{% endif %}
{%- endmacro %}
{% macro category_badge(category, labels) -%}
{% if category %}<span class="badge rounded-pill border text-body cat-{{ category }}" data-category="{{ category }}">{{ labels.CATEGORY_LABELS.get(category, category) }}</span>{% else %}<span class="text-muted">—</span>{% endif %}
{%- endmacro %}"""  # noqa: E501

AWKWARD = ["已批准", "<b>\"x\"</b> & 'y'", "", None]


def _old(app, source):
    return app.jinja_env.from_string(source).module


def _same(app, old_call, new_call):
    """Both from the same count of the page's ids (the hidden description's id)."""
    with app.test_request_context("/"):
        g._dom_ids = 6
        old = str(old_call())
        g._dom_ids = 6
        new = new_call()
    assert isinstance(new, Markup)
    assert str(new) == old


@pytest.mark.parametrize(
    ("label", "help", "status", "cls"),
    list(itertools.product(AWKWARD[:2], AWKWARD, ["approved", None], ["", "ms-1"])),
)
def test_state_badge_writes_what_the_macro_wrote(app, label, help, status, cls):
    with app.test_request_context("/"):
        old = _old(app, OLD_STATE_BADGE)
    kwargs = {"status": status, "cls": cls, "testid": "badge<1>"}
    _same(
        app,
        lambda: old.state_badge(label, help, "warning", **kwargs),
        lambda: state_badge(label, help, "warning", **kwargs),
    )


@pytest.mark.parametrize("fen", [None, 0, 1, 123456789, -250])
def test_amounts_write_what_the_macros_wrote(app, fen):
    with app.test_request_context("/"):
        old = _old(app, OLD_OTHERS)
    _same(app, lambda: old.money(fen), lambda: money(fen))
    _same(app, lambda: old.money(fen, True), lambda: money(fen, True))
    _same(app, lambda: old.amount(fen), lambda: yuan_or_dash(fen))


@pytest.mark.parametrize("category", ["special", "<x>", "", None])
def test_category_badge_writes_what_the_macro_wrote(app, category):
    with app.test_request_context("/"):
        old = _old(app, OLD_OTHERS)
    _same(
        app,
        lambda: old.category_badge(category, file_labels),
        lambda: category_badge(category, file_labels),
    )


def test_domain_badges_escape_and_label(app):
    with app.test_request_context("/"):
        badge = str(status_badge("active", file_labels))
        assert 'data-status="active"' in badge and "aria-describedby=" in badge
        assert str(status_badge("<x>", file_labels)).count("&lt;x&gt;") == 2
        assert str(entry_badge("payment")).startswith('<span class="badge text-bg-success">')
        assert "&lt;" in str(entry_badge("<bad>"))
