"""Define: the policy file that says when the AI must escalate and where the case goes."""

from baton.policy.loader import default_policy, load_policy, parse_policy, policy_hash
from baton.policy.schema import (
    CalendarConfig,
    ChannelsConfig,
    DeskConfig,
    DetectConfig,
    IntentConfig,
    Match,
    Policy,
    PriorityConfig,
    QueueConfig,
    ReplyTemplate,
    RoutingRule,
    SlaConfig,
    TriggerConfig,
)

__all__ = [
    "CalendarConfig",
    "ChannelsConfig",
    "DeskConfig",
    "DetectConfig",
    "IntentConfig",
    "Match",
    "Policy",
    "PriorityConfig",
    "QueueConfig",
    "ReplyTemplate",
    "RoutingRule",
    "SlaConfig",
    "TriggerConfig",
    "default_policy",
    "load_policy",
    "parse_policy",
    "policy_hash",
]
