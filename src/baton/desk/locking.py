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


def skip_locked(stmt: S) -> S:
    """Lock the selected rows, skipping those another transaction holds (PostgreSQL)."""
    return stmt.with_for_update(skip_locked=True)


def locked(stmt: S) -> S:
    """Lock the selected rows, waiting for other holders (PostgreSQL)."""
    return stmt.with_for_update()
