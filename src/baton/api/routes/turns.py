"""The bot-facing turn endpoint: one turn in, a decision out."""

from __future__ import annotations

from fastapi import APIRouter, Path

from baton.api.deps import ApiKeyDep, Now, RuntimeDep, SessionDep
from baton.api.schemas import ErrorResponse, TurnCreate
from baton.domain import Turn
from baton.engine import TurnResult, process_turn

router = APIRouter(prefix="/v1", tags=["bot"])
ConversationId = Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:\-]+$")
_ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 409, 413, 422)
}


@router.post("/conversations/{conversation_id}/turns", response_model=TurnResult, responses=_ERRORS)
def post_turn(
    body: TurnCreate,
    session: SessionDep,
    runtime: RuntimeDep,
    now: Now,
    _key: ApiKeyDep,
    conversation_id: str = ConversationId,
) -> TurnResult:
    """Record one turn; answer with the Decision and, when escalated, the handoff and its offers."""
    turn = Turn.model_validate(body.model_dump(exclude={"customer", "left"}))
    return process_turn(
        session,
        runtime=runtime,
        conversation_id=conversation_id,
        turn=turn,
        customer=body.customer,
        now=now,
        customer_left=body.left,
    )
