"""The navigation bar and the landing page's cards, to which each domain adds its own."""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

from flask import url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    label: object
    endpoint: str
    roles: tuple = ()
    order: int = 50
    group: str | None = None
    #: ``badge(user)`` → a number shown beside the link (0 or None: nothing shown).
    badge: Callable | None = None
    #: ``when(user)`` → False hides the link from a holder of the roles (a narrower rule).
    when: Callable | None = None


#: Where a link sits in the top bar: key → (label, order). Each line of work is a drop-down
#: menu, so the bar keeps to one row however many areas a role may open (issue 17). Two keys
#: are not menus: LINK stays a link in the bar itself (the to-do list with its count) and
#: ACCOUNT goes into the account menu beside the user's name.
LINK = "link"
ACCOUNT = "account"
GROUPS = {
    LINK: (None, 0),
    "relief": (_l("Hardship relief"), 10),
    "mutual_aid": (_l("Mutual aid"), 38),
    "outreach": (_l("Outreach"), 40),
    "figures": (_l("Figures & exchange"), 70),
    "admin": (_l("Administration"), 85),
    ACCOUNT: (None, 99),
}
#: Earlier group names still met in branches: the funds menu became part of hardship relief.
_RENAMED = {"funds": "relief"}

_NAV: list[NavItem] = []
_CARDS: list[tuple[int, Callable]] = []


def register_nav(
    label,
    endpoint: str,
    *,
    roles=(),
    order: int = 50,
    group: str | None = None,
    badge: Callable | None = None,
    when: Callable | None = None,
) -> None:
    """Show a link in the top bar's `group` (one of GROUPS) to holders of any of `roles`."""
    group = _RENAMED.get(group, group)
    if group is not None and group not in GROUPS:
        raise ValueError(f"register_nav({endpoint!r}): unknown group {group!r}")
    if all(item.endpoint != endpoint for item in _NAV):
        _NAV.append(NavItem(label, endpoint, tuple(roles), order, group, badge, when))
        _NAV.sort(key=lambda item: item.order)


@dataclass
class NavEntry:
    label: str
    url: str = ""
    is_current: bool = False
    children: list = field(default_factory=list)
    badge: object = None


def nav_registry() -> list[NavItem]:
    """Every registered link, in order (for tests and the help page)."""
    return list(_NAV)


def nav_items(group: str | None = None) -> list[NavEntry]:
    """Return the top-bar entries (links, or menus of links) the signed-in user may follow.

    With `group`, only that group's links (the account menu's, say); without, the bar itself,
    the ACCOUNT links left out. A menu of one link is shown as that link: no click for nothing.
    Both are built in one pass, once per request (every page asks for both).
    """
    if not current_user.is_authenticated:
        return []
    from flask import g

    built = g.get("_nav_items")
    if built is None:
        built = g._nav_items = _build_nav(current_user._get_current_object())
    return built[1] if group == ACCOUNT else built[0]


@lru_cache(maxsize=512)
def _link(endpoint: str, script_root: str) -> str:
    """A bar link's address: the same on every request under one mount point, so built once
    (building each of the bar's links took a third of the bar's time on every page)."""
    return url_for(endpoint)


def _build_nav(user) -> tuple[list[NavEntry], list[NavEntry]]:
    from flask import request

    path = request.path
    bar: list[tuple[int, NavEntry]] = []
    account: list[tuple[int, NavEntry]] = []
    menus: dict[str, NavEntry] = {}
    for item in _NAV:
        if item.roles and not user.has_role(*item.roles):
            continue
        if item.when is not None and not item.when(user):
            continue
        url = _link(item.endpoint, request.script_root)
        link = NavEntry(str(item.label), url, path.startswith(url) and url != "/")
        if item.badge is not None:
            link.badge = item.badge(user) or None
        if item.group == ACCOUNT:
            account.append((item.order, link))
            continue
        if item.group in (None, LINK):
            bar.append((item.order, link))
            continue
        if item.group not in menus:
            label, order = GROUPS[item.group]
            menus[item.group] = NavEntry(str(label))
            bar.append((order, menus[item.group]))
        menus[item.group].children.append(link)
        menus[item.group].is_current |= link.is_current

    def ordered(entries):
        out = [entry for _, entry in sorted(entries, key=lambda pair: pair[0])]
        return [entry.children[0] if len(entry.children) == 1 else entry for entry in out]

    return ordered(bar), ordered(account)


@dataclass
class Card:
    """One figure on the landing page: what the user can act on now."""

    title: str
    value: str
    url: str | None = None
    note: str = ""
    tone: str = "primary"
    items: list = field(default_factory=list)


def register_card(provider: Callable, *, order: int = 50) -> None:
    """Add a provider `fn(user) -> list[Card]` to the landing page."""
    if provider not in [p for _, p in _CARDS]:
        _CARDS.append((order, provider))
        _CARDS.sort(key=lambda pair: pair[0])


def cards_for(user) -> list[Card]:
    out: list[Card] = []
    for _, provider in _CARDS:
        out.extend(provider(user))
    return out
