"""The inbox registry: a domain registers a source of work waiting for a user.

A source is one scoped SELECT yielding ``(record, since, amount_fen)`` rows, oldest first,
and a function turning such a row into an :class:`InboxRow`. The inbox page, the landing
page's cards and the count in the navigation all read the same SELECT, so a card counts
exactly what its link opens. Counts stop at ``COUNT_CAP``: a section costs one bounded
query however many records wait.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import g
from sqlalchemy import Select, func, select

from assist.core.timeutil import utcnow
from assist.extensions import db

COUNT_CAP = 999
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


def figures(user, src: InboxSource) -> Figures:
    """Count (up to COUNT_CAP), total amount and oldest wait of one source, in one query."""
    cache = g.setdefault("inbox_figures", {})
    key = (user.id, src.key)
    if key not in cache:
        sub = src.query(user).order_by(None).limit(COUNT_CAP + 1).subquery()
        cols = list(sub.c)
        since, amount = cols[-2], cols[-1]
        n, total, oldest = db.session.execute(
            select(func.count(), func.coalesce(func.sum(amount), 0), func.min(since)).select_from(
                sub
            )
        ).one()
        cache[key] = Figures(min(n, COUNT_CAP), n > COUNT_CAP, int(total or 0), oldest)
    return cache[key]


def rows(user, src: InboxSource, limit: int = ROWS_PER_SECTION) -> list[InboxRow]:
    result = db.session.execute(src.query(user).limit(limit))
    return [src.row(record, since, amount) for record, since, amount in result]


def sections(user, key: str | None = None, *, with_rows: bool = True) -> list[Section]:
    out = []
    for src in sources_for(user):
        if key and src.key != key:
            continue
        out.append(Section(src, figures(user, src), rows(user, src) if with_rows else []))
    return out


def total_count(user) -> int:
    """What the navigation shows next to the inbox: the sum of the bounded counts."""
    return sum(figures(user, src).count for src in sources_for(user))
