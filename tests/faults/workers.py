"""Background-worker fault helpers: real `baton worker` and `baton outbox run` processes, and a
way to catch one of them inside a transaction so that kill -9 lands mid-work for certain.

`stall(engine, app, after_events)` makes the database pause (pg_sleep) the transaction of the
worker connected as `app` as soon as it inserts a handoff event once `after_events` exist: its
earlier writes of that transaction are made but not committed. `stalled(engine, app)` says when
it sits there. A worker URL carries `client_connection_check_interval`, so when the worker is
killed its backend notices within 250 ms, rolls back and frees its row locks, as a backend does
when its client's connection drops.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from sqlalchemy import Engine, text

from tests.factories.transfer import LOOPBACK

SRC = Path(__file__).resolve().parents[2] / "src"

STALL_SQL = """
CREATE TABLE fault_stall (app text PRIMARY KEY, after_events integer NOT NULL);
CREATE FUNCTION fault_stall() RETURNS trigger AS $$
DECLARE
  threshold integer;
BEGIN
  SELECT after_events INTO threshold FROM fault_stall
    WHERE app = current_setting('application_name');
  IF threshold IS NOT NULL AND (SELECT count(*) FROM handoff_events) >= threshold THEN
    PERFORM pg_sleep(120);
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER fault_stall BEFORE INSERT ON handoff_events
  FOR EACH ROW EXECUTE FUNCTION fault_stall();
"""


def unique(name: str) -> str:
    """A name no concurrent test run on the shared PostgreSQL uses (application_name, actor)."""
    return f"{name}-{uuid.uuid4().hex[:6]}"


def as_app(url: str, app: str) -> str:
    """The URL for a worker connecting as `app`, whose backend notices a dead client fast.

    `url` ends with the fixture's `options=-csearch_path…` value, which this extends.
    """
    return f"{url}%20-cclient_connection_check_interval%3D250&application_name={app}"


def install_stall(engine: Engine, plan: dict[str, int]) -> None:
    """Stall each worker `app` inside its transaction once `after_events` handoff events exist."""
    with engine.begin() as conn:
        conn.execute(text(STALL_SQL))
        for app, after in plan.items():
            conn.execute(
                text("INSERT INTO fault_stall (app, after_events) VALUES (:app, :after)"),
                {"app": app, "after": after},
            )


def stalled(engine: Engine, app: str) -> bool:
    """Whether the backend of `app` sits in the stall (pg_sleep inside its open transaction)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return bool(
            conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE application_name = :app AND wait_event = 'PgSleep' "
                    "AND xact_start IS NOT NULL"
                ),
                {"app": app},
            ).scalar()
        )


def backend_gone(engine: Engine, app: str) -> bool:
    """Whether no backend of `app` is left (its transaction rolled back, its locks freed)."""
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        return not conn.execute(
            text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :app"),
            {"app": app},
        ).scalar()


def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BATON_")}
    env.update(BATON_DATABASE_URL=url, PYTHONPATH=str(SRC), PYTHONUNBUFFERED="1")
    env.update(BATON_WEBHOOK_ALLOW_PRIVATE=LOOPBACK)  # the receivers listen on loopback
    return env


def _spawn(argv: list[str], url: str, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "baton", *argv], env=_env(url), stdout=out, stderr=out
        )


def desk_worker(url: str, name: str, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """`baton worker --name NAME` (assignment, offer expiry, SLA timers), polling fast."""
    argv = ["worker", "--name", name, "--no-migrate", "--poll", "0.02", *args]
    return _spawn(argv, url, log)


def outbox_worker(url: str, name: str, log: Path, *args: str) -> subprocess.Popen[bytes]:
    """`baton outbox run` (webhook delivery) with a short lease, so a dead worker's claims
    come back in seconds rather than a minute."""
    argv = ["outbox", "run", "--worker-id", name, "--poll", "0.02", "--lease-seconds", "2"]
    return _spawn([*argv, *args], url, log)


def kill9(process: subprocess.Popen[bytes]) -> None:
    """kill -9: no shutdown, no rollback sent, no goodbye."""
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=10) == -signal.SIGKILL


