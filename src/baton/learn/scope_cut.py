"""Recalibrating the scope cut from live labels (issue #20): encoder mode only.

The handoffs Baton's scope model opened on its own (`low_confidence` the only reason, the bot
sending no confidence of its own) carry agents' "was this handoff necessary?" label; one closed
with a knowledge-base answer counts as unnecessary (the bot could have answered). Each such
handoff's user turn is scored again by the scope model, and the proposal is the lowest cut that
drops the most handoffs labelled unnecessary while keeping `min_recall` of those labelled
necessary. Only lowering the cut can be judged this way: the messages a higher cut would add
were never handed off, so nobody labelled them. `baton learn` measures the proposal by replay
before anyone adopts it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from itertools import pairwise

from sqlalchemy.orm import Session

from baton.detect.detector import Models, scope_cut
from baton.domain import ReasonCode
from baton.learn.retrain import KB_ANSWER, ScopeCutProposal, _labelled_rows, _turns
from baton.policy import Policy

LOW = ReasonCode.LOW_CONFIDENCE.value


def scope_labels(
    *,
    session: Session,
    tenant_id: str,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[tuple[str, bool]]:
    """(the user's message the handoff opened on, necessary) for each labelled handoff whose only
    reason was `low_confidence`."""
    rows = [
        row
        for row in _labelled_rows(session, tenant_id, since, until)
        if [r.get("code") for r in row.reasons or []] == [LOW]
    ]
    turns = _turns(session, tenant_id, rows)
    out = []
    for row in rows:
        said = [
            t.text
            for t in turns[row.conversation_id]
            if t.role == "user" and t.sent_at <= row.created_at
        ]
        if not said:
            said = [
                str(line.get("text", ""))
                for line in (row.brief or {}).get("transcript") or []
                if line.get("role") == "user"
            ]
        if said and said[-1]:
            necessary = bool(row.necessary) and KB_ANSWER not in (row.outcome, row.resolution_code)
            out.append((said[-1], necessary))
    return out


def propose_cut(
    scores: Sequence[float],
    necessary: Sequence[bool],
    current: float,
    *,
    min_labels: int = 20,
    min_recall: float = 0.98,
) -> ScopeCutProposal | None:
    """The cut (under `current`) that drops the most unnecessary handoffs at `min_recall`.

    A message is handed off when its scope score is under the cut, so lowering the cut to c
    drops the handoffs that scored c or more."""
    pairs = [(s, n) for s, n in zip(scores, necessary, strict=True) if s < current]
    if len(pairs) < min_labels:
        return None
    total = sum(n for _, n in pairs)
    points = sorted({s for s, _ in pairs})
    candidates = [round((a + b) / 2, 4) for a, b in pairwise(points)] + [points[0] - 1e-4]
    best: ScopeCutProposal | None = None
    for cut in sorted(candidates, reverse=True):
        dropped = [n for s, n in pairs if s >= cut]
        lost = sum(dropped)
        recall = 1.0 if not total else (total - lost) / total
        gained = len(dropped) - lost
        if recall < min_recall or gained == 0 or (best and gained <= best.removes_unnecessary):
            continue
        best = ScopeCutProposal(
            current=round(current, 4),
            proposed=cut,
            labelled=len(pairs),
            necessary=total,
            unnecessary=len(pairs) - total,
            removes_unnecessary=gained,
            removes_necessary=lost,
            recall=round(recall, 4),
        )
    return best


def propose_scope_cut(
    *,
    session: Session,
    tenant_id: str,
    policy: Policy,
    models: Models,
    since: datetime | None = None,
    until: datetime | None = None,
    min_labels: int = 20,
    min_recall: float = 0.98,
) -> ScopeCutProposal | None:
    """A lower scope cut the labels support, or None (light mode, too few labels, no gain)."""
    model = models.intents
    if model is None or model.mode != "encoder":
        return None
    labels = scope_labels(session=session, tenant_id=tenant_id, since=since, until=until)
    if len(labels) < min_labels:
        return None
    current = scope_cut(policy, model)
    scores = model.scope_scores([text for text, _ in labels])
    return propose_cut(
        [float(s) for s in scores],
        [n for _, n in labels],
        model.scope_cut if current is None else current,
        min_labels=min_labels,
        min_recall=min_recall,
    )


def apply_cut(policy: Policy, proposal: ScopeCutProposal) -> Policy:
    """The policy with the proposed explicit scope cut (which replaces an expected share)."""
    detect = policy.detect.model_copy(
        update={"scope_cut": proposal.proposed, "expected_out_of_scope_share": None}
    )
    return policy.model_copy(update={"detect": detect})
