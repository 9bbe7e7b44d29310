"""The tenant's policy (admin keys): read it, replace it, or go back to the deployment's."""

from __future__ import annotations

from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from baton.api.deps import AdminKey, Now, SessionDep, tenant_runtimes
from baton.api.routes.turns import _ERRORS
from baton.policy import policy_hash
from baton.store.tenants import (
    MAX_POLICY_BYTES,
    clear_tenant_policy,
    set_tenant_policy,
    tenant_policy_text,
    validate_tenant_policy,
)

router = APIRouter(prefix="/v1", tags=["policy"])


class PolicyWrite(BaseModel):
    model_config = ConfigDict(extra="forbid")

    yaml: str = Field(max_length=MAX_POLICY_BYTES, description="the policy file's text")


class PolicyRead(BaseModel):
    tenant: str
    own: bool = Field(description="false: the tenant runs the deployment's policy")
    name: str
    policy_hash: str = Field(description="the `policy_hash` its decisions are stamped with")
    yaml: str | None = Field(description="the tenant's own policy text; null when `own` is false")


def _read(request: Request, session: Session, tenant_id: str) -> PolicyRead:
    text = tenant_policy_text(session=session, tenant_id=tenant_id)
    if text is None:
        policy = tenant_runtimes(request).default.policy
    else:
        policy = validate_tenant_policy(text, source=f"tenant {tenant_id!r} policy")
    return PolicyRead(
        tenant=tenant_id,
        own=text is not None,
        name=policy.name,
        policy_hash=policy_hash(policy),
        yaml=text,
    )


@router.get("/policy", response_model=PolicyRead, responses=_ERRORS)
def get_policy(request: Request, session: SessionDep, caller: AdminKey) -> PolicyRead:
    """The policy this key's tenant runs: its own, or the deployment's (then `yaml` is null)."""
    return _read(request, session, caller.tenant_id)


@router.put("/policy", response_model=PolicyRead, responses=_ERRORS)
def put_policy(
    body: PolicyWrite, request: Request, session: SessionDep, caller: AdminKey, now: Now
) -> PolicyRead:
    """Replace the tenant's policy; a fault is a 422 `policy_invalid` naming the field and line.

    Its detector is built (trained if its examples are new) before the answer, so the tenant's
    next turn runs on it; other processes pick it up within `BATON_TENANT_POLICY_CACHE_SECONDS`.
    """
    policy = set_tenant_policy(
        session=session,
        tenant_id=caller.tenant_id,
        text=body.yaml,
        actor=f"key:{caller.name}",
        now=now,
    )
    runtimes = tenant_runtimes(request)
    runtimes.build(policy)
    session.commit()
    runtimes.forget(caller.tenant_id)
    return _read(request, session, caller.tenant_id)


@router.delete("/policy", response_model=PolicyRead, responses=_ERRORS)
def delete_policy(request: Request, session: SessionDep, caller: AdminKey, now: Now) -> PolicyRead:
    """The tenant goes back to the deployment's policy."""
    clear_tenant_policy(
        session=session, tenant_id=caller.tenant_id, actor=f"key:{caller.name}", now=now
    )
    session.commit()
    tenant_runtimes(request).forget(caller.tenant_id)
    return _read(request, session, caller.tenant_id)
