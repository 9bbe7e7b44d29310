"""What-if replays: the stored engine inputs played again through the live engine, under a policy.

The engine's input log is what the bot sent: the turns (with the customer and `left` as sent,
`turns.customer`, `turns.customer_left`), the handoff calls (`handoff_calls`: asks, channel picks,
declines, levers, cancels) and the episode ends nobody in the conversation caused (an agent
resolving the case, the worker abandoning a silent one: `resolved` and `abandoned` events). A
replay plays each conversation's log, in time order and at the times it happened, through
`engine.process_turn`, `request_handoff` and `cancel_handoff` into a fresh SQLite store, one unit
of work per call, as the API does. Route sees the floor stored with the live decision (the
`floor` of the `offered`/`created` event at that moment, or of the handoff call whose levers
routed an offer again), else the latest floor stored before it, else an empty one. The detector
runs with the models each stored decision was stamped with (`model_version`), when this process
or the model cache still has them, for the baseline; the policy tried runs with its own current
models, as it would once deployed.

An episode end is applied to what the replay has open at that moment: `resolved` closes an open
case (an offer is not a case an agent could resolve: it stays open), `abandoned` abandons the open
offer or case with the stored cause. A handoff call that answered a handoff already open (took or
declined an offer, cancelled) is `skipped` when the replay has nothing open: nobody asked. Every
call's decision is compared: the baseline's with what was stored (`baseline_drift`, zero when the
baseline is the policy that ran), and the new policy's with the baseline's (action, reason codes,
and queue and priority where the call routed).
"""

from __future__ import annotations

import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field
from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from baton.desk.abandon import AbandonCause, abandon
from baton.desk.episodes import hand_back
from baton.desk.timers import stop_clocks
from baton.detect import Detector
from baton.detect.training import cached_models
from baton.domain import Action, Customer, Turn
from baton.engine import HandoffRequest, Runtime, TurnResult, cancel_handoff, process_turn
from baton.engine import request_handoff as engine_request_handoff
from baton.errors import BatonError
from baton.lifecycle import EventType, HandoffStatus
from baton.policy import Policy, policy_hash
from baton.route import FloorSnapshot
from baton.route.snapshot import floor_from_json
from baton.store import repositories as repo
from baton.store.db import make_engine, make_session_factory, session_scope, upgrade
from baton.store.tables import (
    ConversationRow,
    HandoffCallRow,
    HandoffEventRow,
    HandoffFactRow,
    HandoffRow,
    TurnRow,
)

BATCH = 500
DEFAULT_HANDLE_SECONDS = 600.0
DEFAULT_ACCEPT_RATE = 0.7
DRIFT_EXAMPLES = 20
SKIPPED = "skipped"  # a call that answered a handoff the replay does not have open
Change = Literal["added", "removed", "moved", "reasons", "action"]
Kind = Literal["turn", "request", "cancel", "end"]
# An episode end at the same instant as a call comes after it; calls of one instant keep order.
_RANK = {"turn": 0, "request": 1, "cancel": 1, "end": 2}
_ENDS = (EventType.RESOLVED.value, EventType.ABANDONED.value)
_ROUTED = (EventType.OFFERED.value, EventType.CREATED.value)


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


class Outcome(BaseModel):
    """One call's decision as the engine answered it; equal outcomes are the same decision."""

    conversation_id: str
    kind: Kind
    ref: str = Field(description="the turn id, or the handoff call's place in the log")
    at: datetime
    action: str | None = None
    reasons: list[str] = Field(default_factory=list)
    routed: bool = Field(default=False, description="the call opened or queued a handoff")
    queue: str | None = Field(default=None, description="where it routed (routing calls only)")
    priority: int | None = None
    error: str | None = Field(default=None, description="the error code, for a refused call")

    def key(self) -> tuple[Any, ...]:
        return (
            self.action,
            tuple(self.reasons),
            self.routed,
            self.queue,
            self.priority,
            self.error,
        )


