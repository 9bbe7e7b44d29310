"""Score a detector on an evaluation file: escalation, reasons, routing, intents, latency.

Each conversation is replayed turn by turn through `decide`, exactly as `engine.process_turn`
calls it, so an evaluation scores the live behaviour. The conversation's outcome is its first
escalating decision (the moment a handoff would open), else its last user turn's decision.

A data set labels only some reasons (see the data README): the reasons that occur in the file
are the ones scored, and `escalate` counts only those. An in-scope query called out of scope
counts as a wrong intent when the file labels `low_confidence`, as the CLINC150 paper does;
intent accuracy is over in-scope conversations only.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from pydantic import BaseModel, Field

from baton.brief import build_brief
from baton.detect import DetectState
from baton.detect.encoder import Encoder
from baton.detect.examples import Example, iter_rows
from baton.domain import (
    Action,
    BotSignal,
    Conversation,
    Customer,
    Decision,
    ReasonCode,
    Role,
    Turn,
)
from baton.policy import Policy
from baton.route import FloorSnapshot, route

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


class Deciding(Protocol):
    def decide(
        self, conversation: Conversation, state: DetectState, now: datetime
    ) -> tuple[Decision, DetectState]: ...


@dataclass(frozen=True, slots=True)
class Case:
    """One labelled conversation of an evaluation file."""

    id: str
    conversation: Conversation
    escalate: bool
    reasons: frozenset[ReasonCode]
    queue: str | None = None
    intent: str | None = None


class Prf(BaseModel):
    precision: float
    recall: float
    f1: float
    support: int | None = None


class Latency(BaseModel):
    p50: float
    p99: float


class Report(BaseModel):
    n: int
    escalate: Prf
    reasons: dict[str, Prf]
    queue_accuracy: float | None
    intent_accuracy: float | None
    latency_ms: Latency
    mode: str | None = None
    overall_accuracy: float | None = Field(
        default=None,
        description="intent accuracy with out of scope as one more class (HINT3's metric), "
        "over rows labelled with an intent or as out of scope, when the file labels both",
    )


def case_from_row(row: dict[str, Any], number: int) -> Case:
    """A file row as a conversation with synthetic, increasing timestamps (so replay is exact)."""
    cid = str(row.get("id") or f"case-{number}")
    turns = []
    for i, raw in enumerate(row.get("turns") or []):
        bot = raw.get("bot")
        turns.append(
            Turn(
                turn_id=str(raw.get("turn_id") or f"t{i + 1}"),
                role=Role(raw.get("role", "user")),
                text=str(raw.get("text", "")),
                sent_at=EPOCH + timedelta(seconds=i),
                bot=BotSignal.model_validate(bot) if bot else None,
            )
        )
    customer = row.get("customer")
    expect = row.get("expect") or {}
    return Case(
        id=cid,
        conversation=Conversation(
            id=cid,
            turns=tuple(turns),
            customer=Customer.model_validate(customer) if customer else None,
        ),
        escalate=bool(expect.get("escalate", False)),
        reasons=frozenset(ReasonCode(r) for r in expect.get("reasons") or ()),
        queue=expect.get("queue"),
        intent=expect.get("intent"),
    )


def read_cases(path: Path) -> list[Case]:
    """Every conversation of an evaluation file."""
    return [case_from_row(row, n) for n, row in enumerate(iter_rows(path), start=1)]


def replay(
    detector: Deciding, conversation: Conversation, timings: list[float] | None = None
) -> list[Decision]:
    """Every turn's decision, in order, as the engine would have made them."""
    state = DetectState()
    decisions: list[Decision] = []
    for i in range(len(conversation.turns)):
        prefix = conversation.model_copy(update={"turns": conversation.turns[: i + 1]})
        now = conversation.turns[i].sent_at
        started = time.perf_counter()
        decision, state = detector.decide(prefix, state, now)
        if timings is not None:
            timings.append((time.perf_counter() - started) * 1000)
        decisions.append(decision)
    return decisions


