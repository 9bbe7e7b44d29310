"""Replay = live: the two oracles.

(a) A same-policy replay of what the live engine stored changes no decision. (b) A stricter
policy's replay equals playing the same script live under that policy into a fresh store.

The script covers every input the log holds: turns (a customer sent late, a `left` turn), offers
taken and declined, a request through the endpoint with the bot's queue, priority and note, a
cancel, an agent resolving a case (episode end, then a new episode) and the worker abandoning a
silent one. It runs in a second tenant, beside a default-tenant conversation of the same id, so
the replay is per tenant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.desk import service as desk
from baton.desk.abandon import AbandonCause, abandon
from baton.domain import BotSignal, Customer, Role, Turn
from baton.engine import HandoffRequest, Runtime, cancel_handoff, process_turn, request_handoff
from baton.errors import BatonError
from baton.learn.replay import Outcome, replay, run_replay, stored_logs, stored_outcomes
from baton.policy import Policy, default_policy
from baton.store import repositories as repo
from baton.store.db import SessionFactory, make_engine, make_session_factory, session_scope, upgrade
from baton.store.tables import DEFAULT_TENANT, AgentRow, HandoffEventRow
from tests.factories.route import add_agent

TENANT = "acme"
T0 = datetime(2026, 11, 17, 9, 0, tzinfo=UTC)
QUEUES = ("support", "billing", "account", "security", "sales")


@dataclass(frozen=True)
class Say:
    text: str
    confidence: float
    customer: Customer | None = None
    left: bool = False


@dataclass(frozen=True)
class Call:
    """`take` / `decline` / `cancel` answer what is open; `ask` asks through the endpoint."""

    kind: str
    queue: str | None = None
    priority: int | None = None
    note: str | None = None


@dataclass(frozen=True)
class Desk:
    """`resolve`: an agent accepts and resolves the open case; `silent`: the worker abandons."""

    kind: str


Action = Say | Call | Desk
VIP = Customer(id="cust-9", name="Vi Pe", tier="enterprise")
SCRIPT: dict[str, list[tuple[int, Action]]] = {
    "ask": [
        (0, Say("I want to talk to a human", 0.9)),
        (600, Desk("resolve")),
        (900, Say("what are your opening hours?", 0.95)),
    ],
    "unsure-take": [
        (0, Say("do you ship to Norway?", 0.3)),
        (30, Call("take", queue="billing", priority=30)),  # the bot re-routes the offer
        (300, Desk("resolve")),
        (600, Say("I want to talk to a human", 0.9)),
    ],
    "unsure-decline": [
        (0, Say("do you ship to Norway?", 0.3)),
        (20, Call("decline")),
        (60, Say("asdf qwerty zxcv", 0.1)),
    ],
    "endpoint": [
        (0, Say("what are your opening hours?", 0.95)),
        (30, Call("ask", queue="billing", priority=40, note="asked twice about an invoice")),
        (90, Call("cancel")),
        (120, Say("hello again, do you ship to Norway?", 0.3)),
    ],
    "left": [
        (0, Say("do you ship to Norway?", 0.3)),
        (40, Say("never mind, bye", 0.9, left=True)),
    ],
    "silent": [
        (0, Say("I want to talk to a human", 0.9)),
        (7200, Desk("silent")),
        (7300, Say("my card was stolen, somebody is using it!", 0.2)),
    ],
    "late-customer": [
        (0, Say("hello there", 0.95)),
        (30, Say("my card was stolen, please block it now", 0.2, customer=VIP)),
    ],
    "fine": [(0, Say("what are your opening hours?", 0.95))],
}


def stricter(policy: Policy) -> Policy:
    """The bot's confidence counts as low only under 0.2 (it was 0.4)."""
    detect = policy.detect.model_copy(update={"bot_confidence_floor": 0.2})
    return policy.model_copy(update={"name": "stricter", "detect": detect})


def _open(session: Session, cid: str) -> Any:
    return repo.get_open_handoff_row(session=session, tenant_id=TENANT, conversation_id=cid)


def _act(
    session: Session, runtime: Runtime, cid: str, n: int, action: Action, at: datetime
) -> None:
    if isinstance(action, Say):
        turn = Turn(turn_id=f"u{n}", role=Role.USER, text=action.text, sent_at=at,
                    bot=BotSignal(confidence=action.confidence))  # fmt: skip
        process_turn(session, runtime=runtime, tenant_id=TENANT, conversation_id=cid, turn=turn,
                     customer=action.customer, now=at, customer_left=action.left)  # fmt: skip
        return
    handoff = _open(session, cid)
    if isinstance(action, Desk):
        if action.kind == "silent" and handoff is not None:
            abandon(session=session, handoff=handoff, cause=AbandonCause.CUSTOMER_SILENT, now=at,
                    actor="worker")  # fmt: skip
        elif handoff is not None and handoff.status != "offered":
            agent = session.get(AgentRow, "ana")
            assert agent is not None
            desk.accept(session=session, handoff_id=handoff.id, agent=agent, now=at)
            desk.resolve(session=session, handoff_id=handoff.id, agent=agent,
                         policy=runtime.policy, code="solved", outcome=desk.Outcome.RESOLVED,
                         necessary=True, now=at)  # fmt: skip
        return
    if action.kind in ("take", "decline", "cancel") and handoff is None:
        return  # nothing open to answer: the customer was never asked
    if action.kind == "cancel":
        cancel_handoff(session, runtime=runtime, tenant_id=TENANT, conversation_id=cid, now=at)
        return
    request = HandoffRequest(decline=action.kind == "decline", queue=action.queue,
                             priority=action.priority, note=action.note)  # fmt: skip
    request_handoff(session, runtime=runtime, tenant_id=TENANT, conversation_id=cid,
                    request=request, now=at)  # fmt: skip


