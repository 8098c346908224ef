"""Paging that costs the same on page 1 and page 5,000, with 100 rows or 10 million.

Counts stop at COUNT_CAP ("2,000+"), so a count never reads the whole table. Lists ordered by
their primary key page by keyset (`?after=<id>` / `?before=<id>`): a deep page reads only
its own rows instead of skipping all the rows before it as OFFSET does. Other lists page by
OFFSET up to MAX_PAGE.
"""

from dataclasses import dataclass, field

from flask import request
from sqlalchemy import Select, func, select

from assist.core.inputs import id_or_none
from assist.extensions import db

COUNT_CAP = 2_000
MAX_PAGE = 1_000


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int
    #: True when more than COUNT_CAP rows match: `total` is then COUNT_CAP, shown as "2,000+".
    is_capped: bool = False
    #: Query arguments of the previous and next pages (None when there is none).
    prev_args: dict | None = None
    next_args: dict | None = None
    extra: dict = field(default_factory=dict)

    @property
    def total_label(self) -> str:
        return f"{self.total:,}+" if self.is_capped else f"{self.total:,}"

    @property
    def pages(self) -> int | None:
        """The number of pages, or None when the count was capped."""
        if self.is_capped:
            return None
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.prev_args is not None

    @property
    def has_next(self) -> bool:
        return self.next_args is not None


def bounded_count(stmt: Select, cap: int = COUNT_CAP) -> tuple[int, bool]:
    """Count the rows of `stmt` up to `cap` + 1: cheap however many rows exist."""
    inner = stmt.order_by(None).limit(cap + 1).subquery()
    n = db.session.scalar(select(func.count()).select_from(inner)) or 0
    return min(n, cap), n > cap


class BoundedCount(int):
    """A count that stopped at a cap: prints as "2,000+" when there were more."""

    def __new__(cls, value: int, is_capped: bool = False):
        obj = super().__new__(cls, value)
        obj.is_capped = is_capped
        return obj

    def __str__(self) -> str:
        return f"{int(self):,}+" if self.is_capped else str(int(self))


def _int_arg(name: str) -> int | None:
    """A page number or key from a page's own links; anything else starts at the first page."""
    return id_or_none(request.args.get(name, ""))


def paginate(stmt: Select, *, per_page: int = 50, key=None) -> Page:
    """Run `stmt` for one page: a bounded count and one page query.

    With `key` (the primary-key column the list is ordered by, newest first), pages follow
    the key instead of an offset; `stmt` must then not be ordered already.
    """
    page = min(_int_arg("page") or 1, MAX_PAGE if key is None else 10**9)
    total, capped = bounded_count(stmt)
    args = {k: v for k, v in request.args.items() if k not in ("page", "after", "before")}
    if key is None:
        items = list(
            db.session.scalars(stmt.limit(per_page + 1).offset((page - 1) * per_page)).unique()
        )
        more = len(items) > per_page
        items = items[:per_page]
        return Page(
            items,
            page,
            per_page,
            total,
            capped,
            prev_args=dict(args, page=page - 1) if page > 1 else None,
            next_args=dict(args, page=page + 1) if more and page < MAX_PAGE else None,
        )
    after, before = _int_arg("after"), _int_arg("before")
    if before is not None:
        rows = list(
            db.session.scalars(
                stmt.where(key > before).order_by(key.asc()).limit(per_page + 1)
            ).unique()
        )
        more_before = len(rows) > per_page
        items = list(reversed(rows[:per_page]))
        more_after = True
    else:
        if after is not None:
            stmt = stmt.where(key < after)
        rows = list(db.session.scalars(stmt.order_by(key.desc()).limit(per_page + 1)).unique())
        more_after = len(rows) > per_page
        items = rows[:per_page]
        more_before = after is not None
    page = max(page, 2) if more_before else 1
    ident = key.key
    prev_args = None
    if more_before and items:
        prev_args = (
            dict(args) if page <= 2 else dict(args, before=getattr(items[0], ident), page=page - 1)
        )
    next_args = (
        dict(args, after=getattr(items[-1], ident), page=page + 1) if more_after and items else None
    )
    return Page(items, page, per_page, total, capped, prev_args=prev_args, next_args=next_args)
