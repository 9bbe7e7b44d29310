"""Retraining from labels: agents' "necessary?" labels and resolution codes become examples, and
per-reason thresholds are proposed where they would drop unnecessary handoffs, measured by replay.

Only raising a threshold can be judged from labels (the handoffs it would add were never made, so
nobody labelled them). For each reason, the candidate thresholds lie between the scores the
labelled handoffs had; the proposal is the one that removes the most handoffs labelled unnecessary
while keeping at least `min_recall` of those labelled necessary, on handoffs where that reason
alone fired.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import pairwise
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.detect.detector import Models
from baton.domain import ReasonCode
from baton.learn.replay import ReplayResult, replay_each
from baton.policy import Policy
from baton.store.tables import HandoffRow, TurnRow

KB_ANSWER = "kb_answer"


class Labelled(BaseModel):
    handoff_id: str
    scores: dict[str, float]
    necessary: bool


class Measured(BaseModel):
    """A proposal's effect as the replay of the period measured it (the policy with only this
    proposal applied, played through the live engine against the current one)."""

    escalations_before: int
    escalations_after: int
    removed_necessary: int
    removed_unnecessary: int
    removed_unlabelled: int
    added: int
    decisions_changed: int
    baseline_drift: int


class ThresholdProposal(BaseModel):
    reason: str
    current: float
    proposed: float
    labelled: int
    necessary: int
    unnecessary: int
    removes_unnecessary: int
    removes_necessary: int
    recall: float
    measured: Measured | None = Field(default=None, description="the replay's figures")


class ScopeCutProposal(BaseModel):
    """A lower encoder-mode scope cut (`detect.scope_cut`), from `baton.learn.scope_cut`."""

    current: float
    proposed: float
    labelled: int
    necessary: int
    unnecessary: int
    removes_unnecessary: int
    removes_necessary: int
    recall: float


class LearnResult(BaseModel):
    examples: int
    labelled: int
    proposals: list[ThresholdProposal]
    replay: ReplayResult | None
    scope_cut: ScopeCutProposal | None = Field(
        default=None, description="a lower encoder-mode scope cut, if the labels support one"
    )


def _labelled_rows(
    session: Session, tenant_id: str, since: datetime | None, until: datetime | None
) -> Iterator[HandoffRow]:
    stmt = (
        select(HandoffRow)
        .where(HandoffRow.tenant_id == tenant_id, HandoffRow.necessary.is_not(None))
        .order_by(HandoffRow.id)
    )
    if since is not None:
        stmt = stmt.where(HandoffRow.created_at >= since)
    if until is not None:
        stmt = stmt.where(HandoffRow.created_at < until)
    yield from session.scalars(stmt.execution_options(yield_per=1000))


def _turns(session: Session, tenant_id: str, rows: list[HandoffRow]) -> dict[str, list[TurnRow]]:
    """The stored user and bot turns of these handoffs' conversations, in order."""
    out: dict[str, list[TurnRow]] = {row.conversation_id: [] for row in rows}
    for turn in session.scalars(
        select(TurnRow)
        .where(
            TurnRow.tenant_id == tenant_id,
            TurnRow.conversation_id.in_(list(out)),
            TurnRow.role.in_(("user", "bot")),
        )
        .order_by(TurnRow.conversation_id, TurnRow.seq)
    ):
        out[turn.conversation_id].append(turn)
    return out


def _line(turn: TurnRow) -> dict[str, Any]:
    line: dict[str, Any] = {"role": turn.role, "text": turn.text}
    if turn.bot:
        line["bot"] = turn.bot
    return line


