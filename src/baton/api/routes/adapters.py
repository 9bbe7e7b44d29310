"""Inbound adapters: peers' handoff payloads, accepted in their own shape."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from baton.adapters import botframework, dialogflow_cx
from baton.api.deps import BotKey, Now, RuntimeDep, SessionDep
from baton.api.routes.turns import _ERRORS

router = APIRouter(prefix="/v1/adapters", tags=["adapters"])


@router.post("/botframework/handoff", responses=_ERRORS)
def botframework_handoff(
    activity: botframework.Activity,
    session: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    caller: BotKey,
) -> dict[str, Any]:
    """A Bot Framework `handoff.initiate` event in; its `handoff.status` event out."""
    return botframework.initiate(
        session, runtime=runtime, tenant_id=caller.tenant_id, activity=activity, now=now
    )


@router.post("/dialogflow-cx/webhook", responses=_ERRORS)
def dialogflow_cx_webhook(
    request: dialogflow_cx.WebhookRequest,
    session: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    caller: BotKey,
) -> dict[str, Any]:
    """A Dialogflow CX `WebhookRequest` in; a `WebhookResponse` out."""
    return dialogflow_cx.handle(
        session, runtime=runtime, tenant_id=caller.tenant_id, request=request, now=now
    )
