"""What operators watch: Prometheus series for the turn path, the outbox, the queues and SLAs.

Two kinds of series. Counted in this process as requests go by (`TurnMetrics`): turn latency by
outcome, decisions by reason, requests shed as overloaded, store errors. Read from the store
when scraped (`StoreCollector`): the outbox's backlog and lag, each queue's depth and longest
wait, SLA warnings and breaches. Every series carries a `tenant` label and `/metrics` shows a
key only its own tenant's, so one tenant's volume never shows in another's scrape; what happens
before the caller is known (a turn shed as overloaded, a store error before the key check) has
no tenant and shows in every scrape.

With `baton serve --workers N` each process counts its own requests; the series read from the
store are the same in every process.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baton.domain import Decision
from baton.lifecycle import EventType, HandoffStatus
from baton.store.db import SessionFactory, read_scope
from baton.store.tables import (
    HandoffEventRow,
    HandoffRow,
    OutboxRow,
    SlaTimerRow,
    WebhookDeliveryRow,
    WebhookEndpointRow,
)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
# Turn latency buckets in seconds: the decision p99 target is 50 ms.
_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class TurnMetrics:
    """The series counted by this process; one registry per app, so tests never share counts."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.turn_seconds = Histogram(
            "baton_turn_seconds",
            "Turn requests' time in Baton, by outcome (the decision's action, replayed, or the"
            " error code)",
            ["tenant", "outcome"],
            buckets=_BUCKETS,
            registry=self.registry,
        )
        self.decisions = Counter(
            "baton_decisions",
            "Decisions on turns, by action and reason code (reason 'none' when no reason fired)",
            ["tenant", "action", "reason"],
            registry=self.registry,
        )
        self.overloaded = Counter(
            "baton_overloaded",
            "Turns answered 503 overloaded at once because too many waited for the store (before"
            " the caller is known, so for every tenant)",
            registry=self.registry,
        )
        self.store_errors = Counter(
            "baton_store_errors",
            "Requests that failed because the store was unavailable (503 store_unavailable)",
            ["tenant", "kind"],
            registry=self.registry,
        )

    def turn(self, *, tenant: str, outcome: str, seconds: float) -> None:
        self.turn_seconds.labels(tenant, outcome).observe(seconds)

    def decision(self, *, tenant: str, decision: Decision) -> None:
        codes = [r.code.value for r in decision.reasons] or ["none"]
        for code in codes:
            self.decisions.labels(tenant, decision.action.value, code).inc()

    def store_error(self, *, tenant: str, kind: str) -> None:
        self.store_errors.labels(tenant, kind).inc()


class StoreCollector(Collector):
    """The series read from the store at each scrape (a few aggregate queries)."""

    def __init__(self, factory: SessionFactory) -> None:
        self.factory = factory

    def describe(self) -> Iterable[Metric]:
        return []

    def collect(self) -> Iterable[Metric]:
        with read_scope(self.factory) as session:
            yield from store_metrics(session=session, now=datetime.now(UTC))