def outcome(conversation: Conversation, decisions: Sequence[Decision]) -> Decision:
    """The first escalating decision, else the last user turn's."""
    for decision in decisions:
        if decision.action is not Action.CONTINUE:
            return decision
    users = [d for t, d in zip(conversation.turns, decisions, strict=True) if t.role is Role.USER]
    return users[-1] if users else Decision(action=Action.CONTINUE)


def queue_for(conversation: Conversation, decision: Decision, policy: Policy) -> str:
    """The queue Route would choose for this decision, on an empty floor."""
    now = conversation.turns[-1].sent_at if conversation.turns else EPOCH
    brief = build_brief(conversation=conversation, decision=decision, policy=policy, now=now)
    routing = route(
        brief=brief,
        customer=conversation.customer,
        policy=policy,
        snapshot=FloorSnapshot(),
        now=now,
        handoff_id="eval",
    )
    return routing.queue


@dataclass
class _Tally:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, predicted: bool, expected: bool) -> None:
        self.tp += predicted and expected
        self.fp += predicted and not expected
        self.fn += expected and not predicted

    def prf(self, with_support: bool = False) -> Prf:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f1 = 2 * p * r / (p + r) if p + r else 0.0
        support = self.tp + self.fn if with_support else None
        return Prf(precision=round(p, 4), recall=round(r, 4), f1=round(f1, 4), support=support)


@dataclass
class Scorer:
    """Accumulates one case at a time; `report` gives the metrics."""

    labelled: frozenset[ReasonCode]
    escalate: _Tally = field(default_factory=_Tally)
    reasons: dict[ReasonCode, _Tally] = field(default_factory=dict)
    queue: list[bool] = field(default_factory=list)
    intent: list[bool] = field(default_factory=list)
    overall: list[bool] = field(default_factory=list)
    timings: list[float] = field(default_factory=list)
    n: int = 0

    def add(self, case: Case, decision: Decision, queue: str | None) -> None:
        fired = set(decision.codes) & self.labelled
        self.n += 1
        self.escalate.add(bool(fired), case.escalate)
        for code in self.labelled:
            self.reasons.setdefault(code, _Tally()).add(code in fired, code in case.reasons)
        if case.queue is not None:
            self.queue.append(queue == case.queue)
        called_out = ReasonCode.LOW_CONFIDENCE in fired
        if case.intent is not None and ReasonCode.LOW_CONFIDENCE not in case.reasons:
            self.intent.append(decision.intent == case.intent and not called_out)
            self.overall.append(self.intent[-1])
        elif (
            ReasonCode.LOW_CONFIDENCE in case.reasons and ReasonCode.LOW_CONFIDENCE in self.labelled
        ):
            self.overall.append(called_out)

    def report(self) -> Report:
        ordered = sorted(self.timings)

        def pct(q: float) -> float:
            return round(ordered[min(int(q * len(ordered)), len(ordered) - 1)], 4) if ordered else 0

        return Report(
            n=self.n,
            escalate=self.escalate.prf(),
            reasons={c.value: t.prf(with_support=True) for c, t in sorted(self.reasons.items())},
            queue_accuracy=round(sum(self.queue) / len(self.queue), 4) if self.queue else None,
            intent_accuracy=round(sum(self.intent) / len(self.intent), 4) if self.intent else None,
            overall_accuracy=(
                round(sum(self.overall) / len(self.overall), 4)
                if self.intent and len(self.overall) > len(self.intent)
                else None
            ),
            latency_ms=Latency(p50=pct(0.5), p99=pct(0.99)),
        )


def labelled_reasons(cases: Iterable[Case]) -> frozenset[ReasonCode]:
    """The reasons a file labels: those that occur in it, or all when none does."""
    found = frozenset(code for case in cases for code in case.reasons)
    return found or frozenset(ReasonCode)