class StepChange(BaseModel):
    conversation_id: str
    kind: Kind
    ref: str
    at: datetime
    stored: Outcome | None
    replayed: Outcome | None


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
    calls: dict[str, int] = Field(
        default_factory=dict, description="the log played: turns, requests, cancels, episode ends"
    )
    decisions: int = Field(default=0, description="calls whose decision was compared")
    decisions_changed: int = Field(
        default=0, description="calls whose decision differs between baseline and policy"
    )
    baseline_drift: int = Field(
        default=0, description="calls where the baseline's replay differs from what was stored"
    )
    drift_examples: list[StepChange] = Field(default_factory=list)
    models: dict[str, int] = Field(
        default_factory=dict, description="baseline calls per model version replayed"
    )
    models_missing: list[str] = Field(
        default_factory=list,
        description="stamped model versions no longer cached: replayed with the current models",
    )
    floors: dict[str, int] = Field(
        default_factory=dict, description="routings on the stored floor, the nearest, or empty"
    )


@dataclass(frozen=True)
class Step:
    """One entry of a conversation's input log."""

    kind: Kind
    conversation_id: str
    at: datetime
    order: int
    ref: str
    turn: Turn | None = None
    customer: Customer | None = None
    left: bool = False
    request: HandoffRequest | None = None
    ending: tuple[str, str | None] | None = None
    stored: dict[str, Any] | None = None
    answers: bool = False  # a handoff call that acted on a handoff already open

    @property
    def model_version(self) -> str | None:
        decision = (self.stored or {}).get("decision") or {}
        return decision.get("model_version")


@dataclass
class ConversationLog:
    id: str
    steps: list[Step]
    first_text: dict[str, str] = field(default_factory=dict)


# -- reading the log -------------------------------------------------------------------------


def _conversation_rows(
    session: Session, tenant_id: str, since: datetime | None, until: datetime | None
) -> Iterator[list[ConversationRow]]:
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
        yield rows
        offset += len(rows)


def stored_logs(
    *, session: Session, tenant_id: str, since: datetime | None, until: datetime | None
) -> Iterator[ConversationLog]:
    """The tenant's conversations (oldest first) with their input logs, read in batches."""
    for rows in _conversation_rows(session, tenant_id, since, until):
        ids = [r.id for r in rows]
        steps: defaultdict[str, list[Step]] = defaultdict(list)
        turns = session.scalars(
            select(TurnRow)
            .where(TurnRow.tenant_id == tenant_id, TurnRow.conversation_id.in_(ids))
            .order_by(TurnRow.conversation_id, TurnRow.seq)
        )
        with_customer: set[str] = set()
        for t in turns:
            if t.customer:
                with_customer.add(t.conversation_id)
            steps[t.conversation_id].append(
                Step(
                    kind="turn",
                    conversation_id=t.conversation_id,
                    at=t.received_at,
                    order=t.seq,
                    ref=t.turn_id,
                    turn=repo.turn_from_row(t),
                    customer=Customer.model_validate(t.customer) if t.customer else None,
                    left=bool(t.customer_left),
                    stored=t.response,
                )
            )
        calls = session.scalars(
            select(HandoffCallRow)
            .where(HandoffCallRow.tenant_id == tenant_id, HandoffCallRow.conversation_id.in_(ids))
            .order_by(HandoffCallRow.id)
        )
        for n, c in enumerate(calls):
            steps[c.conversation_id].append(
                Step(
                    kind="request" if c.kind == "request" else "cancel",
                    conversation_id=c.conversation_id,
                    at=c.at,
                    order=n,
                    ref=f"call-{c.id}",
                    request=_request(c.request) if c.kind == "request" else None,
                    stored=c.response,
                )
            )
        ends = session.execute(
            select(HandoffRow.conversation_id, HandoffEventRow)
            .join(HandoffEventRow, HandoffEventRow.handoff_id == HandoffRow.id)
            .where(
                HandoffRow.tenant_id == tenant_id,
                HandoffRow.conversation_id.in_(ids),
                HandoffEventRow.type.in_(_ENDS),
            )
            .order_by(HandoffEventRow.id)
        )
        for cid, e in ends:
            cause = (e.data or {}).get("cause")
            if cause == AbandonCause.CUSTOMER_LEFT.value:
                continue  # a `left` turn or a cancel call: in the log already
            steps[cid].append(
                Step(
                    kind="end",
                    conversation_id=cid,
                    at=e.at,
                    order=e.id,
                    ref=f"{e.type}-{e.id}",
                    ending=(e.type, cause),
                )
            )
        for row in rows:
            mine = steps[row.id]
            if row.customer and row.id not in with_customer:
                # Stored before turns kept their customer: the conversation's, on its first turn.
                first = next((i for i, s in enumerate(mine) if s.kind == "turn"), None)
                if first is not None:
                    customer = Customer.model_validate(row.customer)
                    mine[first] = _with_customer(mine[first], customer)
            mine.sort(key=lambda s: (s.at, _RANK[s.kind], s.order))
            yield ConversationLog(id=row.id, steps=_mark_answers(mine))


