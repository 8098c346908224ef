"""The top bar at 1366 px (issue 17): one row for every role in both languages, each link
reached from the keyboard through its menu, and the hamburger at a phone's width."""

import os

import pytest
from sqlalchemy import select

from assist.auth.models import User
from assist.core.nav import ACCOUNT, nav_registry
from assist.extensions import db
from tests.a11y.conftest import ROLE_USERS, set_language, sign_in_as
from tests.a11y.test_keyboard import _assert_focus_visible

SHOTS = os.environ.get("ASSIST_SHOTS", "")
ONE_ROW = 70  # px: the bar's padding and one line of controls (two rows measure ~110)


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"))


def _expected_links(demo_site, role: str) -> dict[str, set[str]]:
    """The registered links the role may follow: the bar's own, and the account menu's."""
    app = demo_site.app
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == ROLE_USERS[role]))
        with app.test_request_context():
            from flask import url_for

            out = {"bar": set(), "account": set()}
            for item in nav_registry():
                if item.roles and not user.has_role(*item.roles):
                    continue
                out["account" if item.group == ACCOUNT else "bar"].add(url_for(item.endpoint))
        db.session.remove()
    return out


def _open_by_keyboard(page, toggle) -> list[str]:
    """Open a menu from the keyboard and walk it with the arrow keys: the links reached."""
    toggle.focus()
    page.keyboard.press("Enter")
    assert toggle.get_attribute("aria-expanded") == "true"
    menu = toggle.locator("xpath=following-sibling::ul[contains(@class,'dropdown-menu')]")
    count = menu.locator("a.dropdown-item").count()
    reached = []
    for _ in range(count):
        page.keyboard.press("ArrowDown")
        _assert_focus_visible(page, "menu item")
        reached.append(page.evaluate("document.activeElement.getAttribute('href')"))
    page.keyboard.press("Escape")
    assert toggle.get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement.getAttribute('aria-expanded')") == "false"
    _assert_focus_visible(page, "menu toggle")
    return [href for href in reached if href]


@pytest.mark.parametrize("language", ["zh_Hans", "en"])
@pytest.mark.parametrize("role", ["admin", "caseworker", "finance", "supervisor", "auditor"])
def test_top_bar_is_one_row_and_every_link_is_reachable(browser, demo_site, role, language):
    page = sign_in_as(browser, demo_site, role, width=1366, height=768)
    try:
        set_language(page, language)
        page.goto("/")
        bar = page.locator("nav.navbar")
        box = bar.bounding_box()
        assert box["height"] < ONE_ROW, (role, language, box)
        # Nothing runs past the screen's edge either.
        assert bar.evaluate("n => n.scrollWidth <= n.clientWidth + 1"), (role, language)
        _shot(page, f"bar-1366-{role}-{language}")

        expected = _expected_links(demo_site, role)
        direct = set(
            bar.locator("#nav > ul > li > a.nav-link").evaluate_all(
                "links => links.map(a => a.getAttribute('href'))"
            )
        )
        in_menus = set()
        toggles = bar.locator("#nav > ul button.dropdown-toggle")
        assert toggles.count() >= 2
        for i in range(toggles.count()):
            in_menus.update(_open_by_keyboard(page, toggles.nth(i)))
        assert expected["bar"] <= direct | in_menus, expected["bar"] - (direct | in_menus)
        assert direct | in_menus <= expected["bar"]
        account = _open_by_keyboard(page, page.get_by_test_id("whoami"))
        assert expected["account"] <= set(account)
        if role == "admin" and language == "zh_Hans":
            toggles.first.click()
            _shot(page, "bar-1366-admin-menu-open")
            page.keyboard.press("Escape")
    finally:
        set_language(page, "zh_Hans")
        page.context.close()


def test_top_bar_folds_at_a_phone_width(browser, demo_site):
    page = sign_in_as(browser, demo_site, "admin", width=390, height=844)
    try:
        page.goto("/")
        toggler = page.locator("button.navbar-toggler")
        assert toggler.is_visible()
        assert not page.locator("#nav").is_visible()
        _shot(page, "bar-390-closed")
        toggler.click()
        page.locator("#nav.show").wait_for()
        assert toggler.get_attribute("aria-expanded") == "true"
        menu = page.locator("#nav button.dropdown-toggle").first
        menu.click()
        assert menu.get_attribute("aria-expanded") == "true"
        assert menu.locator("xpath=following-sibling::ul").locator("a").first.is_visible()
        _shot(page, "bar-390-open")
        # The open bar keeps to the screen: no sideways scrolling.
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
    finally:
        page.context.close()
