"""The handoff lifecycle: states, the one table of legal transitions, and the event registry.

A transfer moves the same handoff to another queue: it is recorded as a `transferred` event and
the handoff is `queued` again, with its brief and its SLA clock unchanged.
"""

from __future__ import annotations

from enum import StrEnum

from baton.errors import IllegalTransition


class HandoffStatus(StrEnum):
    OFFERED = "offered"
    DECLINED = "declined"
    QUEUED = "queued"
    ASSIGNED = "assigned"
    ACTIVE = "active"
    RESOLVED = "resolved"
    ABANDONED = "abandoned"

    @property
    def is_open(self) -> bool:
        return self in OPEN_STATUSES


OPEN_STATUSES = frozenset(
    {HandoffStatus.OFFERED, HandoffStatus.QUEUED, HandoffStatus.ASSIGNED, HandoffStatus.ACTIVE}
)

TRANSITIONS: dict[HandoffStatus, frozenset[HandoffStatus]] = {
    HandoffStatus.OFFERED: frozenset(
        {HandoffStatus.QUEUED, HandoffStatus.DECLINED, HandoffStatus.ABANDONED}
    ),
    HandoffStatus.QUEUED: frozenset(
        {
            HandoffStatus.QUEUED,
            HandoffStatus.ASSIGNED,
            HandoffStatus.ABANDONED,
            HandoffStatus.RESOLVED,
        }
    ),
    HandoffStatus.ASSIGNED: frozenset(
        {
            HandoffStatus.ACTIVE,
            HandoffStatus.QUEUED,
            HandoffStatus.ABANDONED,
            HandoffStatus.RESOLVED,
        }
    ),
    HandoffStatus.ACTIVE: frozenset(
        {HandoffStatus.RESOLVED, HandoffStatus.QUEUED, HandoffStatus.ABANDONED}
    ),
    HandoffStatus.DECLINED: frozenset(),
    HandoffStatus.RESOLVED: frozenset(),
    HandoffStatus.ABANDONED: frozenset(),
}


def check_transition(current: HandoffStatus, target: HandoffStatus) -> None:
    """Raise `IllegalTransition` unless the table allows `current -> target`."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(f"a handoff cannot go from {current} to {target}", field="status")


class EventType(StrEnum):
    """Every event a handoff's append-only log may hold; KPIs are computed from these."""

    OFFERED = "offered"
    DECLINED = "declined"
    CREATED = "created"
    ASSIGNED = "assigned"
    RELEASED = "released"
    ACCEPTED = "accepted"
    REPLIED = "replied"
    CUSTOMER_MESSAGE = "customer_message"
    TRANSFERRED = "transferred"
    REASSIGNED = "reassigned"
    RESOLVED = "resolved"
    ABANDONED = "abandoned"
    SLA_WARNING = "sla_warning"
    SLA_BREACHED = "sla_breached"
    LABELLED = "labelled"
    CSAT = "csat"