def _mark_answers(steps: list[Step]) -> list[Step]:
    """Mark the handoff calls that acted on a handoff opened before them (took or declined an
    offer, cancelled a case): a replay with nothing open then has nothing for them to answer."""
    seen: set[str] = set()
    out = []
    for step in steps:
        handoff = (step.stored or {}).get("handoff") or {}
        if step.kind in ("request", "cancel") and handoff.get("id") in seen:
            step = Step(**{**step.__dict__, "answers": True})
        if step.kind == "request" and step.request is not None and step.request.decline:
            step = Step(**{**step.__dict__, "answers": True})
        if handoff.get("id"):
            seen.add(handoff["id"])
        out.append(step)
    return out


def _request(logged: dict[str, Any]) -> HandoffRequest:
    return HandoffRequest.model_validate({k: v for k, v in logged.items() if k != "floor"})


def _with_customer(step: Step, customer: Customer) -> Step:
    return Step(**{**step.__dict__, "customer": customer})


# -- the floor and the models a decision had ------------------------------------------------


class StoredFloors:
    """The floor snapshots stored with the live routings, looked up by conversation and instant."""

    def __init__(self, session: Session, tenant_id: str) -> None:
        self.session, self.tenant_id = session, tenant_id
        self.exact: dict[tuple[str, datetime], FloorSnapshot] = {}
        self.counts: Counter[str] = Counter()

    def load(self, conversation_ids: list[str]) -> None:
        """Read the floors stored for these conversations' routings."""
        self.exact.clear()
        rows = self.session.execute(
            select(HandoffRow.conversation_id, HandoffEventRow.at, HandoffEventRow.data)
            .join(HandoffEventRow, HandoffEventRow.handoff_id == HandoffRow.id)
            .where(
                HandoffRow.tenant_id == self.tenant_id,
                HandoffRow.conversation_id.in_(conversation_ids),
                HandoffEventRow.type.in_(_ROUTED),
            )
        )
        calls = self.session.execute(
            select(HandoffCallRow.conversation_id, HandoffCallRow.at, HandoffCallRow.request).where(
                HandoffCallRow.tenant_id == self.tenant_id,
                HandoffCallRow.conversation_id.in_(conversation_ids),
            )
        )
        for cid, at, data in [*rows, *calls]:
            if isinstance((data or {}).get("floor"), dict):
                self.exact[(cid, at)] = floor_from_json(data["floor"])

    def at(self, conversation_id: str, when: datetime) -> FloorSnapshot:
        """The floor stored with this conversation's routing at `when`, else the tenant's latest
        stored before it, else an empty floor."""
        found = self.exact.get((conversation_id, when))
        if found is not None:
            self.counts["stored"] += 1
            return found
        rows = self.session.execute(
            select(HandoffEventRow.data)
            .join(HandoffRow, HandoffEventRow.handoff_id == HandoffRow.id)
            .where(
                HandoffRow.tenant_id == self.tenant_id,
                HandoffEventRow.type.in_(_ROUTED),
                HandoffEventRow.at <= when,
            )
            .order_by(HandoffEventRow.at.desc(), HandoffEventRow.id.desc())
            .limit(50)
        )
        for (data,) in rows:
            if isinstance((data or {}).get("floor"), dict):
                self.counts["nearest"] += 1
                return floor_from_json(data["floor"])
        self.counts["empty"] += 1
        return FloorSnapshot()


