"""Search providers: a domain turns what was typed into a few records within the user's scope.

A provider is ``fn(user, q) -> list[Hit]`` for the holders of some roles; it returns at most
``LIMIT`` hits and runs bounded, indexed queries only.
"""

from collections.abc import Callable
from dataclasses import dataclass

LIMIT = 20


@dataclass
class Hit:
    kind: str
    record: str
    title: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class Provider:
    key: str
    roles: tuple
    search: Callable
    order: int = 50


_PROVIDERS: list[Provider] = []


def register_provider(provider: Provider) -> None:
    if all(p.key != provider.key for p in _PROVIDERS):
        _PROVIDERS.append(provider)
        _PROVIDERS.sort(key=lambda p: (p.order, p.key))


def providers_for(user) -> list[Provider]:
    return [p for p in _PROVIDERS if user.has_role(*p.roles)]


def search(user, q: str) -> list[Hit]:
    q = (q or "").strip()[:60]
    if not q or "\x00" in q:
        return []
    hits: list[Hit] = []
    for provider in providers_for(user):
        hits.extend(provider.search(user, q)[:LIMIT])
    return hits


def init_app(app) -> None:
    """Let the top bar know whether to draw the search box for the signed-in user."""
    from flask_login import current_user

    app.jinja_env.globals["can_search"] = lambda: bool(
        current_user.is_authenticated and providers_for(current_user)
    )
