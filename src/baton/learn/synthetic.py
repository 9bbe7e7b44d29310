"""A synthetic week of traffic, labelled as such, for demos and the weekly review's tests.

Conversations go through the real engine (`process_turn`, `request_handoff`), so detection,
briefs and routing are Baton's own; the agents' side (accept, reply, transfer, resolve, label,
CSAT) is simulated by writing the same events the desk writes. Every conversation id starts with
`syn-`, and conversations, turns and agents carry `{"synthetic": true}`.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from baton.domain import BotSignal, Customer, Role, Turn
from baton.engine import HandoffRequest, Runtime, process_turn, request_handoff
from baton.learn.agents_sim import simulate_desk
from baton.learn.kpis import iso_week
from baton.store.tables import DEFAULT_TENANT, AgentRow, ConversationRow

SYNTHETIC = {"synthetic": True}


@dataclass(frozen=True)
class Scenario:
    """One kind of conversation: what the customer says, what the bot knows, how it should end."""

    name: str
    intent: str | None
    texts: tuple[str, ...]
    confidence: float
    ask_person: bool = False
    necessary: bool = True
    weight: int = 1


SCENARIOS = (
    Scenario(
        "opening_hours",
        None,
        (
            "What are your opening hours on Saturday?",
            "When is the branch open at the weekend?",
            "are you open on sundays",
        ),
        0.93,
        necessary=False,
        weight=30,
    ),
    Scenario(
        "card_delivery",
        "card_delivery_estimate",
        (
            "When will my new card arrive? I ordered it last week.",
            "How long does card delivery take?",
            "My new card still hasn't arrived, when will it come?",
            "How many days until my replacement card is delivered?",
        ),
        0.3,
        necessary=False,
        weight=9,
    ),
    Scenario(
        "change_pin",
        "change_pin",
        (
            "How do I change my card PIN in the app?",
            "Where can I change the PIN of my card?",
            "I want to change my PIN, how do I do it in the app?",
        ),
        0.32,
        necessary=False,
        weight=6,
    ),
    Scenario(
        "exchange_fee",
        "exchange_charge",
        (
            "What fee do you charge for currency exchange?",
            "Is there an exchange fee when I pay in euros?",
            "How much is the currency exchange fee abroad?",
        ),
        0.28,
        necessary=False,
        weight=5,
    ),
    Scenario(
        "refund",
        "request_refund",
        (
            "I want a refund for order ORD-12345, the item arrived broken.",
            "Please refund order ORD-55821, it was charged twice.",
        ),
        0.6,
        ask_person=True,
        weight=8,
    ),
    Scenario(
        "lost_card",
        "lost_or_stolen_card",
        (
            "I lost my card an hour ago, please block it right now.",
            "My card was stolen, somebody is using it!",
        ),
        0.2,
        ask_person=True,
        weight=5,
    ),
    Scenario(
        "pricing",
        "pricing",
        (
            "We are 200 people, what would enterprise pricing look like?",
            "Can we get a quote for 50 seats on the business plan?",
        ),
        0.7,
        ask_person=True,
        weight=5,
    ),
    Scenario(
        "address_change",
        "edit_personal_details",
        (
            "I need to change the address on account 12345678.",
            "Update my address please, account number 87654321.",
        ),
        0.5,
        ask_person=True,
        weight=5,
    ),
)
PERSON = (
    "Can I talk to a person please?",
    "let me speak to someone real",
    "agent please",
    "I want to talk to a human",
)
AGENTS = (
    ("ana", ("support", "billing")),
    ("ben", ("support", "account")),
    ("chloe", ("security", "account")),
    ("dev", ("sales", "billing")),
)


@dataclass
class SeedSummary:
    weeks: list[str] = field(default_factory=list)
    conversations: int = 0
    handoffs: int = 0


def _agents(session: Session, now: datetime) -> None:
    for name, queues in AGENTS:
        if session.get(AgentRow, f"syn-{name}") is None:
            session.add(
                AgentRow(
                    id=f"syn-{name}",
                    email=f"{name}@synthetic.example",
                    name=f"{name.title()} (synthetic)",
                    role="agent",
                    presence="offline",
                    capacity=50,
                    skills=[],
                    queues=list(queues),
                    created_at=now,
                )
            )
    session.flush()


def _set_presence(session: Session, presence: str) -> None:
    for row in session.scalars(select(AgentRow).where(AgentRow.id.like("syn-%"))):
        row.presence = presence
    session.flush()


def _conversation(
    session: Session, runtime: Runtime, rng: random.Random, n: int, start: datetime
) -> bool:
    """Play one conversation through the engine; True when a person ended up with it."""
    scenario = rng.choices(SCENARIOS, [s.weight for s in SCENARIOS])[0]
    cid = f"syn-{n}"
    customer = Customer(
        id=f"syn-cust-{n}",
        email=f"customer{n}@example.com",
        name=f"Customer {n}",
        tier=rng.choice(("free", "pro", "business", "enterprise")),
        lifecycle_stage="lead" if scenario.name == "pricing" else "customer",
    )
    opener = rng.choice(("", "", "Hi, ", "Hello! ", "Quick question: "))
    closer = rng.choice(("", "", " Thanks.", " Thank you!"))
    texts = [opener + rng.choice(scenario.texts) + closer]
    if scenario.ask_person:
        texts.append(rng.choice(PERSON))
    at, result = start, None
    for i, text in enumerate(texts):
        bot = BotSignal(confidence=scenario.confidence, intent=scenario.intent)
        turn = Turn(
            turn_id=f"u{i}", role=Role.USER, text=text, sent_at=at, bot=bot, metadata=SYNTHETIC
        )
        result = process_turn(
            session,
            runtime=runtime,
            tenant_id=DEFAULT_TENANT,
            conversation_id=cid,
            turn=turn,
            customer=customer if i == 0 else None,
            now=at,
        )
        if result.handoff is not None:
            break
        at += timedelta(seconds=rng.randint(20, 60))
    row = session.get(ConversationRow, (DEFAULT_TENANT, cid))
    if row is not None:
        row.meta = dict(SYNTHETIC)
    if result is None or result.handoff is None:
        return False
    if result.handoff.status == "offered":
        at += timedelta(seconds=rng.randint(10, 40))
        declined = rng.random() < 0.25
        request_handoff(
            session,
            runtime=runtime,
            tenant_id=DEFAULT_TENANT,
            conversation_id=cid,
            request=HandoffRequest(decline=declined),
            now=at,
        )
        if declined:
            return False
    simulate_desk(
        session,
        rng=rng,
        policy=runtime.policy,
        handoff_id=result.handoff.id,
        start=at,
        necessary=scenario.necessary,
        kb_answer=not scenario.necessary,
    )
    return True


def seed_week(
    *,
    session: Session,
    runtime: Runtime,
    week: str,
    conversations: int = 300,
    history: int = 3,
    seed: int = 7,
) -> SeedSummary:
    """Seed `week` and the `history` weeks before it, each with about `conversations`."""
    rng = random.Random(seed)
    start, _ = iso_week(week)
    summary = SeedSummary()
    _agents(session, start)
    _set_presence(session, "online")
    for back in range(history, -1, -1):
        monday = start - timedelta(days=7 * back)
        label = f"{monday.isocalendar().year}-W{monday.isocalendar().week:02d}"
        count = int(conversations * rng.uniform(0.85, 1.1))
        times = sorted(monday + timedelta(seconds=rng.uniform(0, 7 * 86400)) for _ in range(count))
        for i, at in enumerate(times):
            n = seed * 10**7 + (history - back) * 10**5 + i
            if session.get(ConversationRow, (DEFAULT_TENANT, f"syn-{n}")) is not None:
                continue
            summary.handoffs += _conversation(session, runtime, rng, n, at)
            summary.conversations += 1
        summary.weeks.append(label)
    _set_presence(session, "offline")
    return summary
