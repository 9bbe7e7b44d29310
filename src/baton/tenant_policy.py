"""Each tenant's policy, and the runtime (detector, decision stamp) built from it.

A tenant runs its own policy (`tenants.policy_yaml`, written by `baton policy set --tenant` or
`PUT /v1/policy`) or, without one, the deployment's. Whatever acts for a tenant (the turn path,
the console, the worker's timers, assignment and waits, the outbox's team e-mail) asks this book
for the tenant's policy rather than holding one. Compiled policies and trained detectors are
cached by policy hash, so tenants that share a policy share one detector. A process re-reads a
tenant's row at most every `cache_seconds` (`BATON_TENANT_POLICY_CACHE_SECONDS`); a change made
through this process is seen on the next turn.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from baton.engine import Runtime
from baton.errors import PolicyInvalid
from baton.policy import Policy, policy_hash
from baton.policy.book import OnePolicy, PolicyBook, as_book
from baton.store.db import SessionFactory, read_scope
from baton.store.tables import DEFAULT_TENANT
from baton.store.tenants import tenant_policy_text, validate_tenant_policy

log = logging.getLogger("baton.policy")


@dataclass(slots=True)
class PolicyEntry:
    checked: float
    text_digest: str | None  # None: the tenant runs the deployment's policy
    policy: Policy
    hash: str


class TenantPolicies:
    """Each tenant's compiled policy, re-read from its row at most every `cache_seconds`."""

    def __init__(
        self,
        default: Policy,
        *,
        factory: SessionFactory | None,
        cache_seconds: float = 5.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.default = default
        self.default_hash = policy_hash(default)
        self.factory = factory
        self.cache_seconds = cache_seconds
        self._clock = clock
        self._seen: dict[str, PolicyEntry] = {}
        self._compiled: dict[str, tuple[Policy, str]] = {}
        self._lock = threading.Lock()

    def policy_for(self, tenant_id: str) -> Policy:
        return self.entry(tenant_id).policy

    def hash_for(self, tenant_id: str) -> str:
        return self.entry(tenant_id).hash

    def has_own(self, tenant_id: str) -> bool:
        """Whether the tenant runs a policy of its own (not the deployment's)."""
        return self.entry(tenant_id).text_digest is not None

    def team_email(self, tenant_id: str, fallback: str | None) -> str | None:
        """Where the tenant's team hears of an e-mail handoff: its own policy's address; the
        default tenant also falls back to the deployment's (`BATON_TEAM_EMAIL`). A tenant on
        the deployment's policy gets no team mail: the deployment's team is not its team."""
        seen = self.entry(tenant_id)
        if tenant_id == DEFAULT_TENANT:
            return seen.policy.channels.team_email or fallback
        return seen.policy.channels.team_email if seen.text_digest is not None else None

    def forget(self, tenant_id: str) -> None:
        """Re-read the tenant's row on its next use (called after this process changed it)."""
        with self._lock:
            self._seen.pop(tenant_id, None)

    def entry(self, tenant_id: str) -> PolicyEntry:
        """The tenant's policy with its hash, re-read from its row once `cache_seconds` passed."""
        now = self._clock()
        seen = self._seen.get(tenant_id)
        if seen is not None and now - seen.checked < self.cache_seconds:
            return seen
        text = self._read(tenant_id)
        digest = hashlib.sha256(text.encode()).hexdigest() if text is not None else None
        with self._lock:
            if seen is not None and seen.text_digest == digest:
                seen.checked = now
                return seen
            policy, hash_ = self._compile(tenant_id, text, digest)
            fresh = PolicyEntry(now, digest if policy is not self.default else None, policy, hash_)
            self._seen[tenant_id] = fresh
            return fresh

    def _read(self, tenant_id: str) -> str | None:
        if self.factory is None:
            return None
        with read_scope(self.factory) as session:
            return tenant_policy_text(session=session, tenant_id=tenant_id)

    def _compile(self, tenant_id: str, text: str | None, digest: str | None) -> tuple[Policy, str]:
        if text is None or digest is None:
            return self.default, self.default_hash
        if digest in self._compiled:
            return self._compiled[digest]
        try:
            policy = validate_tenant_policy(text, source=f"tenant {tenant_id!r} policy")
        except PolicyInvalid as exc:
            # Stored policies were valid when written; one a newer Baton refuses must not stop
            # the tenant's turns. It runs the deployment's policy and the log says why.
            log.error("tenant %s: stored policy refused, running the default: %s", tenant_id, exc)
            return self.default, self.default_hash
        self._compiled[digest] = (policy, policy_hash(policy))
        return self._compiled[digest]


class TenantRuntimes:
    """Each tenant's `Runtime`: the deployment's, or one built for the tenant's own policy.

    Runtimes are shared by policy hash, and their trained models by `models_key` (a threshold
    change reuses the trained models; new intent examples train once, then come from the cache).
    """

    def __init__(
        self, default: Runtime, *, factory: SessionFactory | None, cache_seconds: float = 5.0
    ) -> None:
        self.default = default
        self.policies = TenantPolicies(default.policy, factory=factory, cache_seconds=cache_seconds)
        self._runtimes: dict[str, Runtime] = {default.policy_hash: default}
        self._lock = threading.Lock()

    def runtime_for(self, tenant_id: str) -> Runtime:
        seen = self.policies.entry(tenant_id)
        if seen.policy is self.default.policy:
            return self.default
        runtime = self._runtimes.get(seen.hash)
        if runtime is None:
            runtime = self.build(seen.policy)
            with self._lock:
                runtime = self._runtimes.setdefault(seen.hash, runtime)
        return runtime

    def policy_for(self, tenant_id: str) -> Policy:
        return self.policies.policy_for(tenant_id)

    def build(self, policy: Policy) -> Runtime:
        """A runtime for `policy` beside the deployment's: same model cache, same summarizer."""
        return Runtime(
            policy,
            model_cache_dir=self.default.model_cache_dir,
            policy_dir=self.default.policy_dir,
            summarizer=self.default.summarizer,
        )

    def forget(self, tenant_id: str) -> None:
        self.policies.forget(tenant_id)


def single_tenant(runtime: Runtime) -> TenantRuntimes:
    """A book with only the deployment's runtime (no store to read tenants' policies from)."""
    return TenantRuntimes(runtime, factory=None)


__all__ = [
    "OnePolicy",
    "PolicyBook",
    "TenantPolicies",
    "TenantRuntimes",
    "as_book",
    "single_tenant",
]
