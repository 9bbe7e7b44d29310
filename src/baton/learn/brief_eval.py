"""Score the case brief on a hand-labelled set: does it read the case as a person would?

Each conversation is sent turn by turn through `engine.process_turn` on a throwaway SQLite
store, so the brief scored is the one an agent would see: built when the case opened and
refreshed by every later message. The stored brief of the conversation's case is compared with
the labels: the case's intent, words of what the customer wants, and the playbook step of the
next best action. Two checks need no label: the next action and the ticket subject must not
quote the customer (five words in a row from one of their messages), and the summary's "Wants"
line must say what the `desired_outcome` field says.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.domain import BotSignal, Customer, Role, Turn
from baton.engine import Runtime, process_turn
from baton.errors import InvalidRequest
from baton.store.db import make_engine, make_session_factory, session_scope, upgrade
from baton.store.tables import DEFAULT_TENANT, HandoffRow

START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
QUOTE_WORDS = 5
_WORD = re.compile(r"[a-z0-9']+")


class BriefTurn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role
    text: str
    bot: BotSignal | None = None


class BriefExpect(BaseModel):
    model_config = ConfigDict(extra="forbid")

    intent: str
    wants: tuple[str, ...] = ()
    step: str


class BriefCase(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    customer: Customer | None = None
    turns: tuple[BriefTurn, ...] = Field(min_length=1)
    expect: BriefExpect


class CaseScore(BaseModel):
    id: str
    escalated: bool
    intent: str | None
    intent_ok: bool
    wants: str
    wants_ok: bool
    wants_consistent: bool
    step: str | None
    step_ok: bool
    next_action: str
    quotes_customer: bool
    subject: str
    subject_quotes_customer: bool


class BriefReport(BaseModel):
    n: int
    intent_accuracy: float
    wants_accuracy: float
    wants_consistent: float
    step_accuracy: float
    next_actions_quoting: int
    subjects_quoting: int
    distinct_intents: int
    distinct_next_actions: int
    cases: list[CaseScore]


def default_set() -> Path:
    """The shipped set (`baton/learn/data/brief_set.yaml`, synthetic, hand-labelled)."""
    return Path(str(resources.files("baton.learn") / "data" / "brief_set.yaml"))


def read_set(path: Path) -> list[BriefCase]:
    """The labelled conversations of a brief set; a malformed file names the case at fault."""
    body = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    cases = []
    for index, raw in enumerate(body.get("conversations") or ()):
        try:
            cases.append(BriefCase.model_validate(raw))
        except ValueError as exc:
            raise InvalidRequest(
                f"{path}: conversation {index + 1} is malformed: {exc}", field="conversations"
            ) from exc
    if not cases:
        raise InvalidRequest(f"{path}: no conversations", field="conversations")
    return cases


def evaluate_briefs(runtime: Runtime, cases: list[BriefCase]) -> BriefReport:
    """Run every case through the engine on a throwaway store and score the stored briefs."""
    with tempfile.TemporaryDirectory(prefix="baton-brief-eval-") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'eval.db'}")
        try:
            upgrade(engine)
            factory = make_session_factory(engine)
            scores = []
            for case in cases:
                for index, turn in enumerate(_turns(case)):
                    with session_scope(factory) as session:
                        process_turn(
                            session,
                            runtime=runtime,
                            tenant_id=DEFAULT_TENANT,
                            conversation_id=case.id,
                            turn=turn,
                            customer=case.customer if index == 0 else None,
                            now=turn.sent_at,
                        )
                with session_scope(factory) as session:
                    scores.append(_score(case, case_brief(session, case.id)))
        finally:
            engine.dispose()
    return _report(scores, cases)


def case_brief(session: Session, conversation_id: str) -> dict[str, Any] | None:
    """The brief of the conversation's latest case, as stored."""
    row = session.scalars(
        select(HandoffRow)
        .where(HandoffRow.conversation_id == conversation_id)
        .order_by(HandoffRow.created_at.desc())
    ).first()
    return dict(row.brief) if row is not None else None


def _turns(case: BriefCase) -> Iterator[Turn]:
    for index, turn in enumerate(case.turns):
        yield Turn(
            turn_id=f"t-{index + 1}",
            role=turn.role,
            text=turn.text,
            sent_at=START + timedelta(minutes=index),
            bot=turn.bot,
        )


def _words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def quotes(text: str, sources: list[str], run: int = QUOTE_WORDS) -> bool:
    """Whether `text` repeats `run` words in a row of any source text."""
    said = " " + " ".join(_words(text)) + " "
    for source in sources:
        words = _words(source)
        for start in range(len(words) - run + 1):
            if " " + " ".join(words[start : start + run]) + " " in said:
                return True
    return False


def _score(case: BriefCase, brief: dict[str, Any] | None) -> CaseScore:
    said = [t.text for t in case.turns if t.role is Role.USER]
    brief = brief or {}
    intent = brief.get("intent")
    wants = str(brief.get("desired_outcome") or "")
    lines = str(brief.get("summary") or "").splitlines()
    wants_line = next((line for line in lines if line.startswith("Wants:")), "")
    action = str(brief.get("next_best_action") or "")
    subject = str((brief.get("ticket_fields") or {}).get("subject") or "")
    step = brief.get("next_action_step")
    return CaseScore(
        id=case.id,
        escalated=bool(brief),
        intent=intent,
        intent_ok=intent == case.expect.intent,
        wants=wants,
        wants_ok=bool(wants) and all(w.lower() in wants.lower() for w in case.expect.wants),
        wants_consistent=bool(wants) and " ".join(wants.split()) in " ".join(wants_line.split()),
        step=step,
        step_ok=step == case.expect.step,
        next_action=action,
        quotes_customer=quotes(action, said),
        subject=subject,
        subject_quotes_customer=quotes(subject, said),
    )


def _report(scores: list[CaseScore], cases: list[BriefCase]) -> BriefReport:
    n = len(scores)

    def share(flag: str) -> float:
        return round(sum(1 for s in scores if getattr(s, flag)) / n, 4) if n else 0.0

    return BriefReport(
        n=n,
        intent_accuracy=share("intent_ok"),
        wants_accuracy=share("wants_ok"),
        wants_consistent=share("wants_consistent"),
        step_accuracy=share("step_ok"),
        next_actions_quoting=sum(1 for s in scores if s.quotes_customer),
        subjects_quoting=sum(1 for s in scores if s.subject_quotes_customer),
        distinct_intents=len({c.expect.intent for c in cases}),
        distinct_next_actions=len({s.next_action for s in scores if s.next_action}),
        cases=scores,
    )