@dataclass
class ReplayRuntime(Runtime):
    """The live `Runtime` with given models and the stored floor instead of the live one."""

    models: Any = None
    version: str = ""
    floors: StoredFloors | None = None
    conversation_id: str = ""
    now: datetime | None = None

    def __post_init__(self) -> None:
        self.detector = Detector(self.policy, self.models)
        self.policy_hash = policy_hash(self.policy)
        self.model_version = self.version

    def floor(self, session: Session, tenant_id: str) -> FloorSnapshot:
        if self.floors is None or self.now is None:
            return FloorSnapshot()
        return self.floors.at(self.conversation_id, self.now)


@dataclass
class Runtimes:
    """One replay runtime per model version: the stamped one (if still cached) or the current."""

    policy: Policy
    floors: StoredFloors
    stamped: bool
    cache_dir: Path | None = None
    policy_dir: Path | None = None
    _by_version: dict[str, ReplayRuntime] = field(default_factory=dict)
    used: Counter[str] = field(default_factory=Counter)
    missing: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        live = Runtime(self.policy, model_cache_dir=self.cache_dir, policy_dir=self.policy_dir)
        self.current = self._make(live.detector.models, live.model_version)

    def _make(self, models: Any, version: str) -> ReplayRuntime:
        return ReplayRuntime(self.policy, models=models, version=version, floors=self.floors)

    def for_step(self, step: Step) -> ReplayRuntime:
        version = step.model_version
        if not self.stamped or version is None or version == self.current.version:
            chosen = self.current
        elif version in self._by_version:
            chosen = self._by_version[version]
        else:
            models = cached_models(version, policy=self.policy, cache_dir=self.cache_dir)
            if models is None:
                self.missing.add(version)
                chosen = self.current
            else:
                chosen = self._by_version.setdefault(version, self._make(models, version))
        self.used[chosen.version] += 1
        chosen.conversation_id, chosen.now = step.conversation_id, step.at
        return chosen


# -- playing the log -------------------------------------------------------------------------


@dataclass
class Played:
    """A run's outcomes, per call, and its escalations, per conversation."""

    outcomes: list[Outcome] = field(default_factory=list)
    escalations: dict[str, list[Escalation]] = field(default_factory=dict)


def outcome_of(step: Step, result: dict[str, Any] | None, seen: dict[str, str]) -> Outcome:
    """The decision a call got; `seen` holds the conversation's handoffs and their last status,
    so a call that opened or queued one counts as routing."""
    base = Outcome(conversation_id=step.conversation_id, kind=step.kind, ref=step.ref, at=step.at)
    if result is None:
        return base
    if "error" in result:
        return base.model_copy(update={"error": result["error"]})
    decision = result.get("decision") or {}
    handoff = result.get("handoff")
    routed = False
    queue = priority = None
    if handoff:
        before = seen.get(handoff["id"])
        routed = before is None or (before == "offered" and handoff["status"] == "queued")
        seen[handoff["id"]] = handoff["status"]
        if routed:
            queue, priority = handoff["queue"], handoff["priority"]
    return base.model_copy(
        update={
            "action": decision.get("action"),
            "reasons": [r["code"] for r in decision.get("reasons", [])],
            "routed": routed,
            "queue": queue,
            "priority": priority,
        }
    )


def _end(session: Session, tenant_id: str, step: Step) -> None:
    """An episode end from the log, applied to what the replay has open in the conversation."""
    assert step.ending is not None
    kind, cause = step.ending
    handoff = repo.get_open_handoff_row(
        session=session, tenant_id=tenant_id, conversation_id=step.conversation_id
    )
    if handoff is None:
        return
    if kind == EventType.ABANDONED.value:
        causes = {c.value: c for c in AbandonCause}
        why = causes.get(cause or "", AbandonCause.CUSTOMER_SILENT)
        abandon(session=session, handoff=handoff, cause=why, now=step.at, actor="replay")
        return
    if handoff.status == HandoffStatus.OFFERED.value:
        return  # an offer is not a case an agent resolves
    repo.move_handoff(session=session, handoff=handoff, target=HandoffStatus.RESOLVED, at=step.at)
    stop_clocks(session=session, handoff_id=handoff.id, now=step.at)
    repo.record_event(
        session=session, handoff=handoff, type_=EventType.RESOLVED, at=step.at, actor="replay"
    )
    hand_back(session=session, handoff=handoff, now=step.at, ending={"code": "replay"})


