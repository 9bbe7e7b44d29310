"""kill -9 webhook delivery workers (`baton outbox run`) mid-delivery, on SQLite and PostgreSQL,
to a real receiver on loopback.

120 events go to a receiver that takes them (slowly), 20 deliveries on their last attempt go to
one that is down. One worker is killed with requests in flight (the receiver holds them, logged
but unanswered); two fresh workers take over, and one of those is killed under load too. The
verdict, on the outbox's record and the receiver's log: every event delivered or dead-lettered,
each dispatched and recorded once, and the receiver, deduplicating by webhook-id, acted on each
event exactly once (a repeat only ever repeats an id and its bytes).
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from baton.store.db import make_engine, make_session_factory, session_scope, upgrade
from baton.store.tables import WebhookDeliveryRow
from tests.faults.deliveries import prepare, settled, verdict
from tests.faults.receiver import Receiver
from tests.faults.workers import kill9, outbox_worker, stop, unique, wait_for


def test_kill_9_delivery_workers_mid_delivery_loses_nothing(db_url: str, tmp_path: Path) -> None:
    engine = make_engine(db_url)
    upgrade(engine)
    factory = make_session_factory(engine)
    names = [unique(n) for n in ("o1", "o2", "o3", "o4")]
    logs = [tmp_path / f"{n}.log" for n in ("o1", "o2", "o3", "o4")]
    processes = []
    with Receiver(delay=0.02) as receiver:
        work = prepare(factory, receiver, events=120, doomed=20)
        receiver.hold_from(40)
        try:
            first = outbox_worker(db_url, names[0], logs[0])
            processes.append(first)
            wait_for(
                lambda: receiver.held() >= 1,
                timeout=60,
                what="a delivery in flight",
                alive=[first],
                logs=logs,
            )
            kill9(first)
            in_flight = {h.msg_id for h in receiver.ok_hits()[39:]}
            with session_scope(factory) as s:
                claimed = {
                    d.message_id: (d.status, d.claimed_by)
                    for d in s.scalars(
                        select(WebhookDeliveryRow).where(
                            WebhookDeliveryRow.message_id.in_(in_flight)
                        )
                    )
                }
            assert set(claimed.values()) == {("pending", names[0])}, "unanswered: not recorded"
            pair = [outbox_worker(db_url, names[i], logs[i]) for i in (1, 2)]
            processes += pair
            receiver.release()  # the dead worker's requests get their answer: too late
            wait_for(
                lambda: len(receiver.ok_hits()) >= 100,
                timeout=60,
                what="deliveries to go on",
                alive=pair,
                logs=logs,
            )
            kill9(pair[0])
            last = outbox_worker(db_url, names[3], logs[3])
            processes.append(last)
            wait_for(
                lambda: settled(factory, work),
                timeout=60,
                what="every webhook delivered or dead-lettered",
                alive=[pair[1], last],
                logs=logs,
            )
        finally:
            for process in processes:
                stop(process)
        counts = verdict(factory, receiver, work)
        resent = [h.msg_id for h in receiver.ok_hits()]
        assert all(resent.count(m) >= 2 for m in in_flight), "held requests were sent again"
    engine.dispose()
    print(f"\nwebhooks after two kill -9: {counts}")
