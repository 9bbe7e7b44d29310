"""Resolve: the agent's side of a handoff (accounts, actions, suggested replies, knowledge)."""

from baton.desk.agents import AgentRole, Presence
from baton.desk.service import Outcome, accept, reply, resolve, transfer
from baton.desk.suggest import Suggestion, suggest

__all__ = [
    "AgentRole",
    "Outcome",
    "Presence",
    "Suggestion",
    "accept",
    "reply",
    "resolve",
    "suggest",
    "transfer",
]
