"""Database engine set-up: SQLite pragmas and immediate write transactions; on PostgreSQL,
statements prepared once per connection and kept across the requests' rollbacks."""

import sqlite3
import threading

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import event, select
from sqlalchemy.engine import Engine

from assist.extensions import db


def _is_sqlite(dbapi_connection) -> bool:
    return isinstance(dbapi_connection, sqlite3.Connection)


def _planned_once_connection():
    """psycopg's Connection, keeping its prepared statements when a transaction rolls back.

    psycopg prepares a statement on the server once a connection has run it five times
    (`prepare_threshold`), and PostgreSQL then stops planning it. But psycopg forgets every
    prepared statement on ROLLBACK, and every read-only request ends with one (the session
    closes its transaction), so no statement ever reached five: each one was planned on every
    request — 1.8 ms for the campaign visit page's entry query, 0.2 ms once prepared.

    psycopg forgets them in case the transaction created or dropped the objects they name.
    The app's requests and jobs run no DDL (migrations do, in their own process, and a DROP
    or ALTER still clears the cache, as psycopg does for those), so here a rollback keeps them.
    """
    import psycopg
    from psycopg._preparing import PrepareManager

    class KeepOnRollback(PrepareManager):
        rolling_back = False

        def clear(self) -> bool:
            return False if self.rolling_back else super().clear()

    class PlannedOnceConnection(psycopg.Connection):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._prepared = KeepOnRollback()

        def _rollback_gen(self):
            self._prepared.rolling_back = True
            try:
                yield from super()._rollback_gen()
            finally:
                self._prepared.rolling_back = False

    return PlannedOnceConnection


_PLANNED_ONCE = None


@event.listens_for(Engine, "do_connect")
def _psycopg_connect(dialect, connection_record, cargs, cparams):
    global _PLANNED_ONCE  # noqa: PLW0603 - the class is built once, on first use
    if dialect.driver != "psycopg" or dialect.is_async:
        return None
    if _PLANNED_ONCE is None:
        _PLANNED_ONCE = _planned_once_connection()
    return _PLANNED_ONCE.connect(*cargs, **cparams)


@event.listens_for(Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy emit BEGIN itself (see _sqlite_begin) instead of pysqlite's deferred one.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _sqlite_begin(conn):
    if conn.dialect.name != "sqlite":
        return
    # A deferred BEGIN that later writes fails with "database is locked" under concurrency,
    # whatever the busy timeout. Even GET requests write (audit rows for sensitive views),
    # so every transaction takes the write lock up front; PostgreSQL is the production store.
    # The one exception is a test body's own session outside any request: it only sets up and
    # inspects data, and must not hold the lock while a live server thread serves a browser.
    # (Only the test body's main thread: a background thread such as the print-job runner
    # writes concurrently with the live server and needs the lock up front like a request.)
    if (
        has_app_context()
        and current_app.testing
        and not has_request_context()
        and threading.current_thread() is threading.main_thread()
    ):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def lock_row(model, ident: int):
    """Take a row's lock (SELECT … FOR UPDATE) and re-read it, so checks see committed work.

    SQLite has no row locks: there BEGIN IMMEDIATE already serialises the writers.
    """
    return db.session.scalars(
        select(model)
        .where(model.id == ident)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
