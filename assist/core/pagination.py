"""Paging that costs the same on page 1 and page 5,000, with 100 rows or 10 million.

Counts stop at COUNT_CAP ("2,000+"), so a count never reads the whole table. Every list pages
by keyset (`?after=<id>` / `?before=<id>`): a page starts after (or ends before) one row in the
list's order, so a deep page reads only its own rows instead of skipping all the rows before
it as OFFSET does. A list ordered by something else than its id (oldest first, by name) pages
by the composite key (order columns, id): the boundary row's order values are read in the same
statement, from the list's own scoped statement, so a key outside the list positions nothing.
An old `?page=N` link (pages had numbers once) starts again at the first page, filters kept.
"""

from dataclasses import dataclass, field

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import Select, func, literal_column, select, tuple_

from assist.core.inputs import id_or_none
from assist.extensions import db

COUNT_CAP = 2_000


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
    #: Query (and path) arguments of the first page: the filters, no key.
    first_args: dict = field(default_factory=dict)
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


def fixed_limit(n: int):
    """A LIMIT written into the statement rather than bound as a parameter.

    On PostgreSQL a statement is prepared after a connection has run it five times, and is
    then planned once (a generic plan) when that plan costs about what the per-call plans
    did. With `LIMIT $1` the generic plan cannot know the 51 rows wanted and looks dearer, so
    PostgreSQL kept planning every list query on every call — 9-17 ms for the ledger page's
    join of seven tables, whose execution takes 0.8 ms. A page size is a constant: written in,
    each list's statement text is the same on every call and its plan is made once.
    """
    return literal_column(str(int(n)))


def bounded_count(stmt: Select, cap: int | None = None) -> tuple[int, bool]:
    """Count the rows of `stmt` up to `cap` (COUNT_CAP) + 1: cheap however many rows exist."""
    cap = COUNT_CAP if cap is None else cap
    inner = stmt.order_by(None).limit(fixed_limit(cap + 1)).subquery()
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


def restart_bare_page() -> None:
    """An old link to `?page=N` without a key: start again at page 1, filters kept, and say why.

    Pages were numbered once (OFFSET); a number alone no longer says where a page starts.
    Only a GET moves: a form posted back to a list URL is answered where it was sent.
    """
    page = _int_arg("page") or 1
    if request.method != "GET" or page <= 1:
        return
    if _int_arg("after") is not None or _int_arg("before") is not None:
        return
    flash(
        _(
            "This link pointed to a page by its number; the list now pages from row to row, "
            "so it starts again at the first page."
        ),
        "info",
    )
    kept = {k: v for k, v in request.args.lists() if k not in ("page", "after", "before")}
    abort(redirect(url_for(request.endpoint, **(request.view_args or {}), **kept)))


def key_columns(key) -> tuple:
    """A list's key as a tuple: one primary-key column, or order columns ending with it."""
    return tuple(key) if isinstance(key, tuple | list) else (key,)


def _boundary(stmt: Select, column, ident, boundary: int):
    """`column`'s value on row `boundary`, read from the list's own (scoped, filtered)
    statement inside the page query: a row outside the list gives NULL, so an empty page."""
    inner = stmt.with_only_columns(column).order_by(None).where(ident == boundary).limit(1)
    return inner.correlate(None).scalar_subquery()


def beyond(stmt: Select, key, boundary: int, *, up: bool):
    """The condition for the rows of `stmt` past row `boundary` along `key`: greater keys with
    `up`, smaller ones without. A composite key compares (order columns, id) as one row value,
    the boundary's values read in the same statement (no OFFSET, one range however deep)."""
    keys = key_columns(key)
    ident = keys[-1]
    if len(keys) == 1:
        return ident > boundary if up else ident < boundary
    here = tuple_(*(_boundary(stmt, c, ident, boundary) for c in keys[:-1]), boundary)
    return tuple_(*keys) > here if up else tuple_(*keys) < here


def key_order(key, *, up: bool) -> list:
    """ORDER BY along `key`: every column ascending with `up`, descending without."""
    return [c.asc() if up else c.desc() for c in key_columns(key)]


def paginate(stmt: Select, *, per_page: int = 50, key, ascending: bool = False) -> Page:
    """Run `stmt` for one page: a bounded count and one page query.

    `key` is the list's order: its primary-key column (newest first, or oldest with
    `ascending`), or a tuple of order columns ending with the primary key, e.g.
    `(Unit.name, Unit.id)`; all go the same way, and the order columns must not be NULL on
    listed rows (wrap a nullable one in `coalesce`). `stmt` must not be ordered already: the
    order comes from `key`. An old `?page=N` link is redirected to the first page.
    """
    restart_bare_page()
    ident = key_columns(key)[-1]
    page = _int_arg("page") or 1
    total, capped = bounded_count(stmt)
    args = {k: v for k, v in request.args.items() if k not in ("page", "after", "before")}
    args = {**(request.view_args or {}), **args}
    base = stmt.order_by(None)

    after, before = _int_arg("after"), _int_arg("before")
    if before is not None:  # walking back: the rows before the key, read in reverse
        query = base.where(beyond(base, key, before, up=not ascending))
        query = query.order_by(*key_order(key, up=not ascending))
        rows = list(db.session.scalars(query.limit(fixed_limit(per_page + 1))).unique())
        more_before = len(rows) > per_page
        items = list(reversed(rows[:per_page]))
        more_after = True
    else:
        query = base.order_by(*key_order(key, up=ascending))
        if after is not None:
            query = query.where(beyond(base, key, after, up=ascending))
        rows = list(db.session.scalars(query.limit(fixed_limit(per_page + 1))).unique())
        more_after = len(rows) > per_page
        items = rows[:per_page]
        more_before = after is not None
    page = max(page, 2) if more_before else 1
    name = ident.key
    prev_args = None
    if more_before and items:
        prev_args = (
            dict(args) if page <= 2 else dict(args, before=getattr(items[0], name), page=page - 1)
        )
    next_args = (
        dict(args, after=getattr(items[-1], name), page=page + 1) if more_after and items else None
    )
    return Page(
        items,
        page,
        per_page,
        total,
        capped,
        prev_args=prev_args,
        next_args=next_args,
        first_args=args,
    )
