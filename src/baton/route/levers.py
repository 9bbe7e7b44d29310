"""The bot's levers on routing: the queue it names and the priority it asks for, checked against
the policy. A bot is software a customer can talk into things (prompt injection), so what it may
set is bounded: a queue the policy has, and a priority no higher than `priority.bot_max`.
"""

from __future__ import annotations

from dataclasses import dataclass

from baton.errors import InvalidRequest
from baton.policy import Policy


@dataclass(frozen=True, slots=True)
class Levers:
    """What the bot asked for, once checked: the queue (or None: the policy decides) and a floor
    under the case's priority (0: none)."""

    queue: str | None = None
    min_priority: int = 0

    @property
    def routes(self) -> bool:
        return self.queue is not None or self.min_priority > 0


def check_levers(policy: Policy, *, queue: str | None, priority: int | None) -> Levers:
    """The bot's queue and priority, or a 422 naming the field: an unknown queue is refused, a
    priority above the policy's cap is lowered to it."""
    if queue is not None and queue not in {q.name for q in policy.queues}:
        raise InvalidRequest(
            f"unknown queue {queue!r}; the policy's queues are "
            + ", ".join(sorted(q.name for q in policy.queues)),
            field="queue",
            code="unknown_queue",
        )
    floor = 0 if priority is None else min(priority, policy.priority.bot_max)
    return Levers(queue=queue, min_priority=floor)
