"""The bot-facing turn endpoint: one turn in, a decision out."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, BackgroundTasks, Path, Request

from baton.api.deps import BotKey, Now, RuntimeDep, SessionDep
from baton.api.schemas import ErrorResponse, TurnCreate
from baton.domain import Role, Turn
from baton.engine import Runtime, TurnResult, process_turn
from baton.errors import Forbidden
from baton.store.tenants import Scope
from baton.summaries import summarize_after_commit

router = APIRouter(prefix="/v1", tags=["bot"])
ConversationId = Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:\-]+$")
_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 403, 409, 413, 422)
}


@router.post("/conversations/{conversation_id}/turns", response_model=TurnResult, responses=_ERRORS)
def post_turn(
    body: TurnCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    caller: BotKey,
    request: Request,
    background: BackgroundTasks,
    conversation_id: str = ConversationId,
) -> TurnResult:
    """Record one turn; answer with the Decision and, when escalated, the handoff and its offers.

    A `bot` key speaks for the customer and the bot; `agent` and `system` turns need `admin`.
    """
    turn = Turn.model_validate(body.model_dump(exclude={"customer", "left"}))
    if turn.role in (Role.AGENT, Role.SYSTEM) and Scope.ADMIN not in caller.scopes:
        raise Forbidden(f"{turn.role.value!r} turns need an admin-scoped key", field="role")
    result = process_turn(
        session,
        runtime=runtime,
        tenant_id=caller.tenant_id,
        conversation_id=conversation_id,
        turn=turn,
        customer=body.customer,
        now=now,
        customer_left=body.left,
    )
    summarize_later(request, background, runtime, result, now, caller.tenant_id)
    request.state.turn_outcome = "replayed" if result.replayed else result.decision.action.value
    if not result.replayed:
        request.app.state.metrics.decision(tenant=caller.tenant_id, decision=result.decision)
    return result


def summarize_later(
    request: Request,
    background: BackgroundTasks,
    runtime: Runtime,
    result: TurnResult,
    now: datetime,
    tenant_id: str,
) -> None:
    """A handoff just opened or asked for: its LLM summary is asked once the answer is sent."""
    if runtime.summarizer is None or result.handoff is None or result.replayed:
        return
    if result.message is None:
        return
    background.add_task(
        summarize_after_commit,
        factory=request.app.state.session_factory,
        runtime=runtime,
        tenant_id=tenant_id,
        handoff_id=result.handoff.id,
        now=now,
    )
