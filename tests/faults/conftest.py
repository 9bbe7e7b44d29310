"""Fault-test fixtures: real server processes to kill, a private PostgreSQL to restart, a load
that records every request and its answer, and checks run on that recorded history.

Reusable by any fault test (assignment, timers, webhooks):

- `spawn(url, **settings)` starts `baton serve` in a child process and stops it after the test;
  `ServerProcess.kill()` is kill -9; `.worker_pids()` lists the workers of `--workers N`.
- `pg_url` is a fresh schema on the shared PostgreSQL; `private_pg` is a PostgreSQL cluster of
  this test session's own (a free port, a temp directory) that `restart()` may stop and start
  without disturbing anyone else's database, and whose `database_url(name)` makes a database.
- `History` records what every client sent and what it got back; `TurnLoad` drives turns from
  several client threads, retrying the same turn id on a lost connection or a 5xx, as a bot
  should; `assert_turns_consistent` checks the store against the history.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, func, select, text

from baton.config import Settings
from baton.perf.databases import prepare
from baton.perf.servers import ServerProcess, free_port
from baton.store.db import make_engine, make_session_factory
from baton.store.tables import (
    ConversationEventRow,
    ConversationRow,
    HandoffEventRow,
    HandoffRow,
    TurnRow,
)
from tests.conftest import PG_URL

SENT_AT = "2026-11-24T10:00:00Z"
# One turn in four asks for a person, so handoffs, their events and outbox rows are written too.
TEXTS = (
    "what are your opening hours?",
    "where is my order 4417?",
    "can I change the delivery address",
    "I want to talk to a human",
)


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh schema on the shared PostgreSQL (BATON_TEST_DATABASE_URL), dropped after."""
    if not PG_URL:
        pytest.skip("BATON_TEST_DATABASE_URL is not set: PostgreSQL fault tests skipped")
    base = Settings(database_url=PG_URL).database_url
    schema = "f_" + uuid.uuid4().hex[:12]
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., ServerProcess]]:
    """Start `baton serve` on a database; every server started is stopped after the test."""
    started: list[ServerProcess] = []

    def start(url: str, *, workers: int = 1, **settings: str) -> ServerProcess:
        env = {
            "BATON_DATABASE_URL": url,
            "BATON_MODEL_CACHE_DIR": str(tmp_path / "model-cache"),
            "BATON_RATE_LIMIT_PER_MINUTE": "0",
            **{f"BATON_{k.upper()}": v for k, v in settings.items()},
        }
        server = ServerProcess.baton(settings=env, workdir=tmp_path, workers=workers)
        started.append(server)
        return server.start(ready_path="/readyz")

    yield start
    for server in started:
        server.kill()


# -- a private PostgreSQL cluster ----------------------------------------------------------------


