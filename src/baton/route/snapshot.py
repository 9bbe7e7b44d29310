"""What Route knows of the live floor: per queue, who is online and how busy they are."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


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


def floor_to_json(snapshot: FloorSnapshot) -> dict[str, Any]:
    """The snapshot as stored with the routing it served, for a replay to route on again."""
    return {name: asdict(load) for name, load in sorted(snapshot.queues.items())}


def floor_from_json(data: dict[str, Any]) -> FloorSnapshot:
    """A stored snapshot back; fields a later version added take their defaults."""
    known = set(QueueLoad.__dataclass_fields__)
    return FloorSnapshot(
        queues={
            name: QueueLoad(**{k: v for k, v in load.items() if k in known})
            for name, load in data.items()
        }
    )
