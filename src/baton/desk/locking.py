"""Claiming rows so that exactly one worker acts on them, on PostgreSQL and on SQLite.

PostgreSQL: `SELECT … FOR UPDATE SKIP LOCKED` inside the transaction that records the result, so
concurrent workers take disjoint rows and a crash releases them. SQLite has one writer at a time:
a transaction that will claim rows takes the write lock first, so its reads cannot go stale.
"""

from __future__ import annotations

from typing import Any, TypeVar

from sqlalchemy import Select, text
from sqlalchemy.orm import Session

S = TypeVar("S", bound=Select[Any])


def is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"


def begin_write(session: Session) -> None:
    """On SQLite, take the database write lock now (waits up to the busy timeout)."""
    if is_sqlite(session):
        session.execute(text("UPDATE agents SET id = id WHERE 0"))


def try_singleton(session: Session, key: int) -> bool:
    """Whether this transaction may run a pass that only one worker at a time should run: a
    transaction-scoped advisory lock on PostgreSQL (False when another worker holds it); on
    SQLite the write lock (`begin_write`) already serialises it."""
    if is_sqlite(session):
        begin_write(session)
        return True
    got = session.execute(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": key}).scalar()
    return bool(got)


def skip_locked(stmt: S) -> S:
    """Lock the selected rows, skipping those another transaction holds (PostgreSQL)."""
    return stmt.with_for_update(skip_locked=True)


def locked(stmt: S) -> S:
    """Lock the selected rows, waiting for other holders (PostgreSQL)."""
    return stmt.with_for_update()
