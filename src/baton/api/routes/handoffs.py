"""Handoffs for agents and integrations: list, read, and the brief."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from baton.api.deps import ApiKeyDep, RuntimeDep, SessionDep, require_api_key
from baton.api.routes.turns import _ERRORS
from baton.brief import render_markdown, render_text, ticket_payload
from baton.domain import Brief
from baton.errors import HandoffNotFound, NotFound
from baton.store import repositories as repo
from baton.store.tables import HandoffRow

# The key is checked before anything else, so an unknown caller learns nothing (not even a 404).
router = APIRouter(prefix="/v1", tags=["handoffs"], dependencies=[Depends(require_api_key)])


class HandoffRead(BaseModel):
    id: str
    conversation_id: str
    status: str
    queue: str
    priority: int
    channel: str | None
    reasons: list[dict[str, Any]]
    agent_id: str | None
    first_response_due: datetime | None
    resolution_due: datetime | None
    created_at: datetime
    updated_at: datetime
    episode: int
    previous_handoff_id: str | None


class HandoffPage(BaseModel):
    items: list[HandoffRead]


def _read(row: HandoffRow) -> HandoffRead:
    return HandoffRead.model_validate(row, from_attributes=True)


def current_handoff(handoff_id: str, session: SessionDep) -> HandoffRow:
    row = repo.get_handoff_row(session=session, handoff_id=handoff_id)
    if row is None:
        raise HandoffNotFound(f"no handoff {handoff_id!r}", field="handoff_id")
    return row


CurrentHandoff = Annotated[HandoffRow, Depends(current_handoff)]


@router.get("/handoffs", response_model=HandoffPage)
def list_handoffs(
    session: SessionDep,
    _key: ApiKeyDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
    queue: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> HandoffPage:
    stmt = (
        select(HandoffRow).order_by(HandoffRow.priority.desc(), HandoffRow.created_at).limit(limit)
    )
    if status:
        stmt = stmt.where(HandoffRow.status == status)
    if queue:
        stmt = stmt.where(HandoffRow.queue == queue)
    return HandoffPage(items=[_read(r) for r in session.scalars(stmt)])


@router.get("/handoffs/{handoff_id}", response_model=HandoffRead, responses={404: _ERRORS[409]})
def get_handoff(handoff: CurrentHandoff, _key: ApiKeyDep) -> HandoffRead:
    return _read(handoff)


_BRIEF_FORMATS: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {
            "application/json": {},
            "text/markdown": {"schema": {"type": "string"}},
            "text/plain": {"schema": {"type": "string"}},
        },
        "description": "The brief: JSON, or rendered as Markdown or plain text",
    },
    404: _ERRORS[409],
}


@router.get("/handoffs/{handoff_id}/brief", response_model=Brief, responses=_BRIEF_FORMATS)
def get_brief(
    handoff: CurrentHandoff,
    _key: ApiKeyDep,
    fmt: Annotated[Literal["json", "markdown", "text"], Query(alias="format")] = "json",
) -> Brief | Response:
    """The case brief; `?format=markdown` or `?format=text` for consoles, e-mail and CRMs."""
    brief = Brief.model_validate(handoff.brief)
    if fmt == "markdown":
        return PlainTextResponse(render_markdown(brief), media_type="text/markdown")
    if fmt == "text":
        return PlainTextResponse(render_text(brief))
    return brief


@router.get(
    "/handoffs/{handoff_id}/ticket/{system}",
    response_model=dict[str, Any],
    responses={404: _ERRORS[409]},
)
def get_ticket(handoff: CurrentHandoff, system: str, runtime: RuntimeDep, _key: ApiKeyDep) -> Any:
    """The brief's ticket in a help desk's own field names (`zendesk`, `hubspot`, `salesforce`)."""
    mapping = runtime.policy.brief.tickets.systems.get(system)
    if mapping is None:
        known = ", ".join(sorted(runtime.policy.brief.tickets.systems))
        raise NotFound(f"no ticket mapping {system!r}; the policy has: {known}", field="system")
    return ticket_payload(Brief.model_validate(handoff.brief).ticket_fields, mapping)
