"""PostgreSQL restarts under load: clients get a JSON 503 and retry, no accepted turn is lost,
and /readyz recovers by itself."""

from __future__ import annotations

import time
from collections.abc import Callable

import httpx
from sqlalchemy import create_engine, text

from baton.perf.servers import ServerProcess
from tests.faults.conftest import (
    History,
    PrivateCluster,
    TurnLoad,
    assert_turns_consistent,
    seeded,
)


def _started_at(cluster: PrivateCluster) -> str:
    engine = create_engine(cluster.url("postgres"))
    with engine.connect() as conn:
        started = str(conn.scalar(text("SELECT pg_postmaster_start_time()")))
    engine.dispose()
    return started


def test_restart_postgres_during_load(
    private_pg: PrivateCluster, spawn: Callable[..., ServerProcess]
) -> None:
    url = private_pg.database_url("restart_under_load")
    key = seeded(url)
    server = spawn(url)
    history = History()
    load = TurnLoad(server.url, key, history, clients=4, turns=40).start()
    history.wait_for_accepted(30)
    before = _started_at(private_pg)
    private_pg.restart()
    load.join()

    assert _started_at(private_pg) != before
    assert history.failures(), "the restart cut no request"
    counts = assert_turns_consistent(url, history)
    assert counts["accepted"] == counts["turns"] == 4 * 40
    for attempt in history.failures():
        assert attempt.status in (0, 503), attempt
        if attempt.status == 503:
            assert attempt.body is not None
            assert attempt.body["error"]["code"] == "store_unavailable"
            assert attempt.headers["retry-after"] == "1"
    deadline = time.monotonic() + 30
    while httpx.get(server.url + "/readyz").status_code != 200:
        assert time.monotonic() < deadline, "/readyz did not recover"
        time.sleep(0.2)


def test_readyz_says_503_while_postgres_is_down(
    private_pg: PrivateCluster, spawn: Callable[..., ServerProcess]
) -> None:
    url = private_pg.database_url("readyz_down")
    seeded(url)
    server = spawn(url)
    private_pg.stop()
    try:
        down = httpx.get(server.url + "/readyz")
        assert down.status_code == 503
        assert down.json()["status"] == "unavailable"
    finally:
        private_pg.start()
    deadline = time.monotonic() + 30
    while httpx.get(server.url + "/readyz").status_code != 200:
        assert time.monotonic() < deadline, "/readyz did not recover"
        time.sleep(0.2)
