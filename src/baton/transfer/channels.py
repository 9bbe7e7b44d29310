"""Channel offers and the message that tells the customer what happens next and when."""

from __future__ import annotations

from datetime import datetime

from baton.domain import Channel, ChannelOffer, Routing
from baton.policy import Policy, QueueConfig


def _fmt_wait(seconds: int) -> str:
    if seconds < 60:
        return "under a minute"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    return f"about {round(minutes / 60)} hours"


def channel_offers(
    *, policy: Policy, queue: QueueConfig, eta_seconds: int | None, handoff_id: str, now: datetime
) -> tuple[ChannelOffer, ...]:
    """Chat only when someone is online and the wait is short; e-mail always."""
    offers: list[ChannelOffer] = []
    limit = min(queue.max_chat_wait_seconds, policy.channels.chat_max_wait_seconds)
    if Channel.CHAT in queue.channels:
        ok = eta_seconds is not None and eta_seconds <= limit
        detail = (
            f"A person joins this chat in {_fmt_wait(eta_seconds)}."
            if ok and eta_seconds is not None
            else "Nobody is free to chat right now."
        )
        offers.append(
            ChannelOffer(
                channel=Channel.CHAT,
                available=ok,
                expected_wait_seconds=eta_seconds if ok else None,
                detail=detail,
            )
        )
    reply = queue.sla.first_response_minutes * 60
    offers.append(
        ChannelOffer(
            channel=Channel.EMAIL,
            available=True,
            expected_wait_seconds=reply,
            detail=f"We reply by e-mail within {_fmt_wait(reply)}.",
        )
    )
    if Channel.MEETING in queue.channels:
        template = queue.meeting_link or policy.channels.meeting_link_template
        offers.append(
            ChannelOffer(
                channel=Channel.MEETING,
                available=True,
                detail="Book a time that suits you.",
                link=template.format(queue=queue.name, handoff_id=handoff_id),
            )
        )
    if Channel.CALLBACK in queue.channels and policy.channels.callback:
        offers.append(
            ChannelOffer(
                channel=Channel.CALLBACK,
                available=True,
                expected_wait_seconds=reply,
                detail=f"We call you back within {_fmt_wait(reply)}.",
            )
        )
    return tuple(offers)


def best_channel(routing: Routing) -> Channel:
    """The channel of a forced handoff the customer did not choose: chat if open, else e-mail."""
    for offer in routing.offers:
        if offer.channel is Channel.CHAT and offer.available:
            return Channel.CHAT
    return Channel.EMAIL


def confirmation(routing: Routing, channel: Channel) -> str:
    """What the customer reads once the case is with a person's queue."""
    offer = next((o for o in routing.offers if o.channel is channel), None)
    if channel is Channel.CHAT and offer is not None and offer.expected_wait_seconds is not None:
        return (
            f"I'm passing you to our {routing.queue} team with everything you've told me, so "
            f"you won't need to repeat it. Expected wait: {_fmt_wait(offer.expected_wait_seconds)}."
        )
    if channel is Channel.MEETING and offer is not None and offer.link:
        return (
            f"Pick a time with our {routing.queue} team here: {offer.link}. "
            "They'll have this conversation in front of them."
        )
    if (
        channel is Channel.CALLBACK
        and offer is not None
        and offer.expected_wait_seconds is not None
    ):
        within = _fmt_wait(offer.expected_wait_seconds)
        return (
            f"Our {routing.queue} team will call you back within {within}, "
            "with this conversation in front of them."
        )
    wait = offer.expected_wait_seconds if offer and offer.expected_wait_seconds else 3600
    return (
        f"I've passed this to our {routing.queue} team with everything you've told me. "
        f"Expected wait: a reply by e-mail within {_fmt_wait(wait)}."
    )


def offer_message(routing: Routing) -> str:
    """What the customer reads when a person is offered, not forced."""
    return (
        f"I can bring in a person from our {routing.queue} team, who will see this conversation. "
        "Would you like that?"
    )
