"""Engines, sessions and the one unit of work that commits or rolls back."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.orm import Session, sessionmaker

from baton.store import sealed

if TYPE_CHECKING:
    from baton.config import Settings

SessionFactory = sessionmaker[Session]
# Workers starting together on one PostgreSQL database take turns to migrate it.
_MIGRATION_LOCK = 0x6261746F6E  # "baton"
_BUSY_SECONDS = 10.0
READ_ONLY = "baton_read_only"
_writer_locks: dict[str, threading.Lock] = {}
_writer_locks_guard = threading.Lock()


def _writer_lock(database: str) -> threading.Lock:
    """The one lock of this process's writers to a SQLite file (per engine for `:memory:`)."""
    if database in ("", ":memory:"):
        return threading.Lock()
    key = str(Path(database).resolve())
    with _writer_locks_guard:
        return _writer_locks.setdefault(key, threading.Lock())


class _QueuedConnection(sqlite3.Connection):
    """A SQLite connection whose transactions queue on an in-process lock.

    Threads of one process waiting on SQLite's own lock poll it with growing sleeps (up to 100 ms
    each), so under load most of a request's time went to sleeping while the lock sat free.
    Waiting on a `threading.Lock` hands it over at once. SQLite's lock (BEGIN IMMEDIATE, busy
    timeout) still orders this process against others, such as `baton worker`.
    """

    writer_lock: threading.Lock
    holds_writer_lock = False

    def queue_for_write(self) -> None:
        if not self.writer_lock.acquire(timeout=_BUSY_SECONDS):
            # Raised from an event listener, which SQLAlchemy does not wrap: wrap it here, so it
            # is the same OperationalError as SQLite's own lock timeout (503 store_unavailable).
            cause = sqlite3.OperationalError("database is locked")
            raise OperationalError("BEGIN IMMEDIATE", None, cause)
        self.holds_writer_lock = True

    def leave_queue(self) -> None:
        if self.holds_writer_lock:
            self.holds_writer_lock = False
            self.writer_lock.release()

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self.leave_queue()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.leave_queue()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.leave_queue()


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(_BUSY_SECONDS * 1000)}")
    # SQLAlchemy emits BEGIN itself (see `_sqlite_begin`), not the sqlite3 module.
    dbapi_connection.isolation_level = None
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    """One writer at a time: take the write lock when a transaction starts.

    A WAL transaction that reads first and writes later cannot wait for the lock (SQLite answers
    "database is locked" at once, whatever the busy timeout); BEGIN IMMEDIATE makes writers queue
    on the busy timeout instead, behind this process's own writers (`_QueuedConnection`). A
    read-only unit of work (`read_scope`) begins DEFERRED: in WAL mode it reads a snapshot and
    never waits for, nor holds up, a writer.
    """
    if connection.get_execution_options().get(READ_ONLY):
        connection.exec_driver_sql("BEGIN")
        return
    dbapi_connection = connection.connection.dbapi_connection
    dbapi_connection.queue_for_write()
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    except BaseException:
        dbapi_connection.leave_queue()
        raise


def make_engine(url: str, *, secrets_key: str | None = None, **kwargs: Any) -> Engine:
    """An engine for a SQLite (WAL, one writer) or PostgreSQL URL.

    Bound values are kept out of error messages (`hide_parameters`), so a logged database error
    never carries a customer's words, a key's hash or any other stored value. `secrets_key`
    seals webhook secrets at rest (`baton.store.sealed`; a development key when None).
    """
    engine = _engine(url, **kwargs)
    sealed.bind(engine, secrets_key)
    return engine


def engine_for(settings: Settings) -> Engine:
    """The configured store, with the configured secrets key: what every command and server uses."""
    key = settings.secrets_key.get_secret_value() if settings.secrets_key else None
    return make_engine(settings.database_url, secrets_key=key)


def _engine(url: str, **kwargs: Any) -> Engine:
    kwargs.setdefault("hide_parameters", True)
    if url.startswith("sqlite"):
        connect_args = {"check_same_thread": False, "factory": _QueuedConnection}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        lock = _writer_lock(engine.url.database or "")

        def share_lock(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.writer_lock = lock

        event.listen(engine, "connect", share_lock)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


def make_session_factory(engine: Engine) -> SessionFactory:
    factory = sessionmaker(engine, expire_on_commit=False)
    event.listen(factory, "before_flush", _refuse_writes)
    return factory


def _refuse_writes(session: Session, _context: Any, _instances: Any) -> None:
    if session.info.get(READ_ONLY) and (session.new or session.dirty or session.deleted):
        raise ReadOnlyViolation("a read-only unit of work tried to write")


class ReadOnlyViolation(RuntimeError):
    """A route or loop declared read-only wrote: a bug, never the caller's fault."""


@contextmanager
def read_scope(factory: SessionFactory) -> Iterator[Session]:
    """A unit of work that only reads: no write lock on SQLite, and a flush is an error.

    For the routes that are truly read-only (listing and reading handoffs, briefs, webhook
    endpoints and deliveries, event streams, sign-in's password lookup); not for
    `GET /v1/analytics/kpis`, which refreshes its rollups and so writes.
    """
    session = factory()
    session.info[READ_ONLY] = True
    try:
        session.connection(execution_options={READ_ONLY: True})
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


@contextmanager
def session_scope(factory: SessionFactory) -> Iterator[Session]:
    """The unit of work: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


def unavailable(exc: BaseException) -> bool:
    """Whether `exc` says the database could not do the work just now, not that the work was bad.

    Down, restarting, the connection cut, busy or locked, out of pooled connections: the same
    work succeeds once the database is back, so callers retry it and never count it against
    the row they were working on.
    """
    if isinstance(exc, OperationalError | InterfaceError | PoolTimeout):
        return True
    return isinstance(exc, DBAPIError) and exc.connection_invalidated


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option(
        "script_location", str(Path(str(resources.files("baton.store").joinpath("migrations"))))
    )
    config.set_main_option(
        "sqlalchemy.url", engine.url.render_as_string(hide_password=False).replace("%", "%%")
    )
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to `revision` (the newest by default); safe to run on every start.

    On PostgreSQL an advisory lock makes workers that start together migrate one at a time.
    """
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    with engine.connect() as conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATION_LOCK})
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATION_LOCK})
            conn.commit()


def listen_dsn(engine: Engine) -> str | None:
    """The libpq URL for a LISTEN connection on a PostgreSQL engine; None on SQLite."""
    if engine.dialect.name != "postgresql":
        return None
    return engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
