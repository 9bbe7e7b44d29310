"""The worker loop: expire lapsed offers, fire due SLA timers, abandon what the customer left,
set away the agents whose console is closed or idle, put back silent accepted cases,
push queued cases to agents, and tell queued customers their place and wait when it changes.

Each step is its own unit of work, so one failing step never undoes another. Any number of
workers may run against one PostgreSQL database; rows are claimed, never shared. On SQLite run
one worker beside the server (SQLite has a single writer).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy.exc import SQLAlchemyError

from baton.desk.abandon import abandon_due
from baton.desk.assign import assign_batch
from baton.desk.offers import expire_offers
from baton.desk.presence import auto_away, reoffer_silent
from baton.desk.timers import fire_due
from baton.desk.waits import publish_waits
from baton.policy import Policy
from baton.privacy import apply_retention
from baton.store.db import SessionFactory, session_scope, unavailable
from baton.store.tenants import list_tenant_ids

log = logging.getLogger("baton.worker")
WAITS_EVERY = timedelta(seconds=5)
RETENTION_EVERY = timedelta(minutes=10)


def utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class TickResult:
    expired: int = 0
    fired: int = 0
    assigned: int = 0
    abandoned: int = 0
    waits: int = 0
    away: int = 0
    reassigned: int = 0

    @property
    def busy(self) -> bool:
        return bool(
            self.expired
            or self.fired
            or self.assigned
            or self.abandoned
            or self.waits
            or self.away
            or self.reassigned
        )


def tick(
    *,
    factory: SessionFactory,
    policy: Policy,
    name: str,
    batch: int = 200,
    clock: Callable[[], datetime] = utcnow,
    waits: bool = True,
) -> TickResult:
    """One pass of every loop (the waits' only when `waits`); returns what it did."""
    with session_scope(factory) as session:
        expired = expire_offers(session=session, now=clock(), limit=batch, actor=name)
    with session_scope(factory) as session:
        fired = fire_due(session=session, policy=policy, now=clock(), limit=batch, actor=name)
    with session_scope(factory) as session:
        left = abandon_due(session=session, policy=policy, now=clock(), limit=batch, actor=name)
    with session_scope(factory) as session:
        away = auto_away(session=session, policy=policy, now=clock(), limit=batch, actor=name)
    with session_scope(factory) as session:
        moved = reoffer_silent(session=session, policy=policy, now=clock(), limit=batch, actor=name)
    with session_scope(factory) as session:
        tenants = list_tenant_ids(session=session)
    made = told = 0
    for tenant_id in tenants:
        with session_scope(factory) as session:
            made += len(
                assign_batch(
                    session=session,
                    tenant_id=tenant_id,
                    policy=policy,
                    now=clock(),
                    limit=batch,
                    actor=name,
                )
            )
        if waits:
            with session_scope(factory) as session:
                told += publish_waits(
                    session=session, tenant_id=tenant_id, policy=policy, now=clock()
                )
    return TickResult(
        expired=expired,
        fired=len(fired),
        assigned=made,
        abandoned=left,
        waits=told,
        away=len(away),
        reassigned=len(moved),
    )


def _retain(factory: SessionFactory, policy: Policy, name: str, now: datetime) -> None:
    with session_scope(factory) as session:
        done = apply_retention(session=session, policy=policy, now=now, actor=f"system:{name}")
    if done.conversations:
        log.info("worker %s: retention erased %d conversations", name, done.conversations)


def run(
    *,
    factory: SessionFactory,
    policy: Policy,
    name: str,
    stop: threading.Event,
    poll: float = 0.5,
    batch: int = 200,
    clock: Callable[[], datetime] = utcnow,
    waits_every: timedelta = WAITS_EVERY,
) -> None:
    """Tick until `stop` is set; sleep `poll` seconds only when a tick found nothing to do.
    Every `RETENTION_EVERY` it also erases what the policy's retention period has expired."""
    waits_due = retention_due = clock()
    while not stop.is_set():
        waits = clock() >= waits_due
        if waits:
            waits_due = clock() + waits_every
        try:
            if clock() >= retention_due:
                _retain(factory, policy, name, clock())
                retention_due = clock() + RETENTION_EVERY
            result = tick(
                factory=factory, policy=policy, name=name, batch=batch, clock=clock, waits=waits
            )
        except SQLAlchemyError as exc:
            if not unavailable(exc):
                raise
            log.warning(
                "worker %s: database busy or unreachable, retrying: %s",
                name,
                getattr(exc, "orig", None) or exc,
            )
            stop.wait(poll)
            continue
        if result.busy:
            log.info(
                "worker %s: %d assigned, %d timers fired, %d offers expired, %d waits told, "
                "%d agents set away, %d silent cases re-offered",
                name,
                result.assigned,
                result.fired,
                result.expired,
                result.waits,
                result.away,
                result.reassigned,
            )
        else:
            stop.wait(poll)