def _call(session: Session, runtime: ReplayRuntime, tenant_id: str, step: Step) -> TurnResult:
    if step.kind == "turn":
        assert step.turn is not None
        return process_turn(
            session,
            runtime=runtime,
            tenant_id=tenant_id,
            conversation_id=step.conversation_id,
            turn=step.turn,
            customer=step.customer,
            now=step.at,
            customer_left=step.left,
        )
    if step.kind == "request":
        assert step.request is not None
        return engine_request_handoff(
            session,
            runtime=runtime,
            tenant_id=tenant_id,
            conversation_id=step.conversation_id,
            request=step.request,
            now=step.at,
        )
    return cancel_handoff(
        session,
        runtime=runtime,
        tenant_id=tenant_id,
        conversation_id=step.conversation_id,
        now=step.at,
    )


class Player:
    """Plays conversation logs through the live engine into a fresh store, one call per unit of
    work; a refused call (a decline with no offer, say) is recorded with its error code."""

    def __init__(self, runtimes: Runtimes, tenant_id: str, folder: Path) -> None:
        self.runtimes, self.tenant_id = runtimes, tenant_id
        self.engine = make_engine(f"sqlite:///{folder / f'replay-{id(self)}.db'}")
        upgrade(self.engine)
        self.factory = make_session_factory(self.engine)
        self.played = Played()

    def close(self) -> None:
        self.engine.dispose()

    def play(self, log: ConversationLog) -> None:
        seen: dict[str, str] = {}
        escalations: list[Escalation] = []
        last_text = ""
        for step in log.steps:
            if step.turn is not None and step.turn.role.value == "user":
                last_text = step.turn.text
            if step.kind == "end":
                with session_scope(self.factory) as session:
                    _end(session, self.tenant_id, step)
                continue
            if step.answers and not self._open(step.conversation_id):
                self.played.outcomes.append(outcome_of(step, {"error": SKIPPED}, seen))
                continue
            runtime = self.runtimes.for_step(step)
            try:
                with session_scope(self.factory) as session:
                    answer = _call(session, runtime, self.tenant_id, step).model_dump(mode="json")
            except BatonError as exc:
                answer = {"error": exc.code}
            opened = bool(answer.get("handoff")) and answer["handoff"]["id"] not in seen
            outcome = outcome_of(step, answer, seen)
            self.played.outcomes.append(outcome)
            if opened and outcome.action is not None:
                escalations.append(
                    Escalation(
                        action=Action(outcome.action),
                        reasons=outcome.reasons,
                        queue=answer["handoff"]["queue"],
                        turn_id=step.ref,
                        text=last_text[:300],
                    )
                )
        self.played.escalations[log.id] = escalations

    def _open(self, conversation_id: str) -> bool:
        with session_scope(self.factory) as session:
            return (
                repo.get_open_handoff_row(
                    session=session, tenant_id=self.tenant_id, conversation_id=conversation_id
                )
                is not None
            )


def stored_outcomes(log: ConversationLog) -> list[Outcome]:
    """The decisions the live engine gave these calls, as stored with them."""
    seen: dict[str, str] = {}
    return [outcome_of(s, s.stored, seen) for s in log.steps if s.kind != "end"]


# -- comparing -------------------------------------------------------------------------------


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


