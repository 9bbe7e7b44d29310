"""What-if replays: stored conversations through another policy, before anyone deploys it.

Each conversation is replayed turn by turn, as `engine.process_turn` does it (a fresh
`DetectState`, `Detector.decide` on every turn, then brief and route when it escalates), under the
baseline policy and under the new one. A conversation escalates at most once in a replay: after
the first escalation a person has it. Routing sees an empty floor, so queues and SLAs are the
policy's own, not the moment's.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baton.brief import build_brief
from baton.detect import Detector, DetectState
from baton.domain import Action, Conversation
from baton.policy import Policy
from baton.route import FloorSnapshot, route
from baton.store import repositories as repo
from baton.store.tables import ConversationRow, HandoffFactRow, HandoffRow, TurnRow

BATCH = 500
DEFAULT_HANDLE_SECONDS = 600.0
DEFAULT_ACCEPT_RATE = 0.7
Change = Literal["added", "removed", "moved", "reasons", "action"]


class Escalation(BaseModel):
    action: Action
    reasons: list[str]
    queue: str
    turn_id: str
    text: str

    @property
    def reason(self) -> str:
        return self.reasons[0] if self.reasons else "none"


class Flip(BaseModel):
    conversation_id: str
    change: Change
    before: Escalation | None
    after: Escalation | None
    label: bool | None = Field(description="the stored handoff's 'necessary' label, if any")


class QueueLoad(BaseModel):
    queue: str
    before: int
    after: int
    per_day_before: float
    per_day_after: float
    agent_hours_per_day_before: float
    agent_hours_per_day_after: float


class ReplayResult(BaseModel):
    baseline: str
    policy: str
    since: datetime | None
    until: datetime | None
    days: float
    conversations: int
    stored_handoffs: int = Field(description="handoffs actually opened for these conversations")
    escalations_before: int
    escalations_after: int
    added_by_reason: dict[str, int]
    removed_by_reason: dict[str, int]
    added_by_queue: dict[str, int]
    removed_by_queue: dict[str, int]
    changes: dict[str, int]
    removed_labels: dict[str, int] = Field(description="necessary / unnecessary / unlabelled")
    load: list[QueueLoad]
    flips: list[Flip] = Field(description="the conversations whose outcome changes")


@dataclass
class Replayer:
    """One policy's detector, brief and route, replayable over stored conversations."""

    policy: Policy

    def __post_init__(self) -> None:
        self.detector = Detector(self.policy)

    def first_escalation(self, conversation: Conversation) -> Escalation | None:
        state = DetectState()
        partial = conversation.model_copy(update={"turns": ()})
        for turn in conversation.turns:
            partial = partial.with_turn(turn)
            decision, state = self.detector.decide(partial, state, turn.sent_at)
            if decision.action is Action.CONTINUE:
                continue
            brief = build_brief(
                conversation=partial, decision=decision, policy=self.policy, now=turn.sent_at
            )
            routing = route(
                brief=brief,
                customer=partial.customer,
                policy=self.policy,
                snapshot=FloorSnapshot(),
                now=turn.sent_at,
                handoff_id="replay",
            )
            return Escalation(
                action=decision.action,
                reasons=[c.value for c in decision.codes],
                queue=routing.queue,
                turn_id=turn.turn_id,
                text=turn.text[:300],
            )
        return None


def stored_conversations(
    *, session: Session, tenant_id: str, since: datetime | None, until: datetime | None
) -> Iterator[Conversation]:
    """The tenant's stored conversations (oldest first) with their turns, read in batches."""
    stmt = (
        select(ConversationRow)
        .where(ConversationRow.tenant_id == tenant_id)
        .order_by(ConversationRow.created_at, ConversationRow.id)
    )
    if since is not None:
        stmt = stmt.where(ConversationRow.created_at >= since)
    if until is not None:
        stmt = stmt.where(ConversationRow.created_at < until)
    offset = 0
    while rows := list(session.scalars(stmt.offset(offset).limit(BATCH))):
        turns: defaultdict[str, list[TurnRow]] = defaultdict(list)
        for turn in session.scalars(
            select(TurnRow)
            .where(
                TurnRow.tenant_id == tenant_id, TurnRow.conversation_id.in_([r.id for r in rows])
            )
            .order_by(TurnRow.conversation_id, TurnRow.seq)
        ):
            turns[turn.conversation_id].append(turn)
        for row in rows:
            yield repo.conversation_from_rows(row, turns[row.id])
        offset += len(rows)


def _change(before: Escalation | None, after: Escalation | None) -> Change | None:
    if before is None or after is None:
        return None if before is after else ("added" if before is None else "removed")
    if before.queue != after.queue:
        return "moved"
    if before.reasons != after.reasons:
        return "reasons"
    return "action" if before.action is not after.action else None


def _labels(
    session: Session, tenant_id: str, conversation_ids: list[str]
) -> dict[str, bool | None]:
    """The first stored handoff's label per conversation."""
    out: dict[str, bool | None] = {}
    for start in range(0, len(conversation_ids), BATCH):
        chunk = conversation_ids[start : start + BATCH]
        for cid, necessary in session.execute(
            select(HandoffRow.conversation_id, HandoffRow.necessary)
            .where(HandoffRow.tenant_id == tenant_id, HandoffRow.conversation_id.in_(chunk))
            .order_by(HandoffRow.created_at.desc())
        ):
            out[cid] = necessary
    return out


