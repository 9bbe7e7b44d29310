"""Realtime fan-out across workers: an event committed through one Baton process is streamed by
another at once, woken by PostgreSQL NOTIFY (the polling fallback is set to a minute here)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
from typer.testing import CliRunner

from baton.cli.main import app as cli
from baton.perf.servers import ServerProcess
from tests.faults.conftest import SENT_AT, seeded


def _events(response: httpx.Response) -> Iterator[tuple[int, str, dict[str, object]]]:
    """(id, event, data) for each SSE frame of a streaming response."""
    frame: dict[str, str] = {}
    for line in response.iter_lines():
        if line == "":
            if "data" in frame:
                yield int(frame["id"]), frame["event"], json.loads(frame["data"])
            frame = {}
        elif ":" in line and not line.startswith(":"):
            name, _, value = line.partition(":")
            frame[name] = value.strip()


def test_an_event_written_through_one_worker_streams_from_another(
    pg_url: str, spawn: Callable[..., ServerProcess]
) -> None:
    key = seeded(pg_url)
    writer = spawn(pg_url, events_poll_seconds="60")
    reader = spawn(pg_url, events_poll_seconds="60")
    headers = {"Authorization": f"Bearer {key}"}
    unsure = {
        "turn_id": "t1",
        "role": "user",
        "text": "hmm",
        "sent_at": SENT_AT,
        "bot": {"confidence": 0.1, "fallback": True},
        "customer": {"email": "fan@example.com", "authenticated": True},
    }
    offered = httpx.post(writer.url + "/v1/conversations/fan-1/turns", json=unsure, headers=headers)
    assert offered.json()["handoff"]["status"] == "offered"

    seen: list[tuple[int, str, dict[str, object]]] = []
    failures: list[BaseException] = []

    def follow() -> None:
        try:
            with httpx.stream(
                "GET", reader.url + "/v1/conversations/fan-1/events", headers=headers, timeout=20
            ) as response:
                for event in _events(response):
                    seen.append(event)
                    if len(seen) == 2:
                        return
        except httpx.HTTPError as exc:
            failures.append(exc)

    listener = threading.Thread(target=follow, daemon=True)
    listener.start()
    deadline = time.monotonic() + 20
    while not seen and time.monotonic() < deadline and not failures:
        time.sleep(0.02)
    assert [e for _, e, _ in seen] == ["handoff.offered"], failures
    taken = httpx.post(
        writer.url + "/v1/conversations/fan-1/handoff", json={"channel": "email"}, headers=headers
    )
    assert taken.status_code == 200
    listener.join(timeout=25)

    # The reader polls once a minute: inside the 20 s read timeout only a NOTIFY from the
    # writer's process can have woken it.
    assert not failures, failures
    assert [e for _, e, _ in seen] == ["handoff.offered", "handoff.created"]
    assert seen[0][0] < seen[1][0]
    assert seen[1][2]["status"] == "queued"
    assert seen[1][2]["channel"] == "email"
    assert seen[1][2]["handoff_id"] == offered.json()["handoff"]["id"]


def test_serve_refuses_several_workers_on_sqlite(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        cli,
        ["serve", "--workers", "2"],
        env={"BATON_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"},
    )
    assert result.exit_code == 2
    assert "SQLite is single-process" in result.output


def test_serve_runs_several_workers_on_postgresql(
    pg_url: str, spawn: Callable[..., ServerProcess]
) -> None:
    key = seeded(pg_url)
    server = spawn(pg_url, workers=2)
    assert len(server.worker_pids()) == 2
    headers = {"Authorization": f"Bearer {key}"}
    for n in range(10):
        body = {"turn_id": f"t{n}", "role": "user", "text": "hi", "sent_at": SENT_AT}
        r = httpx.post(server.url + f"/v1/conversations/w-{n}/turns", json=body, headers=headers)
        assert r.status_code == 200