def store_metrics(*, session: Session, now: datetime) -> Iterator[Metric]:
    """Outbox backlog and lag, queue depth and longest wait, SLA warnings and breaches."""
    backlog = GaugeMetricFamily(
        "baton_outbox_backlog",
        "Outbox rows and webhook deliveries not yet delivered",
        labels=["tenant", "kind"],
    )
    lag = GaugeMetricFamily(
        "baton_outbox_lag_seconds",
        "How long the oldest due, undelivered outbox row or delivery has waited past its due time",
        labels=["tenant", "kind"],
    )
    for tenant, kind, count, oldest in session.execute(
        select(OutboxRow.tenant_id, OutboxRow.kind, func.count(), func.min(OutboxRow.due_at))
        .where(OutboxRow.status == "pending")
        .group_by(OutboxRow.tenant_id, OutboxRow.kind)
    ):
        backlog.add_metric([tenant, kind], count)
        lag.add_metric([tenant, kind], _seconds_since(oldest, now))
    for tenant, count, oldest in session.execute(
        select(WebhookEndpointRow.tenant_id, func.count(), func.min(WebhookDeliveryRow.due_at))
        .join(WebhookEndpointRow, WebhookEndpointRow.id == WebhookDeliveryRow.endpoint_id)
        .where(WebhookDeliveryRow.status == "pending")
        .group_by(WebhookEndpointRow.tenant_id)
    ):
        backlog.add_metric([tenant, "delivery"], count)
        lag.add_metric([tenant, "delivery"], _seconds_since(oldest, now))
    yield backlog
    yield lag

    depth = GaugeMetricFamily(
        "baton_queue_depth", "Cases queued for a person, per queue", labels=["tenant", "queue"]
    )
    longest = GaugeMetricFamily(
        "baton_queue_longest_wait_seconds",
        "How long the longest-waiting queued case of each queue has waited since it was created",
        labels=["tenant", "queue"],
    )
    queued_since = (
        select(func.max(HandoffEventRow.at))
        .where(
            HandoffEventRow.handoff_id == HandoffRow.id,
            HandoffEventRow.type == EventType.CREATED.value,
        )
        .scalar_subquery()
    )
    for tenant, queue, count, oldest in session.execute(
        select(
            HandoffRow.tenant_id,
            HandoffRow.queue,
            func.count(),
            func.min(func.coalesce(queued_since, HandoffRow.created_at)),
        )
        .where(HandoffRow.status == HandoffStatus.QUEUED.value)
        .group_by(HandoffRow.tenant_id, HandoffRow.queue)
    ):
        depth.add_metric([tenant, queue], count)
        longest.add_metric([tenant, queue], _seconds_since(oldest, now))
    yield depth
    yield longest

    warnings = CounterMetricFamily(
        "baton_sla_warnings",
        "SLA clocks that reached their warning point (as stored; retention erases old ones)",
        labels=["tenant", "kind"],
    )
    breaches = CounterMetricFamily(
        "baton_sla_breaches",
        "SLA clocks that breached their target (as stored; retention erases old ones)",
        labels=["tenant", "kind"],
    )
    for tenant, kind, warned, breached in session.execute(
        select(
            HandoffRow.tenant_id,
            SlaTimerRow.kind,
            func.count(SlaTimerRow.warned_at),
            func.count(SlaTimerRow.breached_at),
        )
        .join(HandoffRow, HandoffRow.id == SlaTimerRow.handoff_id)
        .group_by(HandoffRow.tenant_id, SlaTimerRow.kind)
    ):
        warnings.add_metric([tenant, kind], warned)
        breaches.add_metric([tenant, kind], breached)
    yield warnings
    yield breaches


def _seconds_since(at: datetime | None, now: datetime) -> float:
    if at is None:
        return 0.0
    if at.tzinfo is None:  # SQLite's MIN() returns the stored naive UTC text
        at = at.replace(tzinfo=UTC)
    return max(0.0, (now - at).total_seconds())


class _TenantView:
    """Every series of `collectors`, with only the samples labelled `tenant`."""

    def __init__(self, collectors: Iterable[Any], tenant: str) -> None:
        self.collectors = collectors
        self.tenant = tenant

    def collect(self) -> Iterator[Metric]:
        for collector in self.collectors:
            for family in collector.collect():
                view = Metric(family.name, family.documentation, family.type, family.unit)
                view.samples = [
                    s for s in family.samples if s.labels.get("tenant", "") in (self.tenant, "")
                ]
                yield view


def exposition(*, metrics: TurnMetrics, factory: SessionFactory, tenant: str) -> bytes:
    """The text format of every series, for `tenant` only."""
    view = _TenantView((metrics.registry, StoreCollector(factory)), tenant)
    return generate_latest(view)
