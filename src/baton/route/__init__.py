"""Route: the right queue, with a priority, SLA deadlines and an honest wait."""

from baton.route.router import route
from baton.route.snapshot import FloorSnapshot, QueueLoad

__all__ = ["FloorSnapshot", "QueueLoad", "route"]
