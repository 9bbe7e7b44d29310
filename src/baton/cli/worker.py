"""`baton worker`: the background loops: offer expiry, SLA timers and assignment."""

from __future__ import annotations

import os
import signal
import socket
import threading
from types import FrameType

import typer

from baton.cli.common import console


def worker(
    poll: float = typer.Option(0.5, help="seconds to sleep when there is nothing to do"),
    batch: int = typer.Option(200, min=1, help="cases, timers or offers per transaction"),
    name: str | None = typer.Option(None, help="this worker's name in the event log"),
    once: bool = typer.Option(False, help="run one pass and exit"),
    migrate: bool = typer.Option(True, help="bring the schema up to date first"),
) -> None:
    """Run the assignment, SLA-timer and offer-timeout loops until stopped (SIGINT/SIGTERM)."""
    from baton.config import get_settings
    from baton.desk import worker as loop
    from baton.policy import load_policy
    from baton.store.db import engine_for, make_session_factory, upgrade
    from baton.tenant_policy import TenantPolicies

    settings = get_settings()
    policy = load_policy(settings.policy)
    engine = engine_for(settings)
    label = name or f"worker-{socket.gethostname()}-{os.getpid()}"
    stop = threading.Event()

    def _stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        if migrate:
            upgrade(engine)
        factory = make_session_factory(engine)
        book = TenantPolicies(
            policy, factory=factory, cache_seconds=settings.tenant_policy_cache_seconds
        )
        if once:
            result = loop.tick(factory=factory, policy=book, name=label, batch=batch)
            console.print(
                f"{result.assigned} assigned, {result.fired} timers fired, "
                f"{result.expired} offers expired"
            )
            return
        console.print(f"[green]{label}[/] running on {engine.url.render_as_string()}")
        loop.run(factory=factory, policy=book, name=label, stop=stop, poll=poll, batch=batch)
    finally:
        engine.dispose()