def _history(session: Session, tenant_id: str) -> tuple[dict[str, float], float]:
    """Mean handle time per queue and the share of offers customers took, from the facts."""
    f = HandoffFactRow
    mine = f.tenant_id == tenant_id
    handle = {
        q: float(v)
        for q, v in session.execute(
            select(f.queue, func.avg(f.handle_s))
            .where(and_(f.handle_s.is_not(None), mine))
            .group_by(f.queue)
        )
        if v is not None
    }
    offered, declined = session.execute(
        select(func.coalesce(func.sum(f.offered), 0), func.coalesce(func.sum(f.declined), 0)).where(
            mine
        )
    ).one()
    accept = 1 - declined / offered if offered else DEFAULT_ACCEPT_RATE
    return handle, float(accept)


def _load(
    session: Session,
    tenant_id: str,
    before: list[Escalation],
    after: list[Escalation],
    days: float,
) -> list[QueueLoad]:
    """Expected cases and agent-hours per day per queue: offers count at the taken rate."""
    handle, accept = _history(session, tenant_id)

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


def _flips(before: Played, after: Played) -> list[Flip]:
    flips = []
    for cid, old in before.escalations.items():
        new = after.escalations.get(cid, [])
        for i in range(max(len(old), len(new))):
            b = old[i] if i < len(old) else None
            a = new[i] if i < len(new) else None
            change = _change(b, a)
            if change is not None:
                flips.append(
                    Flip(conversation_id=cid, change=change, before=b, after=a, label=None)
                )
                break  # the first escalation that differs says how the conversation changed
    return flips


def _drift(stored: list[Outcome], replayed: list[Outcome]) -> list[StepChange]:
    changes = []
    for s, r in zip(stored, replayed, strict=True):
        if s.action is None:
            continue  # a turn stored without its answer (before answers were kept)
        if s.key() != r.key():
            changes.append(
                StepChange(
                    conversation_id=s.conversation_id,
                    kind=s.kind,
                    ref=s.ref,
                    at=s.at,
                    stored=s,
                    replayed=r,
                )
            )
    return changes


@dataclass
class Replay:
    """The raw runs behind a `ReplayResult`: stored, baseline and policy outcomes per call."""

    stored: list[Outcome]
    before: Played
    after: Played
    others: list[Played]
    runtimes_before: Runtimes
    floors: StoredFloors
    conversations: int
    calls: Counter[str]
    first: datetime | None
    last: datetime | None


def run_replay(
    *,
    session: Session,
    tenant_id: str,
    baseline: Policy,
    policy: Policy,
    since: datetime | None = None,
    until: datetime | None = None,
    cache_dir: Path | None = None,
    policy_dir: Path | None = None,
    also: Sequence[Policy] = (),
) -> Replay:
    """Play the tenant's stored log under `baseline` (the stamped models) and under `policy`
    (its current models), each into its own fresh store; `also`: more policies to try, each
    against the same baseline run."""
    floors = StoredFloors(session, tenant_id)
    old = Runtimes(baseline, floors, stamped=True, cache_dir=cache_dir, policy_dir=policy_dir)
    new = [
        Runtimes(p, floors, stamped=False, cache_dir=cache_dir, policy_dir=policy_dir)
        for p in (policy, *also)
    ]
    stored: list[Outcome] = []
    calls: Counter[str] = Counter()
    conversations = 0
    first = last = None
    with tempfile.TemporaryDirectory(prefix="baton-replay-") as folder:
        before = Player(old, tenant_id, Path(folder))
        afters = [Player(r, tenant_id, Path(folder)) for r in new]
        try:
            batch: list[ConversationLog] = []
            for log in stored_logs(session=session, tenant_id=tenant_id, since=since, until=until):
                batch.append(log)
                if len(batch) >= BATCH:
                    _play(batch, floors, before, afters, stored)
                    batch = []
                conversations += 1
                calls.update(s.kind for s in log.steps)
                if log.steps:
                    start, end = log.steps[0].at, log.steps[-1].at
                    first, last = min(first or start, start), max(last or end, end)
            _play(batch, floors, before, afters, stored)
        finally:
            for player in (before, *afters):
                player.close()
    return Replay(
        stored=stored,
        before=before.played,
        after=afters[0].played,
        others=[a.played for a in afters[1:]],
        runtimes_before=old,
        floors=floors,
        conversations=conversations,
        calls=calls,
        first=first,
        last=last,
    )


