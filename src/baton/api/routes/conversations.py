"""Ask for a person or pick a channel, and follow the conversation's events as a stream."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request
from fastapi.responses import StreamingResponse

from baton.api.deps import ApiKeyDep, Now, RuntimeDep, SessionDep
from baton.api.routes.turns import _ERRORS, ConversationId
from baton.engine import HandoffRequest, TurnResult, request_handoff
from baton.errors import ConversationNotFound
from baton.store import repositories as repo
from baton.store.db import SessionFactory
from baton.transfer.events import conversation_stream

router = APIRouter(prefix="/v1", tags=["bot"])


@router.post(
    "/conversations/{conversation_id}/handoff",
    response_model=TurnResult,
    responses={**_ERRORS, 404: _ERRORS[409]},
)
def post_handoff(
    body: HandoffRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    _key: ApiKeyDep,
    conversation_id: str = ConversationId,
) -> TurnResult:
    """The customer asks for a person, picks a channel from an offer, or declines it."""
    return request_handoff(
        session, runtime=runtime, conversation_id=conversation_id, request=body, now=now
    )


@router.get("/conversations/{conversation_id}/events", responses={404: _ERRORS[409]})
def get_events(
    request: Request,
    session: SessionDep,
    _key: ApiKeyDep,
    conversation_id: str = ConversationId,
    last_event_id: Annotated[int | None, Header(alias="Last-Event-ID", ge=0)] = None,
) -> StreamingResponse:
    """Server-sent events: agent replies to relay, assignment, waits, resolution (handback)."""
    if repo.get_conversation_row(session=session, conversation_id=conversation_id) is None:
        raise ConversationNotFound(f"no conversation {conversation_id!r}", field="conversation_id")
    factory: SessionFactory = request.app.state.session_factory
    return StreamingResponse(
        conversation_stream(factory, request, conversation_id, last_event_id or 0),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )
