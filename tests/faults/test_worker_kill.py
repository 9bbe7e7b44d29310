"""kill -9 a worker during turn ingestion on PostgreSQL: no accepted turn lost or half-written."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable

import httpx

from baton.perf.servers import ServerProcess
from tests.faults.conftest import History, TurnLoad, assert_turns_consistent, seeded


def test_kill_9_one_of_two_workers_mid_load(
    pg_url: str, spawn: Callable[..., ServerProcess]
) -> None:
    key = seeded(pg_url)
    server = spawn(pg_url, workers=2)
    history = History()
    load = TurnLoad(server.url, key, history, clients=6, turns=30).start()
    history.wait_for_accepted(40)
    victim = server.worker_pids()[0]
    os.kill(victim, signal.SIGKILL)
    history.wait_for_accepted(100)
    load.join()

    counts = assert_turns_consistent(pg_url, history)
    assert counts["accepted"] == 6 * 30
    assert counts["turns"] == 6 * 30
    assert counts["handoffs"] == 6
    assert victim not in server.worker_pids()
    deadline = time.monotonic() + 30
    while len(server.worker_pids()) < 2:  # the parent replaces the dead worker
        assert time.monotonic() < deadline, "the killed worker was not replaced"
        time.sleep(0.1)
    assert httpx.get(server.url + "/readyz").status_code == 200


def test_kill_9_the_only_server_then_start_again(
    pg_url: str, spawn: Callable[..., ServerProcess]
) -> None:
    key = seeded(pg_url)
    server = spawn(pg_url)
    history = History()
    load = TurnLoad(server.url, key, history, clients=4, turns=30).start()
    history.wait_for_accepted(30)
    server.kill()
    server.start(ready_path="/readyz")
    load.join()

    counts = assert_turns_consistent(pg_url, history)
    assert counts["accepted"] == counts["turns"] == 4 * 30
    assert any(a.status == 0 for a in history.failures()), "the kill cut no request"
    assert all(a.status in (0, 200) for a in history.attempts)
