"""The per-key token bucket: burst, refill, and an exact count under concurrent takers."""

from __future__ import annotations

import threading

import pytest

from baton.store.db import SessionFactory, session_scope
from baton.store.ratelimit import LeasedBuckets, retry_after_seconds, take_token


def _take(factory: SessionFactory, now: float, key: str = "api_key:bot") -> float:
    with session_scope(factory) as session:
        return take_token(session=session, key=key, capacity=3, per_second=0.5, now=now)[0]


def test_a_burst_then_a_wait_then_a_refill(session_factory: SessionFactory) -> None:
    assert [_take(session_factory, 1000.0) for _ in range(3)] == [0.0, 0.0, 0.0]
    wait = _take(session_factory, 1000.0)
    assert wait == 2.0
    assert retry_after_seconds(wait) == 2
    assert _take(session_factory, 1001.0) == 1.0
    assert _take(session_factory, 1002.0) == 0.0
    assert _take(session_factory, 1002.0) > 0
    assert _take(session_factory, 1000.0, key="api_key:other") == 0.0


def test_a_clock_running_backwards_refills_nothing(session_factory: SessionFactory) -> None:
    for _ in range(3):
        _take(session_factory, 2000.0)
    assert _take(session_factory, 1990.0) > 0
    assert _take(session_factory, 2000.0) > 0


@pytest.mark.parametrize("bucket", ["a", "b", "c"])
def test_concurrent_takers_share_one_exact_count(
    session_factory: SessionFactory, bucket: str
) -> None:
    """Threads on their own connections stand in for workers: the database keeps the count,
    from the race to create the bucket to the last token."""
    granted: list[float] = []
    lock = threading.Lock()
    start = threading.Barrier(6)

    def taker() -> None:
        start.wait()
        for _ in range(15):
            with session_scope(session_factory) as session:
                wait, _ = take_token(
                    session=session, key=f"api_key:{bucket}", capacity=40, per_second=1e-9, now=5.0
                )
            with lock:
                granted.append(wait)

    threads = [threading.Thread(target=taker) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(granted) == 90
    assert granted.count(0.0) == 40


def test_a_lease_takes_many_when_the_bucket_has_them_else_one(
    session_factory: SessionFactory,
) -> None:
    def take(lease: int) -> tuple[float, int]:
        with session_scope(session_factory) as session:
            return take_token(
                session=session, key="api_key:l", capacity=10, per_second=1e-9, now=1.0, lease=lease
            )

    assert take(1) == (0.0, 1)  # creates the bucket, less one
    assert take(4) == (0.0, 4)
    assert take(4) == (0.0, 4)
    assert take(4) == (0.0, 1)  # only one left: take it alone
    wait, granted = take(4)
    assert granted == 0 and wait > 0


def test_default_limits_lease_one_token_so_every_request_is_counted_in_the_database() -> None:
    buckets = LeasedBuckets()
    assert buckets.lease_size(capacity=120, per_second=10) == 1
    assert buckets.lease_size(capacity=1_000, per_second=5_000) == 100
    assert buckets.lease_size(capacity=10_000, per_second=5_000) == 500


@pytest.mark.parametrize("workers", [1, 3])
def test_leasing_workers_never_grant_more_than_the_shared_bucket(
    session_factory: SessionFactory, workers: int
) -> None:
    """Each LeasedBuckets stands in for one worker process; they share the database bucket."""
    pool = [LeasedBuckets(lease_seconds=1.0) for _ in range(workers)]
    grants = 0
    for i in range(300):
        wait = pool[i % workers].take(
            factory=session_factory, key="api_key:w", capacity=100, per_second=20, now=50.0
        )
        grants += wait == 0.0
    assert grants == 100


def test_an_unspent_lease_is_dropped_after_its_hold(session_factory: SessionFactory) -> None:
    clock = [0.0]
    buckets = LeasedBuckets(lease_seconds=1.0, hold_seconds=1.0, clock=lambda: clock[0])

    def take() -> float:
        return buckets.take(
            factory=session_factory, key="api_key:h", capacity=50, per_second=1e-9 + 5, now=9.0
        )

    assert take() == 0.0  # leases 5: one spent, four held
    clock[0] = 2.0  # the four held tokens lapse unspent
    granted = 1 + sum(take() == 0.0 for _ in range(100))
    assert granted == 50 - 4
