"""The SLA clock: a target in business (or calendar) seconds that runs, pauses and resumes.

A clock only stores what it has consumed before its current run and when that run began, so its
due time is one calendar addition away, and a paused clock has no due time at all.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from baton.domain import Urgency
from baton.policy import Policy, QueueConfig, SlaConfig
from baton.route.calendar import BusinessCalendar, queue_calendar


class SlaKind(StrEnum):
    FIRST_RESPONSE = "first_response"
    NEXT_RESPONSE = "next_response"
    RESOLUTION = "resolution"


def target_seconds(sla: SlaConfig, kind: SlaKind) -> int:
    minutes = {
        SlaKind.FIRST_RESPONSE: sla.first_response_minutes,
        SlaKind.NEXT_RESPONSE: sla.next_response_minutes,
        SlaKind.RESOLUTION: sla.resolution_minutes,
    }[kind]
    return minutes * 60


def sla_for(queue: QueueConfig, *, urgency: Urgency, priority: int) -> SlaConfig:
    """The queue's urgent SLA for critical or high-priority cases, its normal SLA otherwise."""
    urgent = urgency is Urgency.CRITICAL or priority >= queue.urgent_priority
    return queue.urgent_sla if urgent and queue.urgent_sla is not None else queue.sla


def clock_calendar(policy: Policy, queue: QueueConfig, sla: SlaConfig) -> BusinessCalendar:
    """Business-hours SLAs count only the queue's open time; calendar SLAs count every second."""
    if sla.clock == "calendar":
        return BusinessCalendar.always()
    return queue_calendar(policy, queue)


@dataclass(frozen=True, slots=True)
class SlaClock:
    """`elapsed_seconds` consumed before `running_since`; a paused clock has no `running_since`."""

    target_seconds: float
    elapsed_seconds: float = 0.0
    running_since: datetime | None = None

    @classmethod
    def start(cls, target_seconds: float, at: datetime) -> SlaClock:
        return cls(target_seconds=target_seconds, running_since=at)

    @property
    def running(self) -> bool:
        return self.running_since is not None

    def consumed(self, calendar: BusinessCalendar, at: datetime) -> float:
        """Business seconds used up by `at`."""
        if self.running_since is None:
            return self.elapsed_seconds
        return self.elapsed_seconds + calendar.elapsed(self.running_since, at)

    def due(self, calendar: BusinessCalendar) -> datetime | None:
        """When the target is reached if the clock keeps running; None while paused."""
        return self.due_at_fraction(calendar, 1.0)

    def due_at_fraction(self, calendar: BusinessCalendar, fraction: float) -> datetime | None:
        """When `fraction` of the target (whole seconds) is used up; None while paused."""
        if self.running_since is None:
            return None
        left = round(self.target_seconds * fraction) - self.elapsed_seconds
        return calendar.add(self.running_since, max(0.0, left))

    def pause(self, calendar: BusinessCalendar, at: datetime) -> SlaClock:
        """Stop counting at `at`, keeping what was consumed; pausing a paused clock is a no-op."""
        if self.running_since is None:
            return self
        return replace(self, elapsed_seconds=self.consumed(calendar, at), running_since=None)

    def resume(self, at: datetime) -> SlaClock:
        """Count again from `at`; resuming a running clock is a no-op."""
        if self.running_since is not None:
            return self
        return replace(self, running_since=at)