def training_examples(
    *,
    session: Session,
    tenant_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Iterator[dict[str, Any]]:
    """Labelled handoffs in the evaluation format of DESIGN.md ("Learn"), one dict per line.

    A handoff labelled unnecessary, or closed with a knowledge-base answer, is an example of a
    conversation the bot should have kept.
    """
    rows = list(_labelled_rows(session, tenant_id, since, until))
    for start in range(0, len(rows), 500):
        chunk = rows[start : start + 500]
        turns = _turns(session, tenant_id, chunk)
        for row in chunk:
            escalate = bool(row.necessary) and KB_ANSWER not in (row.outcome, row.resolution_code)
            yield {
                "id": row.id,
                "source": "baton-labels",
                "turns": [
                    _line(t) for t in turns[row.conversation_id] if t.sent_at <= row.created_at
                ],
                "expect": {
                    "escalate": escalate,
                    "reasons": [row.primary_reason] if escalate and row.primary_reason else [],
                    "queue": row.queue,
                    "intent": (row.brief or {}).get("intent"),
                },
            }


def labelled(
    *,
    session: Session,
    tenant_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[Labelled]:
    """Each labelled handoff's reason scores and whether a person was needed."""
    return [
        Labelled(
            handoff_id=row.id,
            scores={str(r["code"]): float(r.get("score", 1.0)) for r in row.reasons or []},
            necessary=bool(row.necessary) and KB_ANSWER not in (row.outcome, row.resolution_code),
        )
        for row in _labelled_rows(session, tenant_id, since, until)
    ]


def _candidates(scores: list[float], current: float) -> list[float]:
    """Thresholds midway between consecutive scores above the current one, and past the top."""
    points = sorted({s for s in scores if s >= current})
    mids = [round((a + b) / 2, 4) for a, b in pairwise(points)]
    top = [round(min(1.0, points[-1] + 0.001), 4)] if points and points[-1] < 1.0 else []
    return [t for t in mids + top if t > current]


def propose(
    *, examples: list[Labelled], policy: Policy, min_labels: int = 20, min_recall: float = 0.98
) -> list[ThresholdProposal]:
    """Per reason, the threshold that drops the most unnecessary handoffs at `min_recall`."""
    proposals = []
    for code in ReasonCode:
        solo = [e for e in examples if list(e.scores) == [code.value]]
        if len(solo) < min_labels:
            continue
        current = policy.trigger(code).threshold
        necessary = sum(e.necessary for e in solo)
        best: ThresholdProposal | None = None
        for threshold in _candidates([e.scores[code.value] for e in solo], current):
            dropped = [e for e in solo if e.scores[code.value] < threshold]
            lost = sum(e.necessary for e in dropped)
            recall = 1.0 if not necessary else (necessary - lost) / necessary
            gained = len(dropped) - lost
            if recall < min_recall or gained == 0 or (best and gained <= best.removes_unnecessary):
                continue
            best = ThresholdProposal(
                reason=code.value,
                current=current,
                proposed=threshold,
                labelled=len(solo),
                necessary=necessary,
                unnecessary=len(solo) - necessary,
                removes_unnecessary=gained,
                removes_necessary=lost,
                recall=round(recall, 4),
            )
        if best is not None:
            proposals.append(best)
    return proposals


def apply(policy: Policy, proposals: list[ThresholdProposal]) -> Policy:
    """The policy with the proposed thresholds (named '<name>-proposed')."""
    triggers = dict(policy.triggers)
    for p in proposals:
        code = ReasonCode(p.reason)
        triggers[code] = policy.trigger(code).model_copy(update={"threshold": p.proposed})
    return policy.model_copy(update={"name": f"{policy.name}-proposed", "triggers": triggers})


def _measured(result: ReplayResult) -> Measured:
    labels = result.removed_labels
    return Measured(
        escalations_before=result.escalations_before,
        escalations_after=result.escalations_after,
        removed_necessary=labels.get("necessary", 0),
        removed_unnecessary=labels.get("unnecessary", 0),
        removed_unlabelled=labels.get("unlabelled", 0),
        added=result.changes.get("added", 0),
        decisions_changed=result.decisions_changed,
        baseline_drift=result.baseline_drift,
    )


def learn(
    *,
    session: Session,
    tenant_id: str,
    policy: Policy,
    since: datetime | None = None,
    until: datetime | None = None,
    min_labels: int = 20,
    min_recall: float = 0.98,
    cache_dir: Path | None = None,
    policy_dir: Path | None = None,
    models: Models | None = None,
) -> tuple[LearnResult, Policy]:
    """Propose threshold changes from the labels and measure them by replaying the period
    through the live engine (`baton.learn.replay`): the figures are the replay's.

    With the policy's trained `models` in encoder mode, a lower scope cut is proposed too
    (`baton.learn.scope_cut`)."""
    from baton.learn.scope_cut import apply_cut, propose_scope_cut

    examples = labelled(session=session, tenant_id=tenant_id, since=since, until=until)
    proposals = propose(
        examples=examples, policy=policy, min_labels=min_labels, min_recall=min_recall
    )
    proposed = apply(policy, proposals)
    cut = (
        propose_scope_cut(
            session=session,
            tenant_id=tenant_id,
            policy=policy,
            models=models,
            since=since,
            until=until,
            min_labels=min_labels,
            min_recall=min_recall,
        )
        if models is not None
        else None
    )
    if cut is not None:
        proposed = apply_cut(proposed, cut)
        if not proposals:
            proposed = proposed.model_copy(update={"name": f"{policy.name}-proposed"})
    measured = None
    if proposals or cut is not None:
        # All proposals together, then each alone, against one baseline run of the period.
        several = len(proposals) > 1 or (cut is not None and proposals)
        alone = [apply(policy, [p]) for p in proposals] if several else []
        together, *each = replay_each(
            session=session,
            tenant_id=tenant_id,
            baseline=policy,
            policies=[proposed, *alone],
            since=since,
            until=until,
            cache_dir=cache_dir,
            policy_dir=policy_dir,
        )
        proposals = [
            p.model_copy(update={"measured": _measured(r)})
            for p, r in zip(proposals, each or [together] * len(proposals), strict=True)
        ]
        measured = together
    result = LearnResult(
        examples=sum(
            1
            for _ in training_examples(
                session=session, tenant_id=tenant_id, since=since, until=until
            )
        ),
        labelled=len(examples),
        proposals=proposals,
        replay=measured,
        scope_cut=cut,
    )
    return result, proposed
