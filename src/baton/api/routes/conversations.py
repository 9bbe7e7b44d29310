"""Ask for a person or pick a channel, and follow the conversation's events as a stream."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, BackgroundTasks, Header, Query, Request
from sse_starlette import EventSourceResponse

from baton.api.deps import ApiKeyDep, Now, RuntimeDep, SessionDep, SettingsDep
from baton.api.routes.turns import _ERRORS, ConversationId, summarize_later
from baton.api.streams import hold_stream
from baton.engine import HandoffRequest, TurnResult, request_handoff
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
    _key: ApiKeyDep,
    request: Request,
    background: BackgroundTasks,
    conversation_id: str = ConversationId,
) -> TurnResult:
    """The customer asks for a person, picks a channel from an offer, or declines it."""
    result = request_handoff(
        session, runtime=runtime, conversation_id=conversation_id, request=body, now=now
    )
    summarize_later(request, background, runtime, result, now)
    return result


@router.get("/conversations/{conversation_id}/events", responses={404: _ERRORS[409]})
def get_events(
    request: Request,
    key: ApiKeyDep,
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
    response = event_stream_response(request, conversation_id, resume_point(last_event_id, resume))
    limits = [(("key", key), settings.max_streams_per_key)]
    response.body_iterator = hold_stream(request, limits, response.body_iterator)
    return response
