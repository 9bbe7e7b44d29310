"""What the adapters share: a safe conversation id and running a peer's transcript."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from baton.domain import Channel, Customer, Turn
from baton.engine import HandoffRequest, Runtime, TurnResult, process_turn, request_handoff

_UNSAFE = re.compile(r"[^A-Za-z0-9._:\-]")
MAX_ID = 200


def conversation_key(prefix: str, raw: str) -> str:
    """A Baton conversation id for a peer's id: kept readable, made unique when it had to change."""
    safe = _UNSAFE.sub("-", raw)
    key = f"{prefix}:{safe}"
    if safe != raw or len(key) > MAX_ID:
        digest = hashlib.sha256(raw.encode("utf-8")).hexdigest()[:12]
        key = f"{key[: MAX_ID - 13]}-{digest}"
    return key


def hand_over(
    session: Session,
    *,
    runtime: Runtime,
    tenant_id: str,
    conversation_id: str,
    turns: Sequence[Turn],
    customer: Customer | None,
    channel: Channel | None,
    now: datetime,
) -> TurnResult:
    """Record the transcript (each turn once, by its id) and open or confirm the handoff."""
    for turn in turns:
        process_turn(
            session,
            runtime=runtime,
            tenant_id=tenant_id,
            conversation_id=conversation_id,
            turn=turn,
            customer=customer,
            now=now,
        )
    return request_handoff(
        session,
        runtime=runtime,
        tenant_id=tenant_id,
        conversation_id=conversation_id,
        request=HandoffRequest(channel=channel),
        now=now,
    )