def _play(
    batch: list[ConversationLog],
    floors: StoredFloors,
    before: Player,
    afters: list[Player],
    stored: list[Outcome],
) -> None:
    floors.load([log.id for log in batch])
    for log in batch:
        stored += stored_outcomes(log)
        for player in (before, *afters):
            player.play(log)


def replay(
    *,
    session: Session,
    tenant_id: str,
    baseline: Policy,
    policy: Policy,
    since: datetime | None = None,
    until: datetime | None = None,
    cache_dir: Path | None = None,
    policy_dir: Path | None = None,
) -> ReplayResult:
    """Replay the tenant's stored log under `baseline` and `policy` and say what changes."""
    return replay_each(
        session=session,
        tenant_id=tenant_id,
        baseline=baseline,
        policies=[policy],
        since=since,
        until=until,
        cache_dir=cache_dir,
        policy_dir=policy_dir,
    )[0]


def replay_each(
    *,
    session: Session,
    tenant_id: str,
    baseline: Policy,
    policies: Sequence[Policy],
    since: datetime | None = None,
    until: datetime | None = None,
    cache_dir: Path | None = None,
    policy_dir: Path | None = None,
) -> list[ReplayResult]:
    """Each policy against the baseline, the stored log played once per policy (and once for
    the baseline): how `baton learn` measures each proposal on its own."""
    run = run_replay(
        session=session,
        tenant_id=tenant_id,
        baseline=baseline,
        policy=policies[0],
        since=since,
        until=until,
        cache_dir=cache_dir,
        policy_dir=policy_dir,
        also=policies[1:],
    )
    return [
        _result(session, tenant_id, run, played, baseline, policy, since, until)
        for played, policy in zip([run.after, *run.others], policies, strict=True)
    ]


def _result(
    session: Session,
    tenant_id: str,
    run: Replay,
    after_run: Played,
    baseline: Policy,
    policy: Policy,
    since: datetime | None,
    until: datetime | None,
) -> ReplayResult:
    flips = _flips(run.before, after_run)
    labels = _labels(session, tenant_id, [f.conversation_id for f in flips])
    flips = [f.model_copy(update={"label": labels.get(f.conversation_id)}) for f in flips]
    start, end = since or run.first, until or run.last
    days = max(1.0, (end - start).total_seconds() / 86400) if start and end else 1.0
    removed = [f.before for f in flips if f.change == "removed" and f.before]
    added = [f.after for f in flips if f.change == "added" and f.after]
    label_names = {True: "necessary", False: "unnecessary", None: "unlabelled"}
    before = [e for es in run.before.escalations.values() for e in es]
    after = [e for es in after_run.escalations.values() for e in es]
    drift = _drift(run.stored, run.before.outcomes)
    changed = sum(
        b.key() != a.key() for b, a in zip(run.before.outcomes, after_run.outcomes, strict=True)
    )
    return ReplayResult(
        baseline=baseline.name,
        policy=policy.name,
        since=since,
        until=until,
        days=round(days, 2),
        conversations=run.conversations,
        stored_handoffs=_stored_handoffs(session, tenant_id, since, until),
        escalations_before=len(before),
        escalations_after=len(after),
        added_by_reason=dict(Counter(e.reason for e in added).most_common()),
        removed_by_reason=dict(Counter(e.reason for e in removed).most_common()),
        added_by_queue=dict(Counter(e.queue for e in added).most_common()),
        removed_by_queue=dict(Counter(e.queue for e in removed).most_common()),
        changes=dict(Counter(f.change for f in flips).most_common()),
        removed_labels=dict(
            Counter(label_names[f.label] for f in flips if f.change == "removed").most_common()
        ),
        load=_load(session, tenant_id, before, after, days),
        flips=flips,
        calls=dict(run.calls),
        decisions=len(run.before.outcomes),
        decisions_changed=changed,
        baseline_drift=len(drift),
        drift_examples=drift[:DRIFT_EXAMPLES],
        models=dict(run.runtimes_before.used),
        models_missing=sorted(run.runtimes_before.missing),
        floors=dict(run.floors.counts),
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
