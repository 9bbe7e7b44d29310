"""Ask for a person or pick a channel, and follow the conversation's events as a stream."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Header, Query, Request
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse

from baton.api.deps import BotKey, Now, RuntimeDep, SessionDep, SettingsDep
from baton.api.routes.turns import _ERRORS, ConversationId, summarize_later
from baton.api.streams import hold_stream
from baton.desk import signals
from baton.engine import HandoffRequest, TurnResult, cancel_handoff, request_handoff
from baton.errors import ConversationNotFound
from baton.store import repositories as repo
from baton.transfer.events import event_stream_response, resume_point

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
    caller: BotKey,
    request: Request,
    background: BackgroundTasks,
    conversation_id: str = ConversationId,
) -> TurnResult:
    """The customer asks for a person, picks a channel from an offer, or declines it."""
    result = request_handoff(
        session,
        runtime=runtime,
        tenant_id=caller.tenant_id,
        conversation_id=conversation_id,
        request=body,
        now=now,
    )
    summarize_later(request, background, runtime, result, now, caller.tenant_id)
    return result


@router.post(
    "/conversations/{conversation_id}/handoff/cancel",
    response_model=TurnResult,
    responses={**_ERRORS, 404: _ERRORS[409]},
)
def post_handoff_cancel(
    session: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    caller: BotKey,
    conversation_id: str = ConversationId,
) -> TurnResult:
    """The customer left: the open handoff is abandoned (`customer_left`), the bot holds on."""
    return cancel_handoff(
        session,
        runtime=runtime,
        tenant_id=caller.tenant_id,
        conversation_id=conversation_id,
        now=now,
    )


class TypingAck(BaseModel):
    typing: bool = True


@router.post(
    "/conversations/{conversation_id}/typing",
    response_model=TypingAck,
    status_code=202,
    responses={**_ERRORS, 404: _ERRORS[409]},
)
def post_typing(
    session: SessionDep, now: Now, caller: BotKey, conversation_id: str = ConversationId
) -> TypingAck:
    """The customer is typing: the agent on the case sees it for a few seconds. Send it again
    while they type (every 2 to 3 seconds is plenty); nothing is stored beyond the last one."""
    conversation = repo.get_conversation_row(
        session=session, tenant_id=caller.tenant_id, conversation_id=conversation_id
    )
    if conversation is None:
        raise ConversationNotFound(f"no conversation {conversation_id!r}", field="conversation_id")
    signals.customer_typing(
        session=session, tenant_id=caller.tenant_id, conversation_id=conversation_id, now=now
    )
    return TypingAck()


class ConversationRead(BaseModel):
    id: str
    episode: int = Field(description="the current episode, from 1")
    bot_active: bool = Field(description="false while a person holds the case")
    open_handoff_id: str | None
    turn_count: int


@router.get(
    "/conversations/{conversation_id}",
    response_model=ConversationRead,
    responses={404: _ERRORS[409]},
)
def get_conversation(
    session: SessionDep, caller: BotKey, conversation_id: str = ConversationId
) -> ConversationRead:
    """Who holds the conversation now (`bot_active`), its episode and its open handoff."""
    tenant_id = caller.tenant_id
    row = repo.get_conversation_row(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id
    )
    if row is None:
        raise ConversationNotFound(f"no conversation {conversation_id!r}", field="conversation_id")
    handoff = repo.get_open_handoff_row(
        session=session, tenant_id=tenant_id, conversation_id=conversation_id
    )
    return ConversationRead(
        id=row.id,
        episode=row.episode,
        bot_active=row.bot_active,
        open_handoff_id=handoff.id if handoff else None,
        turn_count=row.turn_count,
    )


@router.get("/conversations/{conversation_id}/events", responses={404: _ERRORS[409]})
def get_events(
    request: Request,
    caller: BotKey,
    settings: SettingsDep,
    conversation_id: str = ConversationId,
    last_event_id: Annotated[str | None, Header(alias="Last-Event-ID", max_length=20)] = None,
    resume: Annotated[str | None, Query(alias="last_event_id", max_length=20)] = None,
) -> EventSourceResponse:
    """Server-sent events: agent replies to relay, assignment, waits, resolution (handback).

    Resume with the `Last-Event-ID` header (browsers send it on reconnect) or, on a first
    connection where headers cannot be set, `?last_event_id=`. A key holds at most
    `BATON_MAX_STREAMS_PER_KEY` streams open in a worker; one more is 429 `too_many_streams`.
    """
    resume_at = resume_point(last_event_id, resume)
    response = event_stream_response(request, caller.tenant_id, conversation_id, resume_at)
    limits = [(("key", f"{caller.tenant_id}:{caller.name}"), settings.max_streams_per_key)]
    response.body_iterator = hold_stream(request, limits, response.body_iterator)
    return response
