"""The demo's customer page and the small API behind it; the bot side of the demo runs here."""

from __future__ import annotations

import uuid
from importlib import resources
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse

from baton.api.deps import DefaultRuntimeDep, Now, SessionDep
from baton.demo.bot import FaqBot
from baton.desk import signals
from baton.domain import MAX_TEXT_CHARS, Action, BotSignal, Channel, Role, Turn
from baton.engine import HandoffRequest, TurnResult, process_turn, request_handoff
from baton.lifecycle import HandoffStatus
from baton.store import repositories as repo
from baton.store.tables import DEFAULT_TENANT
from baton.transfer.events import event_stream_response

_HERE = Path(str(resources.files("baton.demo")))
templates = Jinja2Templates(directory=_HERE / "templates")
static = StaticFiles(directory=_HERE / "static")
router = APIRouter(prefix="/demo", include_in_schema=False)
_bot = FaqBot()
ConversationId = Annotated[str, Field(pattern=r"^demo-[0-9a-f]{32}$")]


class Say(BaseModel):
    conversation_id: ConversationId
    text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS)


class Choose(BaseModel):
    conversation_id: ConversationId
    channel: Channel | None = None
    decline: bool = False


class DemoReply(BaseModel):
    bot: str | None = None
    result: TurnResult


@router.get("", response_class=HTMLResponse)
def page(request: Request) -> HTMLResponse:
    """The customer's chat page; each visit is a new conversation."""
    conversation_id = "demo-" + uuid.uuid4().hex
    return templates.TemplateResponse(request, "chat.html", {"conversation_id": conversation_id})


@router.post("/api/say", response_model=DemoReply)
def say(body: Say, session: SessionDep, runtime: DefaultRuntimeDep, now: Now) -> DemoReply:
    """Send the message to Baton with the bot's own confidence; the bot answers if allowed.

    Once a person holds the case the bot stays out: the message goes to the agent with no bot
    signal, so it is not counted as one more bot fall-back.
    """
    answer = _bot.answer(body.text)
    held = repo.get_open_handoff_row(
        session=session, tenant_id=DEFAULT_TENANT, conversation_id=body.conversation_id
    )
    signal = BotSignal(confidence=answer.confidence, intent=answer.intent, fallback=answer.fallback)
    turn = Turn(
        turn_id=uuid.uuid4().hex,
        role=Role.USER,
        text=body.text,
        sent_at=now,
        channel="web",
        bot=None if held is not None and held.status != HandoffStatus.OFFERED.value else signal,
    )
    result = process_turn(
        session,
        runtime=runtime,
        tenant_id=DEFAULT_TENANT,
        conversation_id=body.conversation_id,
        turn=turn,
        customer=None,
        now=now,
    )
    if result.decision.action is not Action.CONTINUE or result.handoff is not None:
        return DemoReply(result=result)
    bot_turn = Turn(
        turn_id=uuid.uuid4().hex, role=Role.BOT, text=answer.text, sent_at=now, channel="web"
    )
    process_turn(
        session,
        runtime=runtime,
        tenant_id=DEFAULT_TENANT,
        conversation_id=body.conversation_id,
        turn=bot_turn,
        customer=None,
        now=now,
    )
    return DemoReply(bot=answer.text, result=result)


@router.post("/api/choose", response_model=DemoReply)
def choose(body: Choose, session: SessionDep, runtime: DefaultRuntimeDep, now: Now) -> DemoReply:
    """The customer takes an offer on a channel, asks for a person, or declines."""
    request = HandoffRequest(channel=body.channel, decline=body.decline)
    result = request_handoff(
        session,
        runtime=runtime,
        tenant_id=DEFAULT_TENANT,
        conversation_id=body.conversation_id,
        request=request,
        now=now,
    )
    return DemoReply(result=result)


class Typing(BaseModel):
    conversation_id: ConversationId


@router.post("/api/typing", status_code=204)
def typing(body: Typing, session: SessionDep, now: Now) -> None:
    """The customer is typing; shown to the agent on the case (a conversation not yet begun is
    ignored)."""
    if repo.get_conversation_row(
        session=session, tenant_id=DEFAULT_TENANT, conversation_id=body.conversation_id
    ):
        signals.customer_typing(
            session=session, tenant_id=DEFAULT_TENANT, conversation_id=body.conversation_id, now=now
        )


@router.get("/api/events")
def events(
    request: Request,
    conversation_id: Annotated[str, Query(pattern=r"^demo-[0-9a-f]{32}$")],
) -> EventSourceResponse:
    """The conversation's events for the page: agent replies and status, live."""
    last = request.headers.get("last-event-id", "0")
    return event_stream_response(
        request, DEFAULT_TENANT, conversation_id, int(last) if last.isdigit() else 0
    )
