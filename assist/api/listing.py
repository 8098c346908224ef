"""The API's one output layer for lists and single records.

Every list answers `{items, per_page, total, total_is_capped, next}`: `total` is a bounded
count (it stops at COUNT_CAP, then `total_is_capped` is true), and `next` is an opaque cursor
for the page after this one (null on the last page), passed back as `?after=`. Pages follow
the rows' key (keyset), so a deep page reads only its own rows, never the rows before it.
A record answers its serialised form after the role check and the scoped load (outside the
caller's scope: 404).
"""

import base64
import binascii

from flask import jsonify
from flask_babel import gettext as _
from sqlalchemy import Select

from assist.api import fields, require_roles
from assist.core.inputs import MAX_INT
from assist.core.pagination import COUNT_CAP, beyond, bounded_count, fixed_limit, key_order
from assist.extensions import db

_PREFIX = "k1:"


def cursor(ident: int) -> str:
    """The opaque cursor for the page after the row `ident`."""
    return base64.urlsafe_b64encode(f"{_PREFIX}{ident}".encode()).decode().rstrip("=")


class Cursor(fields.Field):
    """A page cursor as a list's `next` gave it; anything else is refused."""

    def convert(self, value, *, text_input: bool):
        if isinstance(value, str) and 0 < len(value) <= 40:
            try:
                raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
            except (binascii.Error, UnicodeDecodeError, ValueError):
                raw = ""
            number = raw.removeprefix(_PREFIX)
            if raw.startswith(_PREFIX) and number.isascii() and number.isdigit():
                if 0 < int(number) <= MAX_INT:
                    return int(number)
        raise fields.Invalid(_("Not a page cursor from this list: pass its `next` as it came."))


class Retired(fields.Field):
    """A paging parameter lists took before they paged by cursor (`page`, `before`): refused
    with the way to page, so a client still using it stops at once instead of reading the
    first page forever."""

    json_type = "integer"

    def convert(self, value, *, text_input: bool):
        raise fields.Invalid(
            _("Pages follow the `next` cursor of each answer: pass it as `after`.")
        )


def page_fields(*, per_page: int = 50, max_per_page: int = 100) -> dict:
    """The paging parameters of a list, to spread into its `fields.Schema`."""
    return {
        "after": Cursor(description="the `next` cursor of the previous page"),
        "per_page": fields.Integer(minimum=1, maximum=max_per_page, default=per_page),
        "page": Retired(description="not taken any more: follow `next` with `after`"),
    }


#: The OpenAPI description of a list's answer.
LIST_RESPONSE = {
    200: {
        "description": "{items, per_page, total, total_is_capped, next}: total stops at "
        f"{COUNT_CAP:,}; `next` is the cursor of the following page (null on the last)"
    }
}


def page_json(items: list, serialise, *, per_page: int, total: int, capped: bool, more: bool):
    """A list's answer from a page already read (`more`: a row follows the last one); rows
    are keyed by their `id`, whatever order the list follows."""
    return {
        "items": [serialise(row) for row in items],
        "per_page": per_page,
        "total": total,
        "total_is_capped": capped,
        "next": cursor(items[-1].id) if more and items else None,
    }


def list_response(stmt: Select, serialise, *, key, args, newest_first: bool = True, **extra):
    """Answer one page of `stmt` (scoped and filtered by the caller), ordered by `key`.

    `key` is the primary-key column, or a tuple of order columns ending with it (e.g.
    `(Plan.code, Plan.id)`; not NULL on listed rows), all descending with `newest_first`,
    all ascending without; the cursor names the last row's id either way, and a row outside
    the list positions nothing (see core.pagination.beyond).
    `args` holds `after` and `per_page` (see `page_fields`); `extra` joins the answer.
    """
    total, capped = bounded_count(stmt)
    stmt = stmt.order_by(None)
    page = stmt.order_by(*key_order(key, up=not newest_first))
    if args.after is not None:
        page = page.where(beyond(stmt, key, args.after, up=not newest_first))
    rows = list(db.session.scalars(page.limit(fixed_limit(args.per_page + 1))).unique())
    body = page_json(
        rows[: args.per_page],
        serialise,
        per_page=args.per_page,
        total=total,
        capped=capped,
        more=len(rows) > args.per_page,
    )
    return jsonify({**body, **extra})


def detail_response(load, serialise, *, roles):
    """Answer one record: the role check first (403), then `load()` (the scoped loader: 404
    outside the caller's scope), then its serialised form."""
    require_roles(*roles)
    return jsonify(serialise(load()))
