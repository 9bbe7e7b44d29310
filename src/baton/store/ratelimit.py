"""A token bucket per API key, kept in the database so that every worker draws on the same one.

The refill and the take are one conditional UPDATE: on PostgreSQL the row lock makes concurrent
takes from several workers add up exactly; SQLite has a single writer.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from sqlalchemy import case, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from baton.store.db import SessionFactory, session_scope
from baton.store.tables import RateBucketRow

_ATTEMPTS = 5


def take_token(
    *,
    session: Session,
    key: str,
    capacity: float,
    per_second: float,
    now: float,
    lease: int = 1,
) -> tuple[float, int]:
    """Take tokens from `key`'s bucket: (0.0, how many) when granted, else (seconds until one
    refills, 0).

    Args:
        capacity: the burst: how many requests may come at once after a quiet spell.
        per_second: the sustained rate at which tokens come back.
        now: seconds since the epoch (the caller's clock, so tests can move it).
        lease: take this many at once if the bucket has them (else one), for a worker to spend
            without coming back to the database each time.
    """
    if session.get_bind().dialect.name == "postgresql":
        # A token lost to a crash is harmless; not waiting for the WAL flush keeps the bucket's
        # row lock short, and every request of one key passes through that row.
        session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    for _ in range(_ATTEMPTS):
        for count in dict.fromkeys((lease, 1)):
            if _take(session, key=key, capacity=capacity, per_second=per_second, now=now, n=count):
                return 0.0, count
        row = session.get(RateBucketRow, key, populate_existing=True)
        if row is None:
            first = max(1, min(lease, int(capacity)))
            if _create(session=session, key=key, capacity=capacity, now=now, n=first):
                return 0.0, first
            continue  # another worker created it first: take from theirs
        current = min(capacity, row.tokens + max(0.0, now - row.refilled_at) * per_second)
        if current < 1.0:
            return (1.0 - current) / per_second, 0
        # The bucket appeared (or refilled) between the update and the read: try again.
    return 1.0 / per_second, 0


def _take(
    session: Session, *, key: str, capacity: float, per_second: float, now: float, n: int
) -> bool:
    """The refill and a take of `n` in one conditional UPDATE; False when the bucket has fewer
    (or there is no bucket)."""
    # Workers' clocks and commits interleave: time never runs backwards for a bucket.
    later = RateBucketRow.refilled_at < now
    elapsed = case((later, now - RateBucketRow.refilled_at), else_=0.0)
    level = RateBucketRow.tokens + elapsed * per_second
    capped = case((level > capacity, capacity), else_=level)
    granted = session.execute(
        update(RateBucketRow)
        .where(RateBucketRow.key == key, capped >= float(n))
        .values(
            tokens=capped - float(n),
            refilled_at=case((later, now), else_=RateBucketRow.refilled_at),
        )
        .returning(RateBucketRow.tokens)
        .execution_options(synchronize_session=False)
    ).first()
    return granted is not None


def _create(*, session: Session, key: str, capacity: float, now: float, n: int) -> bool:
    """A new, full bucket less the `n` tokens being taken; False if another worker made it
    first."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    created = session.execute(
        insert(RateBucketRow)
        .values(key=key, tokens=capacity - float(n), refilled_at=now)
        .on_conflict_do_nothing()
        .returning(RateBucketRow.key)
    ).first()
    return created is not None


class LeasedBuckets:
    """A worker's share of the shared buckets: tokens taken a lease at a time, spent locally.

    The lease is what the key earns in `lease_seconds` (at most a tenth of its burst), so at the
    default limits it is one token and every request goes to the database exactly as before; a
    key allowed thousands a second costs the database one write per lease instead of per
    request. A lease not spent within `hold_seconds` is dropped, never returned: a worker can
    only ever grant less than the shared bucket allows, not more.
    """

    def __init__(
        self,
        *,
        lease_seconds: float = 0.1,
        hold_seconds: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.lease_seconds = lease_seconds
        self.hold_seconds = hold_seconds
        self.clock = clock
        self._held: dict[str, tuple[int, float]] = {}
        self._fetch_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()

    def lease_size(self, *, capacity: float, per_second: float) -> int:
        return max(1, int(min(per_second * self.lease_seconds, capacity / 10)))

    def take(
        self,
        *,
        factory: SessionFactory,
        key: str,
        capacity: float,
        per_second: float,
        now: float,
    ) -> float:
        """0.0 when a request of `key` may go ahead, else the seconds until a token refills."""
        if self._spend(key):
            return 0.0
        with self._fetching(key):
            if self._spend(key):  # another thread fetched a lease while this one waited
                return 0.0
            lease = self.lease_size(capacity=capacity, per_second=per_second)
            # Its own transaction, write first: SQLite then waits for the lock instead of failing
            # an upgrade from read to write, and PostgreSQL holds the bucket's row lock briefly.
            with session_scope(factory) as session:
                wait, granted = take_token(
                    session=session,
                    key=key,
                    capacity=capacity,
                    per_second=per_second,
                    now=now,
                    lease=lease,
                )
            if granted > 1:
                with self._lock:
                    self._held[key] = (granted - 1, self.clock() + self.hold_seconds)
            return wait

    def _spend(self, key: str) -> bool:
        with self._lock:
            count, until = self._held.get(key, (0, 0.0))
            if count > 0 and until > self.clock():
                self._held[key] = (count - 1, until)
                return True
            return False

    def _fetching(self, key: str) -> threading.Lock:
        """One thread at a time fetches a key's lease; the others then spend from it."""
        with self._lock:
            return self._fetch_locks.setdefault(key, threading.Lock())


def retry_after_seconds(wait: float) -> int:
    """The Retry-After header's whole seconds: never 0, so a client does not retry at once."""
    return max(1, math.ceil(wait))
