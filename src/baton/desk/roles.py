"""Who an account is and whether it is taking cases: the names the console, API and CLI share."""

from __future__ import annotations

from enum import StrEnum


class AgentRole(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def sees_every_queue(self) -> bool:
        return self is not AgentRole.AGENT


class Presence(StrEnum):
    ONLINE = "online"
    AWAY = "away"
    OFFLINE = "offline"
