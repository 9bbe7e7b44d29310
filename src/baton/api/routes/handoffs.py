"""Handoffs for agents and integrations: list, read, and the brief."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel
from sqlalchemy import select

from baton.api.deps import ReadKey, ReadSessionDep, RuntimeDep, require_api_key
from baton.api.paging import PageDep
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
    next_offset: int | None = None


def _read(row: HandoffRow) -> HandoffRead:
    return HandoffRead.model_validate(row, from_attributes=True)


def current_handoff(handoff_id: str, session: ReadSessionDep, caller: ReadKey) -> HandoffRow:
    """The caller's tenant's case; another tenant's is as absent as one never made."""
    row = repo.get_handoff_row(session=session, tenant_id=caller.tenant_id, handoff_id=handoff_id)
    if row is None:
        raise HandoffNotFound(f"no handoff {handoff_id!r}", field="handoff_id")
    return row


CurrentHandoff = Annotated[HandoffRow, Depends(current_handoff)]


@router.get("/handoffs", response_model=HandoffPage)
def list_handoffs(
    session: ReadSessionDep,
    caller: ReadKey,
    page: PageDep,
    status: Annotated[str | None, Query(max_length=16)] = None,
    queue: Annotated[str | None, Query(max_length=64)] = None,
) -> HandoffPage:
    stmt = (
        select(HandoffRow)
        .where(HandoffRow.tenant_id == caller.tenant_id)
        .order_by(HandoffRow.priority.desc(), HandoffRow.created_at, HandoffRow.id)
        .limit(page.limit)
        .offset(page.offset)
    )
    if status:
        stmt = stmt.where(HandoffRow.status == status)
    if queue:
        stmt = stmt.where(HandoffRow.queue == queue)
    items = [_read(r) for r in session.scalars(stmt)]
    return HandoffPage(items=items, next_offset=page.next_offset(len(items)))


@router.get("/handoffs/{handoff_id}", response_model=HandoffRead, responses={404: _ERRORS[409]})
def get_handoff(handoff: CurrentHandoff, _key: ReadKey) -> HandoffRead:
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
    _key: ReadKey,
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
def get_ticket(handoff: CurrentHandoff, system: str, runtime: RuntimeDep, _key: ReadKey) -> Any:
    """The brief's ticket in a help desk's own field names (`zendesk`, `hubspot`, `salesforce`)."""
    mapping = runtime.policy.brief.tickets.systems.get(system)
    if mapping is None:
        known = ", ".join(sorted(runtime.policy.brief.tickets.systems))
        raise NotFound(f"no ticket mapping {system!r}; the policy has: {known}", field="system")
    return ticket_payload(Brief.model_validate(handoff.brief).ticket_fields, mapping)
