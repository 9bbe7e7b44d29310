"""The LLM summary of a new handoff, asked for after the turn's transaction has committed.

A model may take seconds, or never answer. Asked inside the turn's transaction it held the
conversation's lock, SQLite's write lock and a pooled connection for as long, stalling every
other turn. So the turn stores the brief with the extractive summary and answers the bot; then
`summarize_after_commit` reads the transcript (no lock), asks the model with no transaction
open, and in one short transaction puts the model's summary into the brief (unless one is
already there) and publishes `brief.updated`. On any failure the extractive summary stands.
"""

from __future__ import annotations

import logging
from datetime import datetime

from baton.brief import build_brief
from baton.domain import Action, Brief, Decision
from baton.engine import Runtime
from baton.store import repositories as repo
from baton.store.db import SessionFactory, read_scope, session_scope

log = logging.getLogger(__name__)
BRIEF_UPDATED = "brief.updated"


def summarize_after_commit(
    *, factory: SessionFactory, runtime: Runtime, tenant_id: str, handoff_id: str, now: datetime
) -> bool:
    """Put the LLM's summary into the handoff's brief; whether it did (False: none configured,
    already there, or the model failed and the extractive summary stands)."""
    if runtime.summarizer is None:
        return False
    with read_scope(factory) as session:
        handoff = repo.get_handoff_row(session=session, tenant_id=tenant_id, handoff_id=handoff_id)
        if handoff is None or Brief.model_validate(handoff.brief).summary_source == "llm":
            return False
        conv_row = repo.get_conversation_row(
            session=session, tenant_id=tenant_id, conversation_id=handoff.conversation_id
        )
        assert conv_row is not None
        turns = repo.list_turn_rows(
            session=session, tenant_id=tenant_id, conversation_id=conv_row.id
        )
        conversation = repo.conversation_from_rows(conv_row, turns)
        earlier = Brief.model_validate(handoff.brief)
    decision = Decision(
        action=Action.HANDOFF,
        reasons=earlier.reasons,
        intent=earlier.intent,
        topic=earlier.topic,
        sentiment=earlier.sentiment,
        urgency=earlier.urgency,
    )
    fresh = build_brief(
        conversation=conversation,
        decision=decision,
        policy=runtime.policy,
        now=now,
        summarizer=runtime.summarizer,
    )
    if fresh.summary_source != "llm":
        return False
    return _store(factory, tenant_id, handoff_id, fresh, now)


def _store(
    factory: SessionFactory, tenant_id: str, handoff_id: str, fresh: Brief, now: datetime
) -> bool:
    with session_scope(factory) as session:
        handoff = repo.get_handoff_row(
            session=session, tenant_id=tenant_id, handoff_id=handoff_id, for_update=True
        )
        if handoff is None:
            return False
        current = Brief.model_validate(handoff.brief)
        if current.summary_source == "llm":
            return False
        update = {
            "summary": fresh.summary,
            "summary_source": fresh.summary_source,
        }
        handoff.brief = current.model_copy(update=update).model_dump(mode="json")
        handoff.updated_at = now
        data = {"handoff_id": handoff.id, "queue": handoff.queue, "summary_source": "llm"}
        repo.enqueue(
            session=session,
            tenant_id=tenant_id,
            kind="webhook",
            topic=BRIEF_UPDATED,
            payload=data,
            now=now,
        )
    log.info("brief of %s updated with the LLM summary", handoff_id)
    return True
