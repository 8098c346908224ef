"""Panels other domains add to a record's page (e.g. a file's latest civil-affairs check).

A provider `fn(record, user) -> Markup | None` is registered per record kind; the page's
template calls `record_panels(kind, record)` and prints what the providers return, so the
domain that owns the page does not import the domains above it.
"""

from collections.abc import Callable

_PANELS: dict[str, list[Callable]] = {}


def register_panel(kind: str, provider: Callable) -> None:
    providers = _PANELS.setdefault(kind, [])
    if provider not in providers:
        providers.append(provider)


def record_panels(kind: str, record) -> list:
    from flask_login import current_user

    out = []
    for provider in _PANELS.get(kind, []):
        panel = provider(record, current_user)
        if panel:
            out.append(panel)
    return out
