"""The inbox registry: a domain registers a source of work waiting for a user.

A source is one scoped SELECT yielding ``(record, since, amount_fen)`` rows, oldest first,
and a function turning such a row into an :class:`InboxRow`. The inbox page, the landing
page's cards and the count in the navigation all read the same SELECT, so a card counts
exactly what its link opens. Counts stop at ``COUNT_CAP``: a section costs one bounded
query however many records wait.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import current_app, g, session
from sqlalchemy import Select, func, literal, select, union_all

from assist.core.pagination import fixed_limit
from assist.core.timeutil import utcnow
from assist.extensions import db

#: A section's count stops here ("99+", as mail and chat badges do). Each source reads at most
#: COUNT_CAP + 1 of its rows per count; with 999 the landing page's two "public notice ended"
#: sections read 1,000 files each at 100,000 files (21 ms of its 30), with 99 about 2 ms.
COUNT_CAP = 99
ROWS_PER_SECTION = 100


@dataclass
class InboxRow:
    """One piece of work: the record, whose it is, how long it has waited, the amount."""

    record: str
    url: str
    household: str = ""
    what: str = ""
    centre: str = ""
    since: datetime | None = None
    amount_fen: int | None = None
    note: str = ""

    @property
    def age_days(self) -> int | None:
        return age_days(self.since)


@dataclass(frozen=True)
class InboxSource:
    key: str
    title: object
    group: object
    roles: tuple
    #: ``query(user)`` → a scoped SELECT of (record, since, amount_fen), oldest first.
    query: Callable[..., Select]
    #: ``row(record, since, amount_fen)`` → InboxRow.
    row: Callable[..., InboxRow]
    order: int = 50
    #: Shown in the section's heading: what the user does with these records.
    hint: object = ""


@dataclass
class Figures:
    count: int
    is_capped: bool
    amount_fen: int
    oldest_at: datetime | None

    @property
    def oldest_days(self) -> int | None:
        return age_days(self.oldest_at)

    @property
    def label(self) -> str:
        return f"{self.count}+" if self.is_capped else str(self.count)


@dataclass
class Section:
    source: InboxSource
    figures: Figures
    rows: list = field(default_factory=list)


_SOURCES: list[InboxSource] = []


def register_source(source: InboxSource) -> None:
    """Add a source of waiting work (idempotent by key)."""
    if all(s.key != source.key for s in _SOURCES):
        _SOURCES.append(source)
        _SOURCES.sort(key=lambda s: (s.order, s.key))


def sources_for(user) -> list[InboxSource]:
    return [s for s in _SOURCES if user.has_role(*s.roles)]


def source(key: str) -> InboxSource | None:
    return next((s for s in _SOURCES if s.key == key), None)


def age_days(moment: datetime | None) -> int | None:
    if moment is None:
        return None
    return max((utcnow() - moment).days, 0)


def _figures_select(user, src: InboxSource, position: int) -> Select:
    """(position, count up to COUNT_CAP + 1, total amount, oldest wait) of one source.

    Only the source's `since` and amount columns are kept in the bounded subquery: the
    record's own columns (an aid case has dozens) would cost a column proxy each to build
    and nothing to count. The FROM and WHERE stay the source's, so the rows are its rows.
    """
    stmt = src.query(user)
    since, amount = list(stmt.selected_columns)[-2:]
    sub = (
        stmt.with_only_columns(since, amount, maintain_column_froms=True)
        .order_by(None)
        .limit(fixed_limit(COUNT_CAP + 1))
        .subquery()
    )
    since, amount = list(sub.c)
    return select(
        literal(position),
        func.count(),
        func.coalesce(func.sum(amount), 0),
        func.min(since),
    ).select_from(sub)


def prefetch(user, srcs: list[InboxSource]) -> None:
    """Count every source of `srcs` not yet counted in this request, in one statement."""
    cache = g.setdefault("inbox_figures", {})
    todo = [src for src in srcs if (user.id, src.key) not in cache]
    if not todo:
        return
    parts = [_figures_select(user, src, n) for n, src in enumerate(todo)]
    stmt = parts[0] if len(parts) == 1 else union_all(*parts)
    for position, n, total, oldest in db.session.execute(stmt).all():
        cache[(user.id, todo[position].key)] = Figures(
            min(n, COUNT_CAP), n > COUNT_CAP, int(total or 0), oldest
        )


def figures(user, src: InboxSource) -> Figures:
    """Count (up to COUNT_CAP), total amount and oldest wait of one source, in one query."""
    prefetch(user, [src])
    return g.inbox_figures[(user.id, src.key)]


def rows(user, src: InboxSource, limit: int = ROWS_PER_SECTION) -> list[InboxRow]:
    result = db.session.execute(src.query(user).limit(fixed_limit(limit)))
    return [src.row(record, since, amount) for record, since, amount in result]


def sections(user, key: str | None = None, *, with_rows: bool = True) -> list[Section]:
    out = []
    wanted = [src for src in sources_for(user) if not key or src.key == key]
    prefetch(user, wanted)
    for src in wanted:
        out.append(Section(src, figures(user, src), rows(user, src) if with_rows else []))
    return out


def total_count(user) -> int:
    """What the navigation shows next to the inbox: the sum of the bounded counts."""
    prefetch(user, sources_for(user))
    return sum(figures(user, src).count for src in sources_for(user))


BADGE_KEY = "inbox_badge"


def badge_count(user) -> int:
    """The navigation's count on any page, counted at most every `INBOX_BADGE_SECONDS`.

    Counting every source is the costliest statement of an ordinary page, and every signed-in
    page shows the count. So the total is kept in the user's session with the moment it was
    counted and reused until it is older than the setting. It is counted afresh whenever this
    request counts every source anyway (the landing page's cards, the inbox), and the next page
    counts afresh after any change the user makes (`forget_badge`, on every POST). Work that
    others send to the user shows within the setting's seconds, or at once on the landing page
    and the inbox. `INBOX_BADGE_SECONDS = 0` counts on every page.
    """
    srcs = sources_for(user)
    counted = g.get("inbox_figures", {})
    ttl = current_app.config.get("INBOX_BADGE_SECONDS", 60)
    now = time.time()
    if not all((user.id, src.key) in counted for src in srcs):
        kept = session.get(BADGE_KEY)
        if ttl > 0 and isinstance(kept, list) and len(kept) == 3 and kept[0] == user.id:
            if 0 <= now - kept[2] < ttl:
                return int(kept[1])
    total = total_count(user)
    if ttl > 0:
        session[BADGE_KEY] = [user.id, total, now]
    return total


def forget_badge() -> None:
    """The user changes something (any POST, PUT, PATCH, DELETE): count afresh next page."""
    if BADGE_KEY in session:  # an API request without the kept count leaves the session alone
        session.pop(BADGE_KEY)
