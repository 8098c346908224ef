"""The top bar (issue 17): every link sits in a group, each line of work is one menu whose
toggle is a button, and the page being shown is marked in its menu."""

import re

import pytest

from assist.core.nav import ACCOUNT, GROUPS, LINK, nav_registry, register_nav
from tests.conftest import login


def test_every_nav_entry_has_a_known_group(app):
    items = nav_registry()
    assert len(items) >= 15
    missing = [item.endpoint for item in items if item.group not in GROUPS]
    assert missing == []
    # The bar itself keeps only the to-do list with its count; the rest are in menus.
    assert [item.endpoint for item in items if item.group == LINK] == ["inbox.index"]
    assert [item.endpoint for item in items if item.group == ACCOUNT] == ["help.index"]


def test_unknown_group_is_refused(app):
    with pytest.raises(ValueError, match="unknown group"):
        register_nav("x", "home.index", group="nowhere")


def _bar(html: str) -> str:
    return html[html.index('<nav class="navbar') : html.index("</nav>")]


@pytest.mark.parametrize("username", ["sz.admin", "sz-gs-pj.caseworker", "sz-gs-pj.finance"])
def test_links_are_in_menus_with_button_toggles(network, client, username):
    login(client, username)
    bar = _bar(client.get("/").get_data(as_text=True))
    toggles = re.findall(r"<(\w+) class=\"nav-link dropdown-toggle[^>]*>", bar)
    assert toggles and set(toggles) == {"button"}
    assert all(
        'aria-expanded="false"' in t and 'type="button"' in t
        for t in re.findall(r"<button class=\"nav-link dropdown-toggle[^>]*>", bar)
    )
    # Links shown directly in the bar: at most the to-do list and one-link groups.
    direct = re.findall(r'<a class="nav-link[^"]*"[^>]*href="([^"]+)"', bar)
    assert len(direct) <= 3, direct
    assert len(toggles) <= 5


def test_current_page_is_marked_in_its_menu(network, client):
    login(client, "sz-gs-pj.caseworker")
    bar = _bar(client.get("/files/").get_data(as_text=True))
    assert re.search(r'class="dropdown-item active" aria-current="page" href="/files/"', bar)
    assert re.search(r'<button class="nav-link dropdown-toggle active"[^>]*>困难帮扶<', bar)
    assert bar.count('aria-current="page"') == 1


def test_outreach_menu_holds_campaigns_and_pairings(network, client):
    login(client, "sz-gs-pj.caseworker")
    bar = _bar(client.get("/").get_data(as_text=True))
    menu = bar[bar.index(">送温暖·结对<") :]
    menu = menu[: menu.index("</ul>")]
    assert 'href="/campaigns/"' in menu and 'href="/pairings/"' in menu


def test_the_old_funds_group_lands_in_hardship_relief(app):
    register_nav("x", "funds.index", group="funds")  # already registered: changes nothing
    assert {item.group for item in nav_registry() if item.endpoint.startswith("funds.")} == {
        "relief"
    }
