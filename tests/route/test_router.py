"""Route end to end on the default policy: hours, SLA deadlines, ETA, channel offers, messages."""

from __future__ import annotations

from datetime import UTC, datetime

from baton.domain import Channel, Customer, Identifier, ReasonCode, Urgency
from baton.policy import default_policy
from baton.route import FloorSnapshot, QueueLoad, route
from baton.transfer.channels import best_channel, confirmation
from tests.route.test_queues import brief

TUESDAY = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)  # 10:00 in London
SUNDAY = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)  # the office calendar is closed on Sundays
STAFFED = FloorSnapshot(
    queues={"support": QueueLoad(agents_online=2, servers=6, free_slots=0, waiting=2)}
)


def offers(routing: object) -> dict[Channel, object]:
    return {o.channel: o for o in routing.offers}  # type: ignore[attr-defined]


def test_open_and_staffed_offers_chat_with_an_honest_wait() -> None:
    routing = route(
        brief=brief(ReasonCode.HUMAN_REQUESTED),
        customer=Customer(email="ana@example.com", authenticated=True),
        policy=default_policy(),
        snapshot=STAFFED,
        now=TUESDAY,
        handoff_id="ho_1",
    )
    assert (routing.queue, routing.queue_open, routing.expected_wait_seconds) == (
        "support",
        True,
        300,
    )
    chat, email = offers(routing)[Channel.CHAT], offers(routing)[Channel.EMAIL]
    assert chat.available and chat.expected_wait_seconds == 300  # type: ignore[attr-defined]
    assert routing.first_response_due == datetime(2026, 11, 24, 11, 0, tzinfo=UTC)
    assert email.reply_by == routing.first_response_due  # type: ignore[attr-defined]
    assert best_channel(routing) is Channel.CHAT
    assert confirmation(routing, Channel.CHAT) == (
        "I'm passing you to our support team with everything you've told me, so you won't need "
        "to repeat it. Expected wait: about 5 minutes until a person joins this chat."
    )
    assert "to ana@example.com within about 60 minutes" in confirmation(routing, Channel.EMAIL)


def test_closed_queue_offers_email_by_the_next_business_morning() -> None:
    routing = route(
        brief=brief(ReasonCode.HUMAN_REQUESTED),
        customer=Customer(email="ana@example.com", authenticated=True),
        policy=default_policy(),
        snapshot=STAFFED,
        now=SUNDAY,
        handoff_id="ho_2",
    )
    assert routing.queue_open is False
    assert routing.opens_at == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    chat = offers(routing)[Channel.CHAT]
    assert not chat.available  # type: ignore[attr-defined]
    assert chat.detail == "Chat is closed now; we open again Monday 08:00 (London time)."  # type: ignore[attr-defined]
    # 60 business minutes from Monday 08:00.
    assert routing.first_response_due == datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    assert best_channel(routing) is Channel.EMAIL
    assert confirmation(routing, Channel.EMAIL).endswith(
        "Expected wait: a reply by e-mail to ana@example.com by Monday 09:00 (London time)."
    )


def test_no_email_offer_without_an_address_baton_may_write_to() -> None:
    typed = brief(ReasonCode.HUMAN_REQUESTED).model_copy(
        update={"identifiers": (Identifier(kind="email", value="x@example.org", source="turn:t1"),)}
    )
    for customer in (None, Customer(email="ana@example.com")):
        routing = route(
            brief=typed,
            customer=customer,
            policy=default_policy(),
            snapshot=STAFFED,
            now=SUNDAY,
            handoff_id="ho_3",
        )
        email = offers(routing)[Channel.EMAIL]
        assert not email.available  # type: ignore[attr-defined]
        # Closed chat and no e-mail: the case waits in the queue's chat for the morning.
        assert best_channel(routing) is Channel.CHAT


def test_urgent_cases_get_the_urgent_sla_and_security_runs_on_calendar_time() -> None:
    critical = route(
        brief=brief(ReasonCode.HUMAN_REQUESTED, urgency=Urgency.CRITICAL),
        customer=None,
        policy=default_policy(),
        snapshot=FloorSnapshot(),
        now=SUNDAY,
        handoff_id="ho_3",
    )
    assert critical.first_response_due == datetime(2026, 11, 30, 8, 15, tzinfo=UTC)
    fraud = route(
        brief=brief(ReasonCode.URGENT, topic="fraud"),
        customer=None,
        policy=default_policy(),
        snapshot=FloorSnapshot(),
        now=SUNDAY,
        handoff_id="ho_4",
    )
    assert fraud.queue == "security" and fraud.queue_open
    assert fraud.first_response_due == datetime(2026, 11, 29, 12, 10, tzinfo=UTC)
    assert fraud.priority > critical.priority
    assert offers(fraud)[Channel.CHAT].detail == "Nobody is free to chat right now."  # type: ignore[attr-defined]


def test_meeting_for_sales_and_complex_cases_and_callback_needs_a_phone() -> None:
    policy = default_policy()
    sales = route(
        brief=brief(intent="demo_request"),
        customer=None,
        policy=policy,
        snapshot=FloorSnapshot(),
        now=TUESDAY,
        handoff_id="ho_5",
    )
    meeting = offers(sales)[Channel.MEETING]
    assert meeting.link == "https://cal.example.com/sales?ref=ho_5"  # type: ignore[attr-defined]
    assert confirmation(sales, Channel.MEETING).startswith(
        "Pick a time with our sales team here: https://cal.example.com/sales?ref=ho_5."
    )
    retention = route(
        brief=brief(ReasonCode.HIGH_VALUE_INTENT, intent="terminate_account"),
        customer=None,
        policy=policy,
        snapshot=FloorSnapshot(),
        now=TUESDAY,
        handoff_id="ho_6",
    )
    assert retention.queue == "account" and Channel.MEETING in offers(retention)
    assert not offers(retention)[Channel.CALLBACK].available  # type: ignore[attr-defined]
    with_phone = brief(ReasonCode.IDENTITY_REQUIRED, intent="password_reset").model_copy(
        update={
            "identifiers": (Identifier(kind="phone", value="+44 20 7946 0000", source="turn:t1"),)
        }
    )
    called = route(
        brief=with_phone,
        customer=None,
        policy=policy,
        snapshot=FloorSnapshot(),
        now=TUESDAY,
        handoff_id="ho_7",
    )
    callback = offers(called)[Channel.CALLBACK]
    assert callback.available  # type: ignore[attr-defined]
    assert confirmation(called, Channel.CALLBACK).endswith(
        "Expected wait: a call back on +44 20 7946 0000 within about 60 minutes."
    )
