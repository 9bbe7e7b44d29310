"""A token bucket per API key, kept in the database so that every worker draws on the same one.

The refill and the take are one conditional UPDATE: on PostgreSQL the row lock makes concurrent
takes from several workers add up exactly; SQLite has a single writer.
"""

from __future__ import annotations

import math

from sqlalchemy import case, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from baton.store.tables import RateBucketRow

_ATTEMPTS = 5


def take_token(
    *, session: Session, key: str, capacity: float, per_second: float, now: float
) -> float:
    """Take one token from `key`'s bucket: 0.0 when granted, else the seconds until one refills.

    Args:
        capacity: the burst: how many requests may come at once after a quiet spell.
        per_second: the sustained rate at which tokens come back.
        now: seconds since the epoch (the caller's clock, so tests can move it).
    """
    if session.get_bind().dialect.name == "postgresql":
        # A token lost to a crash is harmless; not waiting for the WAL flush keeps the bucket's
        # row lock short, and every request of one key passes through that row.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    for _ in range(_ATTEMPTS):
        if _take(session=session, key=key, capacity=capacity, per_second=per_second, now=now):
            return 0.0
        row = session.get(RateBucketRow, key, populate_existing=True)
        if row is None:
            if _create(session=session, key=key, capacity=capacity, now=now):
                return 0.0
            continue  # another worker created it first: take from theirs
        current = min(capacity, row.tokens + max(0.0, now - row.refilled_at) * per_second)
        if current < 1.0:
            return (1.0 - current) / per_second
        # The bucket appeared (or refilled) between the update and the read: try again.
    return 1.0 / per_second


def _take(*, session: Session, key: str, capacity: float, per_second: float, now: float) -> bool:
    """The refill and the take in one conditional UPDATE; False when no token (or no bucket)."""
    # Workers' clocks and commits interleave: time never runs backwards for a bucket.
    later = RateBucketRow.refilled_at < now
    elapsed = case((later, now - RateBucketRow.refilled_at), else_=0.0)
    level = RateBucketRow.tokens + elapsed * per_second
    capped = case((level > capacity, capacity), else_=level)
    granted = session.execute(
        update(RateBucketRow)
        .where(RateBucketRow.key == key, capped >= 1.0)
        .values(
            tokens=capped - 1.0, refilled_at=case((later, now), else_=RateBucketRow.refilled_at)
        )
        .returning(RateBucketRow.tokens)
        .execution_options(synchronize_session=False)
    ).first()
    return granted is not None


def _create(*, session: Session, key: str, capacity: float, now: float) -> bool:
    """A new, full bucket less the token being taken; False if another worker made it first."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    created = session.execute(
        insert(RateBucketRow)
        .values(key=key, tokens=capacity - 1.0, refilled_at=now)
        .on_conflict_do_nothing()
        .returning(RateBucketRow.key)
    ).first()
    return created is not None


def retry_after_seconds(wait: float) -> int:
    """The Retry-After header's whole seconds: never 0, so a client does not retry at once."""
    return max(1, math.ceil(wait))
