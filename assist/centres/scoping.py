"""Centre scoping: the one place that limits what a user reaches to their centre's subtree.

A user sees their own centre and everything below it. Queries are limited by a SQL subquery
on the centres' materialised path (`scoped`, `in_scope`, `in_subtree`), rows that carry the
path themselves (the audit log) by a path prefix (`path_in_scope`) — never by Python lists
of ids. Loaders raise `NotFound` for records outside the subtree, which the error handler
answers with 404, exactly as if they did not exist.
"""

import re
from functools import wraps

from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, literal, select
from sqlalchemy.orm import InstrumentedAttribute

from assist.centres.models import Centre
from assist.core.errors import NotFound
from assist.core.inputs import id_or_none
from assist.extensions import db

__all__ = [
    "NOT_FOUND_MESSAGE",
    "centre_in_scope",
    "get_scoped_or_404",
    "in_path_scope",
    "in_scope",
    "in_subtree",
    "not_found",
    "path_in_scope",
    "roles_required",
    "scoped",
    "scoped_centres",
    "scoped_ids",
    "subtree",
    "subtree_ids",
]

#: What a record outside the user's scope answers: the same as one that does not exist.
NOT_FOUND_MESSAGE = _l("There is no such page or record.")


def subtree(path) -> Select:
    """Return a SELECT of the ids of the centre at `path` (a string or SQL expression) and
    every centre below it."""
    return select(Centre.id).where(Centre.path.startswith(path_prefix(path)))


_PATH = re.compile(r"(/\d+)+/")


def path_prefix(path):
    """A centre's path written into the statement (ids and slashes only), not bound.

    PostgreSQL plans a prepared statement once only when that generic plan looks no dearer
    than planning per call; with the scope's prefix as a parameter it cannot tell a city
    (every centre) from a station (one) and kept planning each list and count on every call.
    Written in, each centre's statement has its own text and is planned once; a city holds a
    few hundred centres at most. A SQL expression (a correlated path) is left as it is."""
    if isinstance(path, str) and _PATH.fullmatch(path):
        return literal(path, literal_execute=True)
    return path


def subtree_ids(user) -> Select:
    """Return a SELECT of the ids of the user's centre and every centre below it."""
    return subtree(user.centre.path)


def in_subtree(centre: Centre, centre_column: InstrumentedAttribute):
    """Return a SQL condition true when `centre_column` is `centre` or lies below it."""
    return centre_column.in_(subtree(centre.path))


def in_scope(user, centre_column: InstrumentedAttribute):
    """Return a SQL condition true when `centre_column` lies in the user's subtree."""
    return in_path_scope(user.centre.path, centre_column)


def in_path_scope(path: str, centre_column: InstrumentedAttribute):
    """`in_scope` for a scope given by its centre path: for statements built once per centre
    (`functools.lru_cache` keyed by the path) and reused by every user of that centre."""
    return centre_column.in_(subtree(path))


def path_in_scope(user, path_column: InstrumentedAttribute):
    """Return a SQL condition for rows that store a centre path: in the user's subtree."""
    return path_column.startswith(path_prefix(user.centre.path))


def scoped(stmt: Select, user, centre_column: InstrumentedAttribute) -> Select:
    """Limit a SELECT to rows whose `centre_column` lies in the user's subtree."""
    return stmt.where(in_scope(user, centre_column))


def scoped_centres(user) -> Select:
    """Return a SELECT of the centres the user may see, in code order."""
    return select(Centre).where(Centre.path.startswith(user.centre.path)).order_by(Centre.code)


def not_found() -> NotFound:
    return NotFound(str(NOT_FOUND_MESSAGE))


def get_scoped_or_404(model, ident, user, centre_column: InstrumentedAttribute | None = None):
    """Load `model` by primary key; raise NotFound (a 404) when missing or outside the scope."""
    column = centre_column if centre_column is not None else model.centre_id
    ident = id_or_none(ident)
    if ident is None:  # not an id, or beyond what a primary key holds: it cannot exist
        raise not_found()
    stmt = scoped(select(model).where(model.id == ident), user, column)
    obj = db.session.scalars(stmt).first()
    if obj is None:
        raise not_found()
    return obj


def scoped_ids(model, idents, user, centre_column: InstrumentedAttribute | None = None) -> set:
    """Return which of `idents` exist within the user's scope, in one query (a batch's
    subjects checked at once rather than one `get_scoped_or_404` each)."""
    column = centre_column if centre_column is not None else model.centre_id
    wanted = {i for i in (id_or_none(x) for x in idents) if i is not None}
    if not wanted:
        return set()
    return set(
        db.session.scalars(scoped(select(model.id).where(model.id.in_(wanted)), user, column))
    )


def centre_in_scope(user, centre: Centre | None) -> bool:
    return centre is not None and centre.is_within(user.centre)


def roles_required(*roles):
    """Refuse the view with 403 unless the signed-in user holds one of `roles`."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                abort(401)
            if not current_user.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator
