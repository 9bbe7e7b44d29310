"""`baton outbox`: run the delivery worker (webhooks, e-mail) and see what is waiting."""

from __future__ import annotations

import signal
import threading
from datetime import timedelta
from functools import partial
from types import FrameType

import typer

from baton.cli.common import console

app = typer.Typer(
    help="The outbox: webhooks and e-mail, delivered after commit.", no_args_is_help=True
)


@app.command("run")
def run(
    poll: float = typer.Option(0.5, help="seconds to rest when nothing is due"),
    lease_seconds: float = typer.Option(
        60.0, help="how long a claim holds before others may retry"
    ),
    batch: int = typer.Option(20, help="rows claimed per pass"),
    until_idle: bool = typer.Option(False, help="exit once nothing is due instead of looping"),
    worker_id: str | None = typer.Option(None, help="name in claimed_by; host:pid by default"),
) -> None:
    """Deliver due outbox rows until stopped (SIGTERM/SIGINT finish the current pass)."""
    from baton.config import get_settings
    from baton.policy import load_policy
    from baton.store.db import engine_for, make_session_factory, upgrade
    from baton.tenant_policy import TenantPolicies
    from baton.transfer.egress import guard_from_settings
    from baton.transfer.email import SmtpMailer
    from baton.transfer.outbox import Worker, default_worker_id, utcnow
    from baton.transfer.transport import HttpxTransport

    settings = get_settings()
    engine = engine_for(settings)
    upgrade(engine)
    transport = HttpxTransport(guard=guard_from_settings(settings))
    factory = make_session_factory(engine)
    policies = TenantPolicies(
        load_policy(settings.policy),
        factory=factory,
        cache_seconds=settings.tenant_policy_cache_seconds,
    )
    worker = Worker(
        factory=factory,
        transport=transport,
        mailer=SmtpMailer.from_settings(settings),
        sender=settings.smtp_from,
        team_email=settings.team_email,
        team_email_for=partial(policies.team_email, fallback=settings.team_email),
        worker_id=worker_id or default_worker_id(),
        lease=timedelta(seconds=lease_seconds),
        batch=batch,
    )
    stop = threading.Event()

    def _stop(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    console.print(f"outbox worker {worker.worker_id} running")
    try:
        if until_idle:
            while not stop.is_set() and worker.run_once(now=utcnow()):
                pass
        else:
            worker.run(stop=stop, poll_seconds=poll)
    finally:
        transport.close()
        engine.dispose()


@app.command("status")
def status() -> None:
    """Counts of outbox rows and webhook deliveries by status."""
    from sqlalchemy import func, select

    from baton.config import get_settings
    from baton.store.db import engine_for, make_session_factory, session_scope, upgrade
    from baton.store.tables import OutboxRow, WebhookDeliveryRow

    engine = engine_for(get_settings())
    try:
        upgrade(engine)
        with session_scope(make_session_factory(engine)) as session:
            rows = session.execute(
                select(OutboxRow.kind, OutboxRow.status, func.count()).group_by(
                    OutboxRow.kind, OutboxRow.status
                )
            ).all()
            deliveries = session.execute(
                select(WebhookDeliveryRow.status, func.count()).group_by(WebhookDeliveryRow.status)
            ).all()
    finally:
        engine.dispose()
    for kind, state, count in rows:
        console.print(f"outbox {kind:8} {state:10} {count}")
    for state, count in deliveries:
        console.print(f"delivery {state:16} {count}")
