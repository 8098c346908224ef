"""The navigation bar and the landing page's cards, to which each domain adds its own."""

from collections.abc import Callable
from dataclasses import dataclass, field

from flask import url_for
from flask_login import current_user


@dataclass(frozen=True)
class NavItem:
    label: object
    endpoint: str
    roles: tuple = ()
    order: int = 50


_NAV: list[NavItem] = []
_CARDS: list[tuple[int, Callable]] = []


def register_nav(label, endpoint: str, *, roles=(), order: int = 50) -> None:
    """Show a link in the top bar to users holding any of `roles` (everyone when empty)."""
    if all(item.endpoint != endpoint for item in _NAV):
        _NAV.append(NavItem(label, endpoint, tuple(roles), order))
        _NAV.sort(key=lambda item: item.order)


def nav_items() -> list[tuple[str, str, bool]]:
    """Return (label, url, is_current) for the links the signed-in user may follow."""
    if not current_user.is_authenticated:
        return []
    from flask import request

    out = []
    for item in _NAV:
        if item.roles and not current_user.has_role(*item.roles):
            continue
        url = url_for(item.endpoint)
        out.append((str(item.label), url, request.path.startswith(url) and url != "/"))
    return out


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
