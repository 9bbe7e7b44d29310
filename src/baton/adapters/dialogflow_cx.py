"""Dialogflow CX: Baton as the agent's webhook, and `liveAgentHandoff` as the handoff signal.

Point a flow's webhook (for instance on every page, tag `baton`) at
`POST /v1/adapters/dialogflow-cx/webhook`. Each call records the user's query and the agent's
messages as turns, so Baton holds the transcript that CX itself never sends. A handoff opens
when the request carries a `liveAgentHandoff` message or the fulfillment tag `handoff`, or when
Baton's detector decides one; the answer then carries the confirmation text and a
`liveAgentHandoff` message whose metadata names the Baton handoff.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from baton.adapters.common import conversation_key, hand_over, levers
from baton.domain import Action, BotSignal, Customer, Role, Turn
from baton.engine import Runtime, TurnResult, process_turn

HANDOFF_TAG = "handoff"
MAX_TEXT = 16 * 1024


class _Loose(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class IntentInfo(_Loose):
    last_matched_intent: str | None = Field(default=None, alias="lastMatchedIntent")
    display_name: str | None = Field(default=None, alias="displayName")
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)


class SessionInfo(_Loose):
    session: str = Field(min_length=1, max_length=1000)
    parameters: dict[str, Any] = Field(default_factory=dict)


class FulfillmentInfo(_Loose):
    tag: str | None = None


class WebhookRequest(_Loose):
    """The fields of a CX `WebhookRequest` Baton reads; others are accepted and ignored."""

    detect_intent_response_id: str = Field(alias="detectIntentResponseId", max_length=200)
    language_code: str | None = Field(default=None, alias="languageCode")
    fulfillment_info: FulfillmentInfo = Field(
        default_factory=FulfillmentInfo, alias="fulfillmentInfo"
    )
    intent_info: IntentInfo | None = Field(default=None, alias="intentInfo")
    session_info: SessionInfo = Field(alias="sessionInfo")
    messages: list[dict[str, Any]] = Field(default_factory=list)
    payload: dict[str, Any] = Field(default_factory=dict)
    text: str | None = None
    transcript: str | None = None
    trigger_event: str | None = Field(default=None, alias="triggerEvent")


def _bot_text(messages: list[dict[str, Any]]) -> str:
    parts: list[str] = []
    for message in messages:
        parts.extend(str(t) for t in (message.get("text") or {}).get("text") or [])
    return "\n".join(p for p in parts if p.strip())


def handoff_metadata(request: WebhookRequest) -> dict[str, Any] | None:
    """The `liveAgentHandoff` metadata when the agent asked for a person, else None."""
    for message in request.messages:
        if "liveAgentHandoff" in message:
            return dict((message["liveAgentHandoff"] or {}).get("metadata") or {})
    if request.fulfillment_info.tag == HANDOFF_TAG:
        return {}
    return None


def turns(request: WebhookRequest, now: datetime) -> list[Turn]:
    """This call's user query and the agent's messages, with ids from the response id."""
    rid = request.detect_intent_response_id
    out: list[Turn] = []
    query = request.text or request.transcript
    if query:
        intent = request.intent_info
        no_match = (request.trigger_event or "").startswith("sys.no-match")
        out.append(
            Turn(
                turn_id=f"{rid}:user",
                role=Role.USER,
                text=query[:MAX_TEXT],
                sent_at=now,
                bot=BotSignal(
                    confidence=intent.confidence if intent else None,
                    intent=(intent.display_name if intent else None),
                    fallback=no_match,
                ),
                metadata={"source": "dialogflow_cx"},
            )
        )
    said = _bot_text(request.messages)
    if said:
        out.append(
            Turn(
                turn_id=f"{rid}:bot",
                role=Role.BOT,
                text=said[:MAX_TEXT],
                sent_at=now,
                metadata={"source": "dialogflow_cx"},
            )
        )
    return out


def customer(request: WebhookRequest) -> Customer | None:
    """Who the customer is, from session parameters a CX agent commonly collects."""
    params = request.session_info.parameters
    fields = {k: params.get(k) for k in ("email", "name", "phone")}
    if params.get("customer_id"):
        fields["id"] = params["customer_id"]
    known = {k: str(v)[:200] for k, v in fields.items() if v}
    return Customer(**known) if known else None


def _answer(result: TurnResult | None, metadata: dict[str, Any] | None) -> dict[str, Any]:
    if result is None or result.handoff is None:
        return {"fulfillmentResponse": {"messages": []}}
    handoff = result.handoff
    params: dict[str, Any] = {"baton_handoff_id": handoff.id, "baton_status": str(handoff.status)}
    if not result.message:
        return {"fulfillmentResponse": {"messages": []}, "sessionInfo": {"parameters": params}}
    messages: list[dict[str, Any]] = [{"text": {"text": [result.message]}}]
    if result.decision.action is Action.HANDOFF or metadata is not None:
        messages.append(
            {
                "liveAgentHandoff": {
                    "metadata": {
                        **(metadata or {}),
                        "baton_handoff_id": handoff.id,
                        "queue": handoff.queue,
                    }
                }
            }
        )
    return {
        "fulfillmentResponse": {"messages": messages, "mergeBehavior": "APPEND"},
        "sessionInfo": {"parameters": params},
    }


def handle(
    session: Session, *, runtime: Runtime, request: WebhookRequest, now: datetime
) -> dict[str, Any]:
    """Record this call's turns; hand off when CX or Baton says so; answer a WebhookResponse."""
    conversation_id = conversation_key("dfcx", request.session_info.session.rsplit("/", 1)[-1])
    metadata = handoff_metadata(request)
    new_turns = turns(request, now)
    if metadata is not None:
        new_turns = new_turns or [
            Turn(
                turn_id=f"{request.detect_intent_response_id}:handoff",
                role=Role.SYSTEM,
                text="The Dialogflow CX agent asked for a person.",
                sent_at=now,
            )
        ]
        handed = hand_over(
            session,
            runtime=runtime,
            conversation_id=conversation_id,
            turns=new_turns,
            customer=customer(request),
            request=levers(metadata),
            now=now,
        )
        return _answer(handed, metadata)
    result: TurnResult | None = None
    for turn in new_turns:
        outcome = process_turn(
            session,
            runtime=runtime,
            conversation_id=conversation_id,
            turn=turn,
            customer=customer(request),
            now=now,
        )
        result = outcome if turn.role is Role.USER else result
    return _answer(result, None)
