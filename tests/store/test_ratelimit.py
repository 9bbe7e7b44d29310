"""The per-key token bucket: burst, refill, and an exact count under concurrent takers."""

from __future__ import annotations

import threading

import pytest

from baton.store.db import SessionFactory, session_scope
from baton.store.ratelimit import retry_after_seconds, take_token


def _take(factory: SessionFactory, now: float, key: str = "api_key:bot") -> float:
    with session_scope(factory) as session:
        return take_token(session=session, key=key, capacity=3, per_second=0.5, now=now)


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
                wait = take_token(
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