@dataclass
class PrivateCluster:
    """A PostgreSQL cluster of our own, run as the postgres user from a temp directory."""

    bindir: Path
    root: Path
    port: int

    @property
    def data(self) -> Path:
        return self.root / "data"

    def _pg_ctl(self, *args: str) -> None:
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off"
        subprocess.run(
            [
                str(self.bindir / "pg_ctl"),
                "-D",
                str(self.data),
                "-l",
                str(self.root / "log"),
                "-o",
                options,
                "-w",
                "-t",
                "60",
                *args,
            ],
            check=True,
            user="postgres",
            group="postgres",
            capture_output=True,
        )

    def start(self) -> None:
        self._pg_ctl("start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")

    def restart(self) -> None:
        """A fast restart: open connections are cut, new ones refused until it is back."""
        self._pg_ctl("-m", "fast", "restart")

    def database_url(self, name: str) -> str:
        admin = create_engine(self.url("postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        return self.url(name)

    def url(self, database: str) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def sql(self, statement: str, database: str = "postgres") -> None:
        engine = create_engine(self.url(database), isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as conn:
                conn.execute(text(statement))
        finally:
            engine.dispose()


def _postgres_bindir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


@pytest.fixture(scope="session")
def private_pg() -> Iterator[PrivateCluster]:
    """A throwaway PostgreSQL cluster (initdb in a temp dir); needs root and the server package."""
    bindir = _postgres_bindir()
    if bindir is None or os.geteuid() != 0:
        pytest.skip("a private PostgreSQL cluster needs root and Debian's postgresql package")
    root = Path(tempfile.mkdtemp(prefix="baton-pg-"))
    shutil.chown(root, "postgres", "postgres")
    subprocess.run(
        [
            str(bindir / "initdb"),
            "-D",
            str(root / "data"),
            "-A",
            "trust",
            "-U",
            "postgres",
            "--no-sync",
            "-E",
            "UTF8",
        ],
        check=True,
        user="postgres",
        group="postgres",
        capture_output=True,
    )
    cluster = PrivateCluster(bindir=bindir, root=root, port=free_port())
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


# -- the recorded history ------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One request as a client saw it: what it sent and what came back (status 0: no answer)."""

    conversation_id: str
    turn_id: str
    text: str
    status: int
    body: dict[str, Any] | None
    headers: dict[str, str]


@dataclass
class History:
    attempts: list[Attempt] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, attempt: Attempt) -> None:
        with self.lock:
            self.attempts.append(attempt)

    def accepted(self) -> dict[tuple[str, str], Attempt]:
        """The first 200 per (conversation, turn): what the client was promised."""
        with self.lock:
            first: dict[tuple[str, str], Attempt] = {}
            for a in self.attempts:
                if a.status == 200:
                    first.setdefault((a.conversation_id, a.turn_id), a)
            return first

    def failures(self) -> list[Attempt]:
        with self.lock:
            return [a for a in self.attempts if a.status != 200]

    def wait_for_accepted(self, count: int, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while len(self.accepted()) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"only {len(self.accepted())} turns accepted in {timeout} s")
            time.sleep(0.05)


class TurnLoad:
    """Client threads, each sending its own conversation's turns in order; a turn that got no
    answer or a 5xx is sent again with the same turn id (the idempotency key) until it gets one.
    Bounded: `turns` per client, and `deadline` seconds in all."""

    def __init__(
        self,
        base_url: str | Callable[[], str],
        api_key: str,
        history: History,
        *,
        clients: int = 4,
        turns: int = 40,
        deadline: float = 180.0,
    ) -> None:
        self.base_url = base_url if callable(base_url) else (lambda: str(base_url))
        self.api_key = api_key
        self.history = history
        self.turns = turns
        self.deadline = time.monotonic() + deadline
        self.run_id = uuid.uuid4().hex[:6]
        self.threads = [
            threading.Thread(target=self._client, args=(i,), daemon=True) for i in range(clients)
        ]

    def start(self) -> TurnLoad:
        for t in self.threads:
            t.start()
        return self

    def join(self) -> None:
        for t in self.threads:
            t.join(timeout=max(1.0, self.deadline - time.monotonic() + 5))
        assert not any(t.is_alive() for t in self.threads), "a load client did not finish"

    def _client(self, index: int) -> None:
        conversation = f"load-{self.run_id}-{index}"
        headers = {"Authorization": f"Bearer {self.api_key}"}
        with httpx.Client(timeout=30.0, headers=headers) as client:
            for n in range(self.turns):
                body = {
                    "turn_id": f"t{n}",
                    "role": "user",
                    "text": TEXTS[n % len(TEXTS)],
                    "sent_at": SENT_AT,
                }
                while time.monotonic() < self.deadline:
                    status = self._send(client, conversation, body)
                    if 200 <= status < 500:
                        break
                    time.sleep(0.05)

    def _send(self, client: httpx.Client, conversation: str, body: dict[str, Any]) -> int:
        url = f"{self.base_url()}/v1/conversations/{conversation}/turns"
        try:
            response = client.post(url, json=body)
        except httpx.TransportError:
            self.history.add(Attempt(conversation, body["turn_id"], body["text"], 0, None, {}))
            return 0
        try:
            payload = response.json()
        except ValueError:
            payload = None
        self.history.add(
            Attempt(
                conversation,
                body["turn_id"],
                body["text"],
                response.status_code,
                payload,
                dict(response.headers),
            )
        )
        return response.status_code


def seeded(url: str) -> str:
    """Migrate the database and make an API key for the load clients."""
    return prepare(url, key_name="fault-bot")


def assert_turns_consistent(url: str, history: History) -> dict[str, int]:
    """No accepted turn lost, nothing half-written; the row counts, for the test to report."""
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            turns = {(t.conversation_id, t.turn_id): t for t in session.scalars(select(TurnRow))}
            for key, attempt in history.accepted().items():
                stored = turns.get(key)
                assert stored is not None, f"turn {key} got a 200 but is not stored"
                assert stored.text == attempt.text
                assert stored.response is not None
                assert attempt.body is not None
                promised = (attempt.body.get("handoff") or {}).get("id")
                kept = (stored.response.get("handoff") or {}).get("id")
                assert promised == kept, f"turn {key}: answered handoff {promised}, stored {kept}"
            assert all(t.response is not None for t in turns.values()), "a turn without its answer"
            for conv in session.scalars(select(ConversationRow)):
                seqs = sorted(t.seq for k, t in turns.items() if k[0] == conv.id)
                assert seqs == list(range(1, conv.turn_count + 1)), f"{conv.id}: seq {seqs}"
            for handoff in session.scalars(select(HandoffRow)):
                events = session.scalar(
                    select(func.count()).where(HandoffEventRow.handoff_id == handoff.id)
                )
                told = session.scalar(
                    select(func.count()).where(
                        ConversationEventRow.conversation_id == handoff.conversation_id
                    )
                )
                assert events and told, f"handoff {handoff.id} without its events"
            return {
                "turns": len(turns),
                "accepted": len(history.accepted()),
                "handoffs": int(session.scalar(select(func.count()).select_from(HandoffRow)) or 0),
            }
    finally:
        engine.dispose()
