"""Centre scoping: the one place that limits queries to the acting user's subtree.

A user sees their own centre and everything below it. Records outside that subtree are
answered with 404, exactly as if they did not exist.
"""

from functools import wraps

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, select
from sqlalchemy.orm import InstrumentedAttribute

from assist.centres.models import Centre
from assist.extensions import db


def subtree_ids(user) -> Select:
    """Return a SELECT of the ids of the user's centre and every centre below it."""
    return select(Centre.id).where(Centre.path.startswith(user.centre.path))


def in_subtree(centre: Centre, centre_column: InstrumentedAttribute):
    """Return a SQL condition true when `centre_column` is `centre` or lies below it."""
    return centre_column.in_(select(Centre.id).where(Centre.path.startswith(centre.path)))


def in_scope(user, centre_column: InstrumentedAttribute):
    """Return a SQL condition true when `centre_column` lies in the user's subtree."""
    return in_subtree(user.centre, centre_column)


def scoped(stmt: Select, user, centre_column: InstrumentedAttribute) -> Select:
    """Limit a SELECT to rows whose `centre_column` lies in the user's subtree."""
    return stmt.where(in_scope(user, centre_column))


def scoped_centres(user) -> Select:
    """Return a SELECT of the centres the user may see, in code order."""
    return select(Centre).where(Centre.path.startswith(user.centre.path)).order_by(Centre.code)


def get_scoped_or_404(model, ident, user, centre_column: InstrumentedAttribute | None = None):
    """Load `model` by primary key, or abort 404 when missing or outside the user's scope."""
    column = centre_column if centre_column is not None else model.centre_id
    try:
        ident = int(ident)
    except (TypeError, ValueError):
        abort(404)
    stmt = scoped(select(model).where(model.id == ident), user, column)
    obj = db.session.scalars(stmt).first()
    if obj is None:
        abort(404)
    return obj


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
