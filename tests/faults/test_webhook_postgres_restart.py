"""PostgreSQL restarts while two delivery workers (`baton outbox run`) post to a slow receiver.

The database goes down with requests in flight (the receiver holds them), so their answers come
back to workers that cannot record them; the workers keep failing their passes until it is back.
The verdict, on the outbox's record and the receiver's log: every event delivered or
dead-lettered, each dispatched and recorded once, and the receiver, deduplicating by webhook-id,
acted on each event exactly once.
"""

from __future__ import annotations

from pathlib import Path

from baton.store.db import make_engine, make_session_factory, upgrade
from tests.faults.conftest import PrivateCluster
from tests.faults.deliveries import prepare, settled, verdict
from tests.faults.receiver import Receiver
from tests.faults.workers import outbox_worker, stop, wait_for

FAILED = "outbox pass failed"


def test_restart_postgres_mid_delivery_to_a_slow_receiver(
    private_pg: PrivateCluster, tmp_path: Path
) -> None:
    url = private_pg.database_url("webhooks_restart")
    engine = make_engine(url)
    upgrade(engine)
    factory = make_session_factory(engine)
    logs = [tmp_path / "o1.log", tmp_path / "o2.log"]
    processes = []
    with Receiver(delay=0.2) as receiver:
        work = prepare(factory, receiver, events=60, doomed=10)
        receiver.hold_from(15)
        try:
            processes = [outbox_worker(url, f"o{i}", log) for i, log in enumerate(logs, 1)]
            wait_for(
                lambda: receiver.held() >= 1,
                timeout=60,
                what="a delivery in flight",
                alive=processes,
                logs=logs,
            )
            private_pg.stop()
            try:
                receiver.release()  # answers arrive while the database is down
                wait_for(
                    lambda: all(FAILED in log.read_text() for log in logs),
                    timeout=30,
                    what="both workers to hit the outage",
                    alive=processes,
                    logs=logs,
                )
            finally:
                private_pg.start()
            wait_for(
                lambda: settled(factory, work),
                timeout=60,
                what="every webhook delivered or dead-lettered",
                alive=processes,
                logs=logs,
            )
        finally:
            for process in processes:
                stop(process)
        counts = verdict(factory, receiver, work)
    engine.dispose()
    assert all(p.returncode == 0 for p in processes), "a worker did not survive the outage"
    print(f"\nwebhooks across a PostgreSQL restart: {counts}")
