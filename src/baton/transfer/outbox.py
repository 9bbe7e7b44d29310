"""The outbox worker: claims due rows after the business commit, delivers them, retries.

Work is claimed with a lease (`claimed_by`, `claimed_until`) in one short transaction —
`UPDATE … WHERE id IN (SELECT … FOR UPDATE SKIP LOCKED)` on PostgreSQL, the single writer on
SQLite — and each outcome is recorded in a transaction of its own. A worker that dies holding
a lease loses nothing: the lease runs out and another worker claims the row again. Time is an
argument (`now`) everywhere, so the retry schedule is tested without waiting for it.

Only a failure of the work itself (a payload that cannot be handled, a receiver or SMTP server
that fails) counts as an attempt and moves the row along its retry schedule. A database that
is down or restarting is nobody's attempt: the pass stops, the row is left as it is, and it is
tried again when its lease runs out (`baton.store.db.unavailable`).

Three kinds of work:
    outbox rows of kind "webhook"  an event: fanned out to one delivery per endpoint, plus the
                                   e-mails a `handoff.created` on the e-mail channel calls for
    webhook deliveries             a signed POST to one endpoint
    outbox rows of kind "email"    one message over SMTP
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, or_, select, update
from sqlalchemy.orm import Session

from baton.domain import Brief, Customer
from baton.store import repositories as repo
from baton.store.db import SessionFactory, session_scope, unavailable
from baton.store.tables import OutboxRow, WebhookDeliveryRow, WebhookEndpointRow
from baton.transfer import webhooks
from baton.transfer.email import EMAIL_SCHEDULE_SECONDS, Email, Mailer, handoff_emails
from baton.transfer.transport import WebhookRequest, WebhookResponse, WebhookTransport

log = logging.getLogger("baton.outbox")

LEASE = timedelta(seconds=60)
Claimable = type[OutboxRow] | type[WebhookDeliveryRow]


def default_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def utcnow() -> datetime:
    return datetime.now(UTC)


def claim(
    *,
    session: Session,
    table: Claimable,
    worker_id: str,
    now: datetime,
    lease: timedelta,
    limit: int,
    where: Sequence[ColumnElement[bool]] = (),
) -> list[Any]:
    """Lease up to `limit` due, unclaimed (or lease-expired) rows to `worker_id`; their ids."""
    due = (
        select(table.id)
        .where(
            table.status == "pending",
            table.due_at <= now,
            or_(table.claimed_until.is_(None), table.claimed_until < now),
            *where,
        )
        .order_by(table.due_at, table.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    stmt = (
        update(table)
        .where(table.id.in_(due))
        .values(claimed_by=worker_id, claimed_until=now + lease)
        .returning(table.id)
        .execution_options(synchronize_session=False)
    )
    return list(session.scalars(stmt))


def _retry_or_dead(row: OutboxRow, error: str, now: datetime) -> None:
    row.attempts += 1
    row.last_error = error[:2000]
    row.claimed_by = None
    row.claimed_until = None
    if row.attempts >= len(EMAIL_SCHEDULE_SECONDS):
        row.status = "dead"
        log.warning("outbox row %s (%s) dead after %d attempts", row.id, row.topic, row.attempts)
    else:
        row.due_at = now + timedelta(seconds=EMAIL_SCHEDULE_SECONDS[row.attempts])


def _held(row: OutboxRow | WebhookDeliveryRow | None, worker_id: str) -> bool:
    return row is not None and row.status == "pending" and row.claimed_by == worker_id


@dataclass
class Worker:
    """Delivers everything the outbox holds; run one or many, on one or many machines."""

    factory: SessionFactory
    transport: WebhookTransport
    mailer: Mailer | None = None
    sender: str = "baton@localhost"
    team_email: str | None = None
    team_email_for: Callable[[str], str | None] | None = None
    """A tenant's own team address (`TenantPolicies.team_email`); else `team_email` serves all."""
    worker_id: str = field(default_factory=default_worker_id)
    lease: timedelta = LEASE
    batch: int = 20
    parallel: int = 8

    def run_once(self, *, now: datetime) -> int:
        """One pass over every kind of due work; how many items it handled."""
        handled = self.dispatch_events(now=now)
        handled += self.send_webhooks(now=now)
        handled += self.send_emails(now=now)
        return handled

    def run(
        self,
        *,
        stop: threading.Event,
        poll_seconds: float = 0.5,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        """Loop until `stop` is set, resting `poll_seconds` whenever nothing was due."""
        while not stop.is_set():
            try:
                handled = self.run_once(now=clock())
            except Exception:
                log.exception("outbox pass failed; retrying")
                handled = 0
            if handled == 0:
                stop.wait(poll_seconds)

    def _claim(self, table: Claimable, now: datetime, *where: ColumnElement[bool]) -> list[Any]:
        with session_scope(self.factory) as session:
            return claim(
                session=session,
                table=table,
                worker_id=self.worker_id,
                now=now,
                lease=self.lease,
                limit=self.batch,
                where=where,
            )

    # -- events -> deliveries ----------------------------------------------------------------

    def dispatch_events(self, *, now: datetime) -> int:
        ids = self._claim(OutboxRow, now, OutboxRow.kind == "webhook")
        for row_id in sorted(ids):
            try:
                with session_scope(self.factory) as session:
                    row = session.get(OutboxRow, row_id, with_for_update=True)
                    if row is not None and _held(row, self.worker_id):
                        self._dispatch(session, row, now)
            except Exception as exc:
                if unavailable(exc):
                    raise
                log.exception("dispatching outbox row %s failed", row_id)
                self._fail_outbox(row_id, f"{type(exc).__name__}: {exc}", now)
        return len(ids)

    def _dispatch(self, session: Session, row: OutboxRow, now: datetime) -> None:
        webhooks.fan_out(
            session=session,
            tenant_id=row.tenant_id,
            event_type=row.topic,
            payload=row.payload,
            now=now,
        )
        if row.topic == "handoff.created" and self.mailer is not None:
            for email in self._emails_for(session, row):
                repo.enqueue(
                    session=session,
                    tenant_id=row.tenant_id,
                    kind="email",
                    topic=row.topic,
                    payload=email.as_payload(),
                    now=now,
                )
        row.status = "delivered"
        row.delivered_at = now
        row.attempts += 1
        row.claimed_by = None
        row.claimed_until = None

    def _emails_for(self, session: Session, row: OutboxRow) -> list[Email]:
        payload = row.payload
        handoff = repo.get_handoff_row(
            session=session, tenant_id=row.tenant_id, handoff_id=str(payload.get("handoff_id"))
        )
        if handoff is None or handoff.channel != "email":
            return []
        conversation = repo.get_conversation_row(
            session=session, tenant_id=handoff.tenant_id, conversation_id=handoff.conversation_id
        )
        known = conversation.customer if conversation is not None else None
        return handoff_emails(
            handoff_id=handoff.id,
            queue=handoff.queue,
            brief=Brief.model_validate(handoff.brief),
            confirmation=str(payload.get("message") or ""),
            customer=Customer.model_validate(known).trusted_email if known else None,
            team_email=self._team_email(handoff.tenant_id),
        )

    def _team_email(self, tenant_id: str) -> str | None:
        if self.team_email_for is not None:
            return self.team_email_for(tenant_id)
        return self.team_email

    def _fail_outbox(self, row_id: int, error: str, now: datetime) -> None:
        with session_scope(self.factory) as session:
            row = session.get(OutboxRow, row_id, with_for_update=True)
            if row is not None and _held(row, self.worker_id):
                _retry_or_dead(row, error, now)

    # -- webhook deliveries ------------------------------------------------------------------

    def send_webhooks(self, *, now: datetime) -> int:
        enabled = select(WebhookEndpointRow.id).where(WebhookEndpointRow.enabled.is_(True))
        ids = self._claim(WebhookDeliveryRow, now, WebhookDeliveryRow.endpoint_id.in_(enabled))
        if not ids:
            return 0
        requests: dict[str, WebhookRequest] = {}
        broken: dict[str, str] = {}
        with session_scope(self.factory) as session:
            for d in session.scalars(
                select(WebhookDeliveryRow).where(WebhookDeliveryRow.id.in_(ids))
            ):
                endpoint = webhooks.get_endpoint(
                    session=session, tenant_id=None, endpoint_id=d.endpoint_id
                )
                try:
                    requests[d.id] = webhooks.build_request(delivery=d, endpoint=endpoint, now=now)
                except Exception as exc:
                    if unavailable(exc):
                        raise
                    broken[d.id] = f"{type(exc).__name__}: {exc}"
        # A delivery that cannot even be signed (say, a damaged secret) is its own failed
        # attempt, so it reaches the dead letters instead of failing every pass of the batch.
        for delivery_id, error in broken.items():
            log.warning("webhook delivery %s could not be built: %s", delivery_id, error)
            self._record(delivery_id, WebhookResponse(status_code=None, error=error), now)
        if requests:
            with ThreadPoolExecutor(max_workers=min(self.parallel, len(requests))) as pool:
                futures = [pool.submit(self._send, item) for item in requests.items()]
                for future in as_completed(futures):
                    self._record(*future.result(), now)
        return len(ids)

    def _record(self, delivery_id: str, response: WebhookResponse, now: datetime) -> None:
        with session_scope(self.factory) as session:
            delivery = session.get(WebhookDeliveryRow, delivery_id, with_for_update=True)
            if delivery is not None and _held(delivery, self.worker_id):
                webhooks.record_attempt(
                    session=session, delivery=delivery, response=response, now=now
                )

    def _send(self, item: tuple[str, WebhookRequest]) -> tuple[str, WebhookResponse]:
        delivery_id, request = item
        try:
            return delivery_id, self.transport.send(request)
        except Exception as exc:
            return delivery_id, WebhookResponse(
                status_code=None, error=f"{type(exc).__name__}: {exc}"
            )

    # -- e-mail ------------------------------------------------------------------------------

    def send_emails(self, *, now: datetime) -> int:
        if self.mailer is None:
            return 0
        ids = self._claim(OutboxRow, now, OutboxRow.kind == "email")
        for row_id in sorted(ids):
            try:
                if not self._send_email(row_id, self.mailer):
                    continue
            except Exception as exc:
                if unavailable(exc):
                    raise
                log.warning("e-mail (outbox row %s) failed: %s", row_id, exc)
                self._fail_outbox(row_id, f"{type(exc).__name__}: {exc}", now)
                continue
            with session_scope(self.factory) as session:
                row = session.get(OutboxRow, row_id, with_for_update=True)
                if row is not None and _held(row, self.worker_id):
                    row.status = "delivered"
                    row.delivered_at = now
                    row.attempts += 1
                    row.claimed_by = None
                    row.claimed_until = None
        return len(ids)

    def _send_email(self, row_id: int, mailer: Mailer) -> bool:
        """Send the e-mail of a row this worker still holds; False if it no longer holds it."""
        with session_scope(self.factory) as session:
            row = session.get(OutboxRow, row_id, with_for_update=True)
            if row is None or not _held(row, self.worker_id):
                return False
            payload = row.payload
        mailer.send(Email.from_payload(payload).to_message(self.sender))
        return True
