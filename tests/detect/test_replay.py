"""The same conversation, live through the engine and replayed by `baton eval`, decides the same."""

from __future__ import annotations

from sqlalchemy.orm import Session

from baton.detect import Detector
from baton.domain import BotSignal, Conversation, Customer, Role
from baton.engine import Runtime, process_turn
from baton.learn.evaluate import replay
from baton.policy import Policy
from baton.store.tables import DEFAULT_TENANT
from tests.detect.conftest import turn

TURNS = [
    turn(0, "hi, where is my new card? it's been two weeks"),
    turn(1, "Cards arrive in 3-5 working days.", Role.BOT, BotSignal(confidence=0.82)),
    turn(2, "no, that's not what I asked. where is my card"),
    turn(3, "Sorry, I didn't get that.", Role.BOT, BotSignal(fallback=True)),
    turn(4, "this is ridiculous, I think someone stole it"),
    turn(5, "ok let me talk to a human then"),
]


def test_live_and_replayed_decisions_match(
    session: Session, policy: Policy, detector: Detector
) -> None:
    runtime = Runtime(policy)
    customer = Customer(id="cust-1", tier="pro")
    live = []
    for t in TURNS:
        result = process_turn(
            session,
            tenant_id=DEFAULT_TENANT,
            runtime=runtime,
            conversation_id="replay-1",
            turn=t,
            customer=customer,
            now=t.sent_at,
        )
        live.append(result.decision)
    session.commit()
    replayed = replay(detector, Conversation(id="replay-1", turns=tuple(TURNS), customer=customer))
    stamps = {"policy_hash", "model_version"}  # the engine stamps what ran; the decisions match
    assert [d.model_dump(exclude=stamps) for d in replayed] == [
        d.model_dump(exclude=stamps) for d in live
    ]
    assert any(d.codes for d in live)
    assert live[-1].reasons[0].code.value == "human_requested"
