"""Microsoft Bot Framework's handoff protocol: `handoff.initiate` in, `handoff.status` out.

The bot sends an event activity named `handoff.initiate` whose `value` is agent-hub-specific
context and whose attachment named "Transcript" (`application/json`, content
`{"activities": [...]}`) holds the conversation so far. Baton records that transcript, opens
the handoff, and answers with a `handoff.status` event whose `value.state` is `accepted` or
`failed` (and, later, `completed` when the case is resolved: see `status_for`).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from baton.adapters.common import conversation_key, hand_over, levers
from baton.domain import Customer, Role, Turn
from baton.engine import Runtime
from baton.errors import BatonError, InvalidRequest
from baton.lifecycle import HandoffStatus

INITIATE = "handoff.initiate"
STATUS = "handoff.status"
MAX_TEXT = 16 * 1024


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class ChannelAccount(_Loose):
    id: str = ""
    name: str | None = None
    role: str | None = None


class ConversationAccount(_Loose):
    id: str = Field(min_length=1, max_length=1000)


class Attachment(_Loose):
    content_type: str = Field(default="", alias="contentType")
    name: str | None = None
    content: Any = None


class Activity(_Loose):
    """The fields of a Bot Framework activity that a handoff needs; others pass through."""

    type: str
    id: str | None = None
    name: str | None = None
    timestamp: datetime | None = None
    channel_id: str | None = Field(default=None, alias="channelId")
    service_url: str | None = Field(default=None, alias="serviceUrl")
    from_: ChannelAccount | None = Field(default=None, alias="from")
    recipient: ChannelAccount | None = None
    conversation: ConversationAccount | None = None
    reply_to_id: str | None = Field(default=None, alias="replyToId")
    text: str | None = None
    value: Any = None
    attachments: list[Attachment] = Field(default_factory=list)


def transcript(activity: Activity) -> list[Activity]:
    """The activities in the attachment named "Transcript", oldest first."""
    for attachment in activity.attachments:
        if (attachment.name or "").lower() == "transcript" and isinstance(attachment.content, dict):
            items = attachment.content.get("activities") or []
            return [Activity.model_validate(a) for a in items if isinstance(a, dict)]
    return []


def _role(item: Activity, bot_id: str) -> Role:
    role = (item.from_.role if item.from_ else None) or ""
    if role.lower() == "bot" or (not role and item.from_ and item.from_.id == bot_id):
        return Role.BOT
    return Role.USER


def turns(activity: Activity, now: datetime) -> list[Turn]:
    """The transcript's message activities as turns; ids are stable so a retry adds nothing."""
    bot_id = activity.from_.id if activity.from_ else ""
    out: list[Turn] = []
    for index, item in enumerate(transcript(activity)):
        if item.type != "message" or not (item.text or "").strip():
            continue
        out.append(
            Turn(
                turn_id=(item.id or f"bf-{index}")[:200],
                role=_role(item, bot_id),
                text=(item.text or "")[:MAX_TEXT],
                sent_at=item.timestamp or now,
                channel=item.channel_id or activity.channel_id,
                metadata={"source": "botframework"},
            )
        )
    if not out:
        out.append(
            Turn(
                turn_id=(activity.id or uuid.uuid4().hex)[:200],
                role=Role.SYSTEM,
                text="The bot asked for a person (no transcript attached).",
                sent_at=activity.timestamp or now,
                metadata={"source": "botframework"},
            )
        )
    return out


def customer(activity: Activity) -> Customer | None:
    """The user, as the transcript names them: the first non-bot sender."""
    bot_id = activity.from_.id if activity.from_ else ""
    for item in transcript(activity):
        if item.from_ and _role(item, bot_id) is Role.USER and item.from_.id:
            return Customer(id=item.from_.id[:200], name=(item.from_.name or None))
    return None


def status_activity(
    initiate: Activity, *, state: str, now: datetime, message: str | None = None, **extra: Any
) -> dict[str, Any]:
    """A `handoff.status` event answering `initiate`, from the agent hub back to the bot."""
    return {
        "type": "event",
        "name": STATUS,
        "id": uuid.uuid4().hex,
        "timestamp": now.isoformat(),
        "channelId": initiate.channel_id,
        "serviceUrl": initiate.service_url,
        "conversation": initiate.conversation.model_dump(by_alias=True)
        if initiate.conversation
        else None,
        "from": initiate.recipient.model_dump(by_alias=True) if initiate.recipient else None,
        "recipient": initiate.from_.model_dump(by_alias=True) if initiate.from_ else None,
        "replyToId": initiate.id,
        "value": {"state": state, "message": message, **extra},
    }


def status_for(handoff_status: HandoffStatus) -> str:
    """The protocol's state for a Baton status: resolved is `completed`, closed without a
    person is `failed`, anything open is `accepted`."""
    if handoff_status is HandoffStatus.RESOLVED:
        return "completed"
    if handoff_status in (HandoffStatus.ABANDONED, HandoffStatus.DECLINED):
        return "failed"
    return "accepted"


def initiate(
    session: Session, *, runtime: Runtime, activity: Activity, now: datetime
) -> dict[str, Any]:
    """Open a handoff for a `handoff.initiate` event; answer with its `handoff.status`."""
    if activity.type != "event" or activity.name != INITIATE:
        raise InvalidRequest(f"expected an event activity named {INITIATE!r}", field="name")
    if activity.conversation is None:
        raise InvalidRequest("the activity has no conversation", field="conversation")
    conversation_id = conversation_key("bf", activity.conversation.id)
    try:
        result = hand_over(
            session,
            runtime=runtime,
            conversation_id=conversation_id,
            turns=turns(activity, now),
            customer=customer(activity),
            request=levers(activity.value),
            now=now,
        )
    except BatonError as exc:
        return status_activity(activity, state="failed", now=now, message=exc.message)
    assert result.handoff is not None
    return status_activity(
        activity,
        state=status_for(result.handoff.status),
        now=now,
        message=result.message,
        handoffId=result.handoff.id,
        queue=result.handoff.queue,
        conversationId=conversation_id,
    )
