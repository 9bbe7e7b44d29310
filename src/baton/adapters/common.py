"""What the adapters share: a safe conversation id and running a peer's transcript."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from baton.domain import Customer, Turn
from baton.engine import HandoffRequest, Runtime, TurnResult, process_turn, request_handoff
from baton.errors import InvalidRequest

_UNSAFE = re.compile(r"[^A-Za-z0-9._:\-]")
MAX_ID = 200
QUEUE_KEYS = ("queue", "team", "department", "skill")


def conversation_key(prefix: str, raw: str) -> str:
    """A Baton conversation id for a peer's id: kept readable, made unique when it had to change."""
    safe = _UNSAFE.sub("-", raw)
    key = f"{prefix}:{safe}"
    if safe != raw or len(key) > MAX_ID:
        digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12]
        key = f"{key[: MAX_ID - 13]}-{digest}"
    return key


def levers(values: Any) -> HandoffRequest:
    """The bot's queue (`queue`, `team`, `department` or `skill`, any case), a numeric `priority`
    and a `note` from a platform's free-form handoff value. Anything else is the platform's own
    and is left alone (a `priority` of "high" is some hub's word, not Baton's 0-100)."""
    if not isinstance(values, dict):
        return HandoffRequest()
    lowered = {str(k).lower(): v for k, v in values.items()}
    queue = next((lowered[k] for k in QUEUE_KEYS if lowered.get(k)), None)
    priority, note = lowered.get("priority"), lowered.get("note")
    if not (isinstance(priority, int) or (isinstance(priority, str) and priority.isdigit())):
        priority = None
    try:
        return HandoffRequest.model_validate(
            {
                "queue": str(queue) if queue is not None else None,
                "priority": priority,
                "note": str(note) if note is not None else None,
            }
        )
    except ValidationError as exc:
        error = exc.errors()[0]
        field = ".".join(str(p) for p in error["loc"])
        raise InvalidRequest(f"handoff {field}: {error['msg']}", field=field) from exc


def hand_over(
    session: Session,
    *,
    runtime: Runtime,
    conversation_id: str,
    turns: Sequence[Turn],
    customer: Customer | None,
    request: HandoffRequest,
    now: datetime,
) -> TurnResult:
    """Record the transcript (each turn once, by its id) and open or confirm the handoff."""
    for turn in turns:
        process_turn(
            session,
            runtime=runtime,
            conversation_id=conversation_id,
            turn=turn,
            customer=customer,
            now=now,
        )
    return request_handoff(
        session,
        runtime=runtime,
        conversation_id=conversation_id,
        request=request,
        now=now,
    )
