"""Route: the right queue, with a priority, SLA deadlines and an honest wait."""

from baton.route.assign import AgentSlot, CaseSlot, plan_assignments
from baton.route.calendar import BusinessCalendar, queue_calendar
from baton.route.eta import erlang_c, erlang_c_wait, expected_wait_seconds
from baton.route.priority import effective_priority, priority, queue_key
from baton.route.queues import choose_queue
from baton.route.router import route
from baton.route.sla import SlaClock, SlaKind, clock_calendar, sla_for, target_seconds
from baton.route.snapshot import FloorSnapshot, QueueLoad

__all__ = [
    "AgentSlot",
    "BusinessCalendar",
    "CaseSlot",
    "FloorSnapshot",
    "QueueLoad",
    "SlaClock",
    "SlaKind",
    "choose_queue",
    "clock_calendar",
    "effective_priority",
    "erlang_c",
    "erlang_c_wait",
    "expected_wait_seconds",
    "plan_assignments",
    "priority",
    "queue_calendar",
    "queue_key",
    "route",
    "sla_for",
    "target_seconds",
]