def evaluate(
    detector: Deciding,
    cases: Sequence[Case],
    policy: Policy,
    *,
    on_case: Callable[[], None] | None = None,
) -> Report:
    """Replay every case through the detector and score it."""
    scorer = Scorer(labelled=labelled_reasons(cases))
    for case in cases:
        decisions = replay(detector, case.conversation, scorer.timings)
        decision = outcome(case.conversation, decisions)
        queue = queue_for(case.conversation, decision, policy) if case.queue is not None else None
        scorer.add(case, decision, queue)
        if on_case is not None:
            on_case()
    return scorer.report()


class PrimedEncoder(Encoder):
    """An encoder that answers from embeddings computed ahead in batches, else runs the real one:
    an evaluation embeds its file once instead of once per turn (same vectors, same decisions)."""

    def __init__(self, inner: Encoder, known: dict[str, np.ndarray]) -> None:
        self.name, self.version, self.folder = inner.name, inner.version, inner.folder
        self.dim = inner.dim
        self._inner, self._known = inner, known

    def encode_one(self, text: str) -> np.ndarray:
        known = self._known.get(text)
        return known if known is not None else self._inner.encode_one(text)

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        if texts and all(t in self._known for t in texts):
            return np.stack([self._known[t] for t in texts])
        return self._inner.encode(texts)


def primed_encoder(
    encoder: Encoder | None, files: Sequence[Sequence[str]], cache_dir: Path | None
) -> Encoder | None:
    """`encoder` with the embeddings of each file's texts computed ahead (kept under
    `cache_dir`, one entry a file): a training file embedded once serves every sample drawn
    from it (`--shots`)."""
    known: dict[str, np.ndarray] = {}
    for texts in files:
        if encoder is not None and texts:
            vectors = encoder.encode_cached(list(texts), cache_dir)
            known.update(zip(texts, vectors, strict=True))
    return PrimedEncoder(encoder, known) if encoder is not None and known else encoder


def prime_encoder(detector: object, cases: Sequence[Case], cache_dir: Path | None) -> None:
    """Embed every user turn of `cases` once, in batches (kept under `cache_dir`), for an
    encoder-mode detector; latency figures then leave the encoder out."""
    models = getattr(detector, "models", None)
    model = getattr(models, "intents", None)
    encoder = getattr(model, "encoder", None)
    if model is None or not isinstance(encoder, Encoder):
        return
    texts = sorted({t.text for c in cases for t in c.conversation.turns if t.role is Role.USER})
    vectors = encoder.encode_cached(texts, cache_dir)
    model.encoder = PrimedEncoder(encoder, dict(zip(texts, vectors, strict=True)))


def sample_shots(examples: Sequence[Example], shots: int, seed: int = 0) -> list[Example]:
    """At most `shots` examples of each intent (out-of-scope rows dropped), drawn with a fixed
    seed: a small bot's training file made from a benchmark's."""
    rng = random.Random(seed)
    by_intent: dict[str, list[Example]] = {}
    for example in examples:
        if example.intent is not None and not example.out_of_scope:
            by_intent.setdefault(example.intent, []).append(example)
    picked: list[Example] = []
    for intent in sorted(by_intent):
        rows = by_intent[intent]
        picked.extend(rng.sample(rows, min(shots, len(rows))))
    return picked


def resample_out_of_scope(cases: Sequence[Case], share: float, seed: int = 0) -> list[Case]:
    """The cases with out-of-scope ones at `share` of the total: every out-of-scope case and a
    fixed-seed sample of the in-scope ones, or the reverse when out of scope is too many."""
    if not 0.0 < share < 1.0:
        raise ValueError("the out-of-scope share must be between 0 and 1")
    rng = random.Random(seed)
    out = [c for c in cases if ReasonCode.LOW_CONFIDENCE in c.reasons]
    inside = [c for c in cases if ReasonCode.LOW_CONFIDENCE not in c.reasons]
    keep_in = round(len(out) * (1 - share) / share)
    if keep_in <= len(inside):
        inside = rng.sample(inside, keep_in)
    else:
        out = rng.sample(out, round(len(inside) * share / (1 - share)))
    return sorted([*out, *inside], key=lambda c: c.id)