def play(factory: SessionFactory, policy: Policy) -> None:
    """The script, live, one unit of work per action; a refused call is rolled back, as the API
    rolls back a request that errs."""
    with session_scope(factory) as session:
        add_agent(session, agent_id="ana", queues=QUEUES, now=T0, capacity=50, tenant_id=TENANT)
    runtime = Runtime(policy)
    for c, (name, actions) in enumerate(SCRIPT.items()):
        for n, (offset, action) in enumerate(actions):
            at = T0 + timedelta(minutes=5 * c, seconds=offset)
            try:
                with session_scope(factory) as session:
                    _act(session, runtime, f"c-{name}", n, action, at)
            except BatonError:
                pass
    with session_scope(factory) as session:  # the same id in another tenant: never replayed
        turn = Turn(turn_id="u0", role=Role.USER, text="I want to talk to a human", sent_at=T0)
        process_turn(session, runtime=runtime, tenant_id=DEFAULT_TENANT,
                     conversation_id="c-ask", turn=turn, customer=None, now=T0)  # fmt: skip


def stored(session: Session) -> list[Outcome]:
    return [
        o
        for log in stored_logs(session=session, tenant_id=TENANT, since=None, until=None)
        for o in stored_outcomes(log)
    ]


def comparable(outcomes: list[Outcome]) -> list[tuple[Any, ...]]:
    """What a live store can hold: calls that went through (a refused one is rolled back)."""
    return [(o.conversation_id, o.kind, o.at, o.key()) for o in outcomes if o.error is None]


def test_same_policy_replay_changes_no_decision(session_factory: SessionFactory) -> None:
    policy = default_policy()
    play(session_factory, policy)
    with session_scope(session_factory) as session:
        result = replay(session=session, tenant_id=TENANT, baseline=policy, policy=policy)
        live = stored(session)
        floors = session.scalars(select(HandoffEventRow).where(HandoffEventRow.type == "offered"))
        assert all("floor" in e.data for e in floors)
    assert (result.conversations, result.stored_handoffs) == (len(SCRIPT), 11)
    assert result.calls == {"turn": 15, "request": 3, "cancel": 1, "end": 3}
    assert result.baseline_drift == 0, result.drift_examples
    assert result.decisions == len(live) == 19 and result.decisions_changed == 0
    assert result.flips == [] and result.escalations_before == result.escalations_after == 11
    assert set(result.floors) == {"stored"}  # every routing on the floor stored with it
    assert list(result.models) == [Runtime(policy).model_version]
    assert result.models_missing == []
    escalated = {o.conversation_id for o in live if o.routed}
    assert escalated == {f"c-{n}" for n in SCRIPT} - {"c-fine"}


def test_stricter_replay_equals_playing_it_live(
    session_factory: SessionFactory, tmp_path: Path
) -> None:
    policy = default_policy()
    play(session_factory, policy)
    fresh = make_engine(f"sqlite:///{tmp_path / 'live-stricter.db'}")
    upgrade(fresh)
    try:
        live_factory = make_session_factory(fresh)
        play(live_factory, stricter(policy))
        with session_scope(live_factory) as session:
            live = stored(session)
    finally:
        fresh.dispose()
    with session_scope(session_factory) as session:
        run = run_replay(
            session=session, tenant_id=TENANT, baseline=policy, policy=stricter(policy)
        )
        before = stored(session)
    assert comparable(run.after.outcomes) == comparable(live)
    assert comparable(run.before.outcomes) == comparable(before)
    assert comparable(before) != comparable(live)  # the stricter policy does change decisions
    skipped = {o.conversation_id for o in run.after.outcomes if o.error == "skipped"}
    assert skipped == {"c-unsure-take", "c-unsure-decline"}  # no offer left to take or decline


def test_a_stamped_model_no_longer_cached_is_reported(session_factory: SessionFactory) -> None:
    policy = default_policy()
    play(session_factory, policy)
    with session_scope(session_factory) as session:
        for turn in repo.list_turn_rows(session=session, tenant_id=TENANT, conversation_id="c-ask"):
            response = dict(turn.response or {})
            response["decision"] = {**response["decision"], "model_version": "gone-0001"}
            turn.response = response
    with session_scope(session_factory) as session:
        result = replay(session=session, tenant_id=TENANT, baseline=policy, policy=policy)
    assert result.models_missing == ["gone-0001"]
    assert result.baseline_drift == 0  # replayed with the current models, which made them
