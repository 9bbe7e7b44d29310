"""One customer's data: export it, or erase it (admin actions, each in the audit log)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel

from baton.api.deps import AdminKey, Now, SessionDep
from baton.api.routes.turns import _ERRORS
from baton.privacy import erase_customer, export_customer

router = APIRouter(prefix="/v1/customers", tags=["privacy"])
CustomerId = Annotated[str, Path(min_length=1, max_length=200, description="the bot's customer.id")]


class ErasureRead(BaseModel):
    customer_id: str
    conversations: int
    turns: int
    handoffs: int
    side_effects: int


@router.get("/{customer_id}/export", responses=_ERRORS)
def export(customer_id: CustomerId, session: SessionDep, now: Now, key: AdminKey) -> Any:
    """Every conversation of this customer (by the `customer.id` the bot sent), with its turns,
    handoffs, briefs and tickets; an unknown id exports nothing."""
    return export_customer(
        session=session,
        tenant_id=key.tenant_id,
        customer_id=customer_id,
        actor=f"key:{key.name}",
        now=now,
    )


@router.delete("/{customer_id}", response_model=ErasureRead, responses=_ERRORS)
def erase(customer_id: CustomerId, session: SessionDep, now: Now, key: AdminKey) -> ErasureRead:
    """Erase the customer's turns and personal fields across conversations, briefs, tickets,
    events and undelivered messages; the KPI facts for every period stay as they were."""
    done = erase_customer(
        session=session,
        tenant_id=key.tenant_id,
        customer_id=customer_id,
        actor=f"key:{key.name}",
        now=now,
    )
    return ErasureRead(
        customer_id=customer_id,
        conversations=done.conversations,
        turns=done.turns,
        handoffs=done.handoffs,
        side_effects=done.side_effects,
    )
