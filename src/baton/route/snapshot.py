"""What Route knows of the live floor: per queue, who is online and how busy they are."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class QueueLoad:
    """`servers` counts the chat slots of the online agents who serve the queue."""

    agents_online: int = 0
    free_slots: int = 0
    waiting: int = 0
    arrivals_per_hour: float = 0.0
    mean_handle_seconds: float = 600.0
    servers: int = 0


@dataclass(frozen=True, slots=True)
class FloorSnapshot:
    queues: dict[str, QueueLoad] = field(default_factory=dict)

    def load(self, queue: str) -> QueueLoad:
        return self.queues.get(queue, QueueLoad())
