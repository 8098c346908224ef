"""Counters behind readable numbers (file numbers, case numbers): one row per centre and year."""

from sqlalchemy import update

from assist.extensions import db


def next_number(counter_column, *, session=None, count: int = 1, **key) -> int:
    """Add `count` to the counter row `key` names (created at 0 when missing); return the result
    (the last of the `count` numbers reserved).

    The UPDATE … RETURNING holds the row lock until commit, so concurrent callers queue up and
    never share a number; the first number of a year relies on the key's unique constraint.
    """
    session = session or db.session
    model = counter_column.class_
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(model).values(**key, **{counter_column.key: 0}).on_conflict_do_nothing())
    return session.execute(
        update(model)
        .where(*(getattr(model, name) == value for name, value in key.items()))
        .values({counter_column: counter_column + count})
        .returning(counter_column)
        .execution_options(synchronize_session=False)
    ).scalar_one()
