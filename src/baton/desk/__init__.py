"""Resolve: the agent's side of a handoff (accounts, actions, suggested replies, knowledge).

The names below are loaded on first use, so importing one light module of this package (such
as `baton.desk.roles` for `baton agents --help`) does not import the services behind the rest.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from baton.desk.roles import AgentRole, Presence
    from baton.desk.service import Outcome, accept, reply, resolve, transfer
    from baton.desk.suggest import Suggestion, suggest

_HOMES = {
    "AgentRole": "baton.desk.roles",
    "Presence": "baton.desk.roles",
    "Outcome": "baton.desk.service",
    "accept": "baton.desk.service",
    "reply": "baton.desk.service",
    "resolve": "baton.desk.service",
    "transfer": "baton.desk.service",
    "Suggestion": "baton.desk.suggest",
    "suggest": "baton.desk.suggest",
}

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


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(home), name)
    globals()[name] = value
    return value