def _history(session: Session) -> tuple[dict[str, float], float]:
    """Mean handle time per queue and the share of offers customers took, from the facts."""
    f = HandoffFactRow
    handle = {
        q: float(v)
        for q, v in session.execute(
            select(f.queue, func.avg(f.handle_s)).where(f.handle_s.is_not(None)).group_by(f.queue)
        )
        if v is not None
    }
    offered, declined = session.execute(
        select(func.coalesce(func.sum(f.offered), 0), func.coalesce(func.sum(f.declined), 0))
    ).one()
    accept = 1 - declined / offered if offered else DEFAULT_ACCEPT_RATE
    return handle, float(accept)


def _load(
    session: Session, before: list[Escalation], after: list[Escalation], days: float
) -> list[QueueLoad]:
    """Expected cases and agent-hours per day per queue: offers count at the taken rate."""
    handle, accept = _history(session)

    def expected(escalations: list[Escalation]) -> defaultdict[str, float]:
        out: defaultdict[str, float] = defaultdict(float)
        for e in escalations:
            out[e.queue] += 1.0 if e.action is Action.HANDOFF else accept
        return out

    exp_before, exp_after = expected(before), expected(after)
    count_before = Counter(e.queue for e in before)
    count_after = Counter(e.queue for e in after)
    loads = []
    for queue in sorted(set(count_before) | set(count_after)):
        hours = handle.get(queue, DEFAULT_HANDLE_SECONDS) / 3600
        loads.append(
            QueueLoad(
                queue=queue,
                before=count_before[queue],
                after=count_after[queue],
                per_day_before=round(exp_before[queue] / days, 2),
                per_day_after=round(exp_after[queue] / days, 2),
                agent_hours_per_day_before=round(exp_before[queue] * hours / days, 2),
                agent_hours_per_day_after=round(exp_after[queue] * hours / days, 2),
            )
        )
    return loads


@dataclass
class _Tally:
    before: list[Escalation] = field(default_factory=list)
    after: list[Escalation] = field(default_factory=list)
    flips: list[Flip] = field(default_factory=list)
    conversations: int = 0
    first: datetime | None = None
    last: datetime | None = None

    def add(self, conversation: Conversation, b: Escalation | None, a: Escalation | None) -> None:
        self.conversations += 1
        if conversation.turns:
            start, end = conversation.turns[0].sent_at, conversation.turns[-1].sent_at
            self.first = min(self.first or start, start)
            self.last = max(self.last or end, end)
        self.before += [b] if b else []
        self.after += [a] if a else []
        change = _change(b, a)
        if change is not None:
            self.flips.append(
                Flip(conversation_id=conversation.id, change=change, before=b, after=a, label=None)
            )


def replay(
    *,
    session: Session,
    tenant_id: str,
    baseline: Policy,
    policy: Policy,
    since: datetime | None = None,
    until: datetime | None = None,
) -> ReplayResult:
    """Replay the tenant's stored conversations under `baseline` and `policy` and say what
    changes."""
    old, new = Replayer(baseline), Replayer(policy)
    tally = _Tally()
    stored = stored_conversations(session=session, tenant_id=tenant_id, since=since, until=until)
    for conversation in stored:
        tally.add(
            conversation, old.first_escalation(conversation), new.first_escalation(conversation)
        )
    labels = _labels(session, tenant_id, [f.conversation_id for f in tally.flips])
    flips = [f.model_copy(update={"label": labels.get(f.conversation_id)}) for f in tally.flips]
    start, end = since or tally.first, until or tally.last
    days = max(1.0, (end - start).total_seconds() / 86400) if start and end else 1.0
    removed = [f.before for f in flips if f.change == "removed" and f.before]
    added = [f.after for f in flips if f.change == "added" and f.after]
    label_names = {True: "necessary", False: "unnecessary", None: "unlabelled"}
    return ReplayResult(
        baseline=baseline.name,
        policy=policy.name,
        since=since,
        until=until,
        days=round(days, 2),
        conversations=tally.conversations,
        stored_handoffs=_stored_handoffs(session, tenant_id, since, until),
        escalations_before=len(tally.before),
        escalations_after=len(tally.after),
        added_by_reason=dict(Counter(e.reason for e in added).most_common()),
        removed_by_reason=dict(Counter(e.reason for e in removed).most_common()),
        added_by_queue=dict(Counter(e.queue for e in added).most_common()),
        removed_by_queue=dict(Counter(e.queue for e in removed).most_common()),
        changes=dict(Counter(f.change for f in flips).most_common()),
        removed_labels=dict(
            Counter(label_names[f.label] for f in flips if f.change == "removed").most_common()
        ),
        load=_load(session, tally.before, tally.after, days),
        flips=flips,
    )


def _stored_handoffs(
    session: Session, tenant_id: str, since: datetime | None, until: datetime | None
) -> int:
    stmt = (
        select(func.count())
        .select_from(HandoffRow)
        .join(
            ConversationRow,
            (ConversationRow.tenant_id == HandoffRow.tenant_id)
            & (ConversationRow.id == HandoffRow.conversation_id),
        )
        .where(HandoffRow.tenant_id == tenant_id)
    )
    if since is not None:
        stmt = stmt.where(ConversationRow.created_at >= since)
    if until is not None:
        stmt = stmt.where(ConversationRow.created_at < until)
    return int(session.scalar(stmt) or 0)
