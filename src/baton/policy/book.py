"""`PolicyBook`: where a loop that serves every tenant finds the policy of the tenant at hand.

The worker's timers, abandonment, assignment and waits, and the outbox's team e-mail, take a
book rather than one policy (`baton.tenant_policy.TenantPolicies` reads each tenant's own);
a bare `Policy` still works and then applies to every tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from baton.policy.schema import Policy


class PolicyBook(Protocol):
    def policy_for(self, tenant_id: str) -> Policy: ...


@dataclass(frozen=True, slots=True)
class OnePolicy:
    """Every tenant on one policy: tests, tools and single-policy callers."""

    policy: Policy

    def policy_for(self, tenant_id: str) -> Policy:
        return self.policy


def as_book(policy: Policy | PolicyBook) -> PolicyBook:
    """Accept a bare policy where a book is wanted (every tenant on that policy)."""
    return OnePolicy(policy) if isinstance(policy, Policy) else policy
