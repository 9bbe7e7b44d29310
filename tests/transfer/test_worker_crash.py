"""A real worker process killed (SIGKILL) in the middle of a delivery loses nothing."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from baton.store.db import SessionFactory, session_scope
from baton.store.tables import OutboxRow, WebhookDeliveryRow
from tests.factories.transfer import (
    LOOPBACK,
    Receiver,
    add_endpoint,
    enqueue,
    secret_of,
)

SRC = Path(__file__).resolve().parents[2] / "src"


def start_worker(db_url: str, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BATON_DATABASE_URL": db_url,
        "BATON_WEBHOOK_ALLOW_PRIVATE": LOOPBACK,
        "PYTHONPATH": str(SRC),
    }
    command = [sys.executable, "-m", "baton", "outbox", "run", "--lease-seconds", "2"]
    with log.open("ab") as out:
        return subprocess.Popen([*command, "--poll", "0.1"], env=env, stdout=out, stderr=out)


def wait_for(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.05)
    return False


@pytest.mark.slow
def test_sigkill_mid_delivery_then_restart_delivers_everything_once(
    db_url: str, session_factory: SessionFactory, tmp_path: Path
) -> None:
    log = tmp_path / "worker.log"
    with Receiver() as receiver:
        endpoint_id = add_endpoint(session_factory, receiver.url)
        receiver.secrets = [secret_of(session_factory, endpoint_id)]
        now = datetime.now(UTC)
        expected = {f"ho_{i}" for i in range(5)}
        for handoff_id in sorted(expected):
            enqueue(session_factory, "handoff.created", {"handoff_id": handoff_id}, now)

        receiver.hold()  # the first request to arrive blocks inside the receiver
        first = start_worker(db_url, log)
        try:
            assert receiver.arrived.wait(60), log.read_text()
            held = receiver.received[0].msg_id
            first.send_signal(signal.SIGKILL)  # killed while that request is in flight
            assert first.wait(timeout=10) == -signal.SIGKILL
        finally:
            if first.poll() is None:
                first.kill()
                first.wait()
        receiver.release()

        with session_scope(session_factory) as s:
            statuses = {d.message_id: d.status for d in s.scalars(select(WebhookDeliveryRow))}
            assert statuses[held] == "pending"  # the unanswered one was not marked delivered
            assert not list(s.scalars(select(OutboxRow).where(OutboxRow.status == "dead")))

        second = start_worker(db_url, log)
        try:
            assert wait_for(
                lambda: len(receiver.accepted()) == 5 and all_delivered(session_factory), 60
            ), log.read_text()
        finally:
            second.send_signal(signal.SIGTERM)
            assert second.wait(timeout=15) == 0

    accepted = receiver.accepted()
    assert {p["data"]["handoff_id"] for p in accepted.values()} == expected
    ids = [r.msg_id for r in receiver.received]
    assert ids.count(held) >= 2  # resent after the crash, with the same webhook-id
    assert set(ids) == set(accepted)  # duplicates only ever repeat an id: dedup leaves 5
    # every complete request carried a valid signature; a body cut short by the kill did not
    statuses = [(r.msg_id, r.status, r.truncated) for r in receiver.received]
    assert all(status == 200 or cut for _, status, cut in statuses), statuses


def all_delivered(factory: SessionFactory) -> bool:
    with session_scope(factory) as s:
        rows = list(s.scalars(select(WebhookDeliveryRow)))
        return len(rows) == 5 and all(d.status == "delivered" for d in rows)