def stop(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM (the worker finishes its pass), SIGKILL if it does not exit in time."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def wait_for(
    check: Callable[[], bool],
    *,
    timeout: float,
    what: str,
    alive: list[subprocess.Popen[bytes]] | None = None,
    logs: list[Path] | None = None,
) -> None:
    """Poll `check` until it holds; fail after `timeout` s, or at once if a worker died."""
    deadline = time.monotonic() + timeout
    while not check():
        dead = [p.pid for p in alive or [] if p.poll() is not None]
        if dead or time.monotonic() > deadline:
            tails = "\n".join(
                f"--- {log.name}\n" + "\n".join(log.read_text(errors="replace").splitlines()[-15:])
                for log in logs or []
                if log.exists()
            )
            cause = f"worker {dead} died" if dead else f"timed out after {timeout:.0f} s"
            raise AssertionError(f"{cause} waiting for {what}\n{tails}")
        time.sleep(0.05)


def _kill_each_when_stalled(
    engine: Engine,
    running: dict[str, subprocess.Popen[bytes]],
    progress: Callable[[], Counter[str]],
    *,
    what: str,
    logs: list[Path],
) -> dict[str, Counter[str]]:
    """kill -9 each running worker once it stalls inside its transaction, whichever first; wait
    until its backend has rolled back, and note `progress()` (the committed work by actor) then."""
    at_kill: dict[str, Counter[str]] = {}
    while running:
        wait_for(
            lambda: any(stalled(engine, w) for w in running),
            timeout=60,
            what=f"a worker to stall inside {what}",
            alive=list(running.values()),
            logs=logs,
        )
        worker = next(w for w in running if stalled(engine, w))
        kill9(running.pop(worker))
        wait_for(
            partial(backend_gone, engine, worker),
            timeout=20,
            what=f"the backend of the killed {worker} to roll back",
        )
        at_kill[worker] = progress()
    return at_kill


@dataclass
class KillRun:
    """Who did the work of `kill_two_then_finish`, and what was committed at each kill."""

    killed: tuple[str, str]
    fresh: tuple[str, str]
    at_kill: dict[str, Counter[str]]

    def assert_killed_left_nothing(self, by_actor: Counter[str | None], total: int) -> None:
        """What the killed workers committed before dying is all they ever wrote (the
        transaction each was killed in left nothing behind); the fresh ones did the rest."""
        first, second = self.killed
        assert by_actor[first] == self.at_kill[first][first]
        assert by_actor[second] == self.at_kill[second][second]
        last = max(self.at_kill.values(), key=lambda c: sum(c.values()))
        assert by_actor[self.fresh[0]] + by_actor[self.fresh[1]] == total - sum(last.values()) > 0


def kill_two_then_finish(
    engine: Engine,
    url: str,
    tmp_path: Path,
    progress: Callable[[], Counter[str]],
    *,
    total: int,
    what: str,
    fresh_args: tuple[str, ...] = (),
) -> KillRun:
    """Two `baton worker`s, each killed -9 inside a transaction (after a quarter and two thirds
    of the `total` units of work), then two fresh ones that must finish all of it."""
    w1, w2, w3, w4 = (unique(n) for n in ("w1", "w2", "w3", "w4"))
    install_stall(engine, {w1: total // 4, w2: total * 2 // 3})
    logs = [tmp_path / f"{n}.log" for n in ("w1", "w2", "w3", "w4")]
    first = [
        desk_worker(as_app(url, w), w, log, "--batch", "10")
        for w, log in ((w1, logs[0]), (w2, logs[1]))
    ]
    second: list[subprocess.Popen[bytes]] = []
    try:
        running = dict(zip((w1, w2), first, strict=True))
        at_kill = _kill_each_when_stalled(engine, running, progress, what=what, logs=logs)
        last = max(at_kill.values(), key=lambda c: sum(c.values()))
        assert sum(last.values()) < total, "the second kill came after all the work"
        second = [
            desk_worker(url, w, log, *fresh_args) for w, log in ((w3, logs[2]), (w4, logs[3]))
        ]
        wait_for(
            lambda: sum(progress().values()) >= total,
            timeout=60,
            what=f"all {total} done after {what}",
            alive=second,
            logs=logs,
        )
    finally:
        for process in first + second:
            stop(process)
    return KillRun(killed=(w1, w2), fresh=(w3, w4), at_kill=at_kill)
