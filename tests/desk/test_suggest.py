"""Suggested replies: templates filled from the brief, never sent with a hole in them."""

from __future__ import annotations

from baton.desk.knowledge import Hit
from baton.desk.suggest import fill, suggest
from baton.domain import (
    Action,
    Brief,
    Identifier,
    Reason,
    ReasonCode,
    TicketFields,
    Urgency,
)
from baton.policy import default_policy

POLICY = default_policy()


def brief(
    *codes: ReasonCode, order: str | None = "ORD-12345", name: str | None = "Bob Stone"
) -> Brief:
    identifiers = (Identifier(kind="order", value=order, source="turn:t1"),) if order else ()
    return Brief(
        summary="s",
        intent="request_refund",
        desired_outcome="a refund",
        topic="refunds",
        urgency=Urgency.NORMAL,
        sentiment=None,
        identifiers=identifiers,
        attempted=(),
        reasons=tuple(
            Reason(code=c, score=1.0, evidence="e", action=Action.HANDOFF) for c in codes
        ),
        next_best_action="n",
        ticket_fields=TicketFields(
            subject="s", description="d", category="c", priority="normal", requester=name
        ),
        transcript=(),
    )


def test_fill_needs_every_field() -> None:
    assert fill("Hi {customer_name}", {"customer_name": "Bob"}) == "Hi Bob"
    assert fill("Order {order}", {"customer_name": "Bob"}) is None
    assert fill("Braces {Not_A_Field} {0} stay", {}) == "Braces {Not_A_Field} {0} stay"


def test_policy_templates_match_reasons_and_fill_from_the_brief() -> None:
    out = suggest(
        brief=brief(ReasonCode.POLICY_RESTRICTED),
        policy=POLICY,
        knowledge=(),
        agent_name="Ada",
        queue="billing",
    )
    texts = [s.text for s in out]
    assert texts[0].startswith("Hi Bob, I'm Ada")
    assert any("order ORD-12345" in t for t in texts)
    assert any(s.source == "policy:refund-policy" for s in out)
    assert not any(s.source == "policy:urgent-secure" for s in out)
    assert all("{" not in t for t in texts)


def test_templates_with_missing_fields_are_left_out() -> None:
    out = suggest(
        brief=brief(ReasonCode.IDENTITY_REQUIRED, order=None, name=None),
        policy=POLICY,
        knowledge=(),
        agent_name="Ada",
        queue="account",
    )
    sources = [s.source for s in out]
    assert "policy:order-check" not in sources
    assert "policy:verify-identity" not in sources  # the brief has no e-mail
    assert out[0].text.startswith("Hi there, I'm Ada")


def test_knowledge_replies_follow_the_policy_and_duplicates_go() -> None:
    hits = [
        Hit(slug="refunds", title="Refunds", reply="Refund for {order} started.", score=2.0),
        Hit(slug="dup", title="Dup", reply="Refund for {order} started.", score=1.0),
        Hit(slug="none", title="No reply", reply=None, score=0.5),
    ]
    out = suggest(brief=brief(), policy=POLICY, knowledge=hits, agent_name="Ada", queue="s")
    kb = [s for s in out if s.source.startswith("kb:")]
    assert [(s.source, s.text) for s in kb] == [("kb:refunds", "Refund for ORD-12345 started.")]
