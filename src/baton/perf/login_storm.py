"""`baton bench login-storm`: wrong sign-ins in a burst while a bot keeps sending turns.

A real `baton serve` on a fresh database; `logins` clients each fetch the sign-in form and post a
wrong password, all released together, `rounds` times; two bot clients send turns throughout.
The turns' latency during the storm and the sign-ins' status codes are what to read: turns
should stay fast and the storm should see 401s and 429s, never a 500.

The storm's clients run in a process of their own: sixty client threads beside the bots in one
interpreter would make the bots wait for the GIL, and that wait would be read as the server's.
"""

from __future__ import annotations

import multiprocessing
import os
import re
import secrets
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import httpx

from baton.desk import agents
from baton.perf.databases import fresh_database, prepare, trained_cache
from baton.perf.servers import ServerProcess
from baton.store.db import make_engine, make_session_factory, session_scope
from baton.store.tables import DEFAULT_TENANT

_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')
EMAIL = "storm@example.com"
BASELINE_SECONDS = 5.0


@dataclass
class StormReport:
    engine: str
    turn_ms: list[float] = field(default_factory=list)
    baseline_ms: list[float] = field(default_factory=list)
    turn_statuses: Counter[int] = field(default_factory=Counter)
    login_statuses: Counter[int] = field(default_factory=Counter)
    load_at_start: float = 0.0

    def percentile(self, q: float, *, baseline: bool = False) -> float:
        ordered = sorted(self.baseline_ms if baseline else self.turn_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


def _agent(url: str) -> None:
    engine = make_engine(url)
    try:
        with session_scope(make_session_factory(engine)) as session:
            agents.create(
                session=session,
                email=EMAIL,
                name="Storm Target",
                password=secrets.token_urlsafe(16),  # never used: every sign-in here is wrong
                role=agents.AgentRole.AGENT,
                actor="bench",
                tenant_id=DEFAULT_TENANT,
                queues=("support",),
                now=datetime.now(UTC),
            )
    finally:
        engine.dispose()


def _wrong_login(base: str, start: threading.Barrier, report: StormReport, n: int) -> None:
    with httpx.Client(base_url=base, timeout=120) as client:
        form = client.get("/console/login")
        token = _TOKEN.search(form.text)
        start.wait()
        try:
            r = client.post(
                "/console/login",
                data={
                    "email": EMAIL,
                    "password": f"wrong {n}",
                    "login_token": token[1] if token else "",
                },
                follow_redirects=False,
            )
            report.login_statuses[r.status_code] += 1
        except httpx.HTTPError:
            report.login_statuses[0] += 1


def _storm(base: str, logins: int, rounds: int) -> dict[int, int]:
    """The bursts, run in the child process; returns the sign-ins' status counts."""
    report = StormReport(engine="")
    for _ in range(rounds):
        start = threading.Barrier(logins)
        storm = [
            threading.Thread(target=_wrong_login, args=(base, start, report, n))
            for n in range(logins)
        ]
        for thread in storm:
            thread.start()
        for thread in storm:
            thread.join()
    return dict(report.login_statuses)


def _bot(base: str, key: str, stop: threading.Event, report: StormReport) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    conversation = uuid.uuid4().hex[:12]
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        n = 0
        while not stop.is_set():
            n += 1
            body = {"turn_id": f"t{n}", "role": "user", "text": "where is my parcel?"}
            body["sent_at"] = datetime.now(UTC).isoformat()
            began = time.perf_counter()
            r = client.post(f"/v1/conversations/{conversation}-{n // 20}/turns", json=body)
            report.turn_ms.append((time.perf_counter() - began) * 1000)
            report.turn_statuses[r.status_code] += 1


def bench_login_storm(
    *, engine: str, workdir: Path, pg_url: str, logins: int = 60, rounds: int = 3
) -> StormReport:
    report = StormReport(engine=engine, load_at_start=os.getloadavg()[0])
    with fresh_database(engine, workdir=workdir, pg_url=pg_url) as url:
        key = prepare(url)
        _agent(url)
        settings = {
            "BATON_DATABASE_URL": url,
            "BATON_MODEL_CACHE_DIR": str(trained_cache()),
            "BATON_RATE_LIMIT_PER_MINUTE": "0",
            "BATON_SECRET_KEY": "bench-secret-key-0123456789abcdef",
        }
        server = ServerProcess.baton(settings=settings, workdir=workdir).start("/readyz")
        stop = threading.Event()
        pool = multiprocessing.get_context("spawn").Pool(1)
        try:
            pool.apply(os.getpid)  # the storm's process is up before anything is measured
            bots = [
                threading.Thread(target=_bot, args=(server.url, key, stop, report))
                for _ in range(2)
            ]
            for bot in bots:
                bot.start()
            time.sleep(BASELINE_SECONDS)  # the bots alone, for comparison
            report.baseline_ms, report.turn_ms = report.turn_ms, []
            report.turn_statuses.clear()
            report.login_statuses.update(pool.apply(_storm, (server.url, logins, rounds)))
            stop.set()
            for bot in bots:
                bot.join()
        finally:
            stop.set()
            pool.terminate()
            server.stop()
    return report
