"""Channel offers and the message that tells the customer what happens next and when.

`chat` is available when the queue is open, someone who serves it is online and the expected
wait is under the limit; `email` when Baton has an address it may write to (`transfer.verify`),
promising the SLA's first-response time; `meeting` with
a booking link for queues that book meetings and for complex cases; `callback` where the queue
and the policy define it and a phone number is known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from baton.domain import Brief, Channel, ChannelOffer, Customer, Routing
from baton.policy import Policy, QueueConfig


def fmt_wait(seconds: int) -> str:
    """A wait in words, rounded the way people say it."""
    if seconds < 60:
        return "under a minute"
    minutes = round(seconds / 60)
    if minutes < 90:
        return f"about {minutes} minute{'s' if minutes != 1 else ''}"
    return f"about {round(minutes / 60)} hours"


def fmt_when(at: datetime, *, now: datetime, zone: ZoneInfo) -> str:
    """A promised time in words: 'within about 40 minutes', 'by 15:00', 'by Monday 08:00'."""
    seconds = int((at - now).total_seconds())
    if seconds < 90 * 60:
        return f"within {fmt_wait(max(seconds, 0))}"
    local, today = at.astimezone(zone), now.astimezone(zone)
    place = "UTC" if zone.key == "UTC" else zone.key.split("/")[-1].replace("_", " ") + " time"
    if local.date() == today.date():
        return f"by {local:%H:%M} ({place})"
    if local.date() - today.date() < timedelta(days=7):
        return f"by {local:%A %H:%M} ({place})"
    return f"by {local:%A} {local.day} {local:%B %H:%M} ({place})"


@dataclass(frozen=True, slots=True)
class OfferContext:
    """What the offers depend on besides the policy: the floor, the clock and the customer."""

    eta_seconds: int | None
    queue_open: bool
    opens_at: datetime | None
    reply_by: datetime
    zone: ZoneInfo
    handoff_id: str
    now: datetime
    email: str | None = None
    phone: str | None = None


def channel_offers(
    *, policy: Policy, queue: QueueConfig, brief: Brief | None, context: OfferContext
) -> tuple[ChannelOffer, ...]:
    """The channels this case can take, in the order the customer sees them."""
    offers: list[ChannelOffer] = []
    if Channel.CHAT in queue.channels:
        offers.append(_chat(policy, queue, context))
    offers.append(_email(context))
    complex_case = brief is not None and any(
        r.code in policy.channels.meeting_reasons for r in brief.reasons
    )
    if Channel.MEETING in queue.channels or complex_case:
        template = queue.meeting_link or policy.channels.meeting_link_template
        offers.append(
            ChannelOffer(
                channel=Channel.MEETING,
                available=True,
                detail="Book a time that suits you; the person you meet will have this "
                "conversation in front of them.",
                link=template.format(queue=queue.name, handoff_id=context.handoff_id),
            )
        )
    if Channel.CALLBACK in queue.channels and policy.channels.callback:
        offers.append(_callback(context))
    return tuple(offers)


def _chat(policy: Policy, queue: QueueConfig, ctx: OfferContext) -> ChannelOffer:
    limit = min(queue.max_chat_wait_seconds, policy.channels.chat_max_wait_seconds)
    eta = ctx.eta_seconds
    if not ctx.queue_open:
        when = fmt_when(ctx.opens_at, now=ctx.now, zone=ctx.zone) if ctx.opens_at else "later"
        detail = f"Chat is closed now; we open again {when.removeprefix('by ')}."
    elif eta is None:
        detail = "Nobody is free to chat right now."
    elif eta > limit:
        detail = f"The wait to chat is {fmt_wait(eta)} right now."
    else:
        return ChannelOffer(
            channel=Channel.CHAT,
            available=True,
            expected_wait_seconds=eta,
            detail=f"Expected wait: {fmt_wait(eta)} until a person joins this chat.",
        )
    return ChannelOffer(channel=Channel.CHAT, available=False, detail=detail)


def _email(ctx: OfferContext) -> ChannelOffer:
    if ctx.email is None:
        return ChannelOffer(
            channel=Channel.EMAIL,
            available=False,
            detail="We can reply by e-mail once we have confirmed your address with a code.",
        )
    when = fmt_when(ctx.reply_by, now=ctx.now, zone=ctx.zone)
    return ChannelOffer(
        channel=Channel.EMAIL,
        available=True,
        expected_wait_seconds=max(0, int((ctx.reply_by - ctx.now).total_seconds())),
        reply_by=ctx.reply_by,
        detail=f"Expected wait: a reply by e-mail to {ctx.email} {when}.",
    )


def _callback(ctx: OfferContext) -> ChannelOffer:
    when = fmt_when(ctx.reply_by, now=ctx.now, zone=ctx.zone)
    if ctx.phone is None:
        return ChannelOffer(
            channel=Channel.CALLBACK,
            available=False,
            detail="We can call you back once we have your phone number.",
        )
    return ChannelOffer(
        channel=Channel.CALLBACK,
        available=True,
        expected_wait_seconds=max(0, int((ctx.reply_by - ctx.now).total_seconds())),
        reply_by=ctx.reply_by,
        detail=f"Expected wait: a call back on {ctx.phone} {when}.",
    )


def contact_points(brief: Brief | None, customer: Customer | None) -> tuple[str | None, str | None]:
    """The address Baton may e-mail (never one typed in the chat), and a phone to call back."""
    phone = customer.phone if customer else None
    for ident in brief.identifiers if brief else ():
        if ident.kind == "phone" and phone is None:
            phone = ident.value
    return (customer.trusted_email if customer else None), phone


def best_channel(routing: Routing) -> Channel:
    """The channel of a handoff the customer did not choose: chat if open, else e-mail if Baton
    may write to them, else the queue's chat all the same (the case waits for a person)."""
    available = {o.channel for o in routing.offers if o.available}
    for channel in (Channel.CHAT, Channel.EMAIL):
        if channel in available:
            return channel
    offered = {o.channel for o in routing.offers}
    return Channel.CHAT if Channel.CHAT in offered else Channel.EMAIL


def confirmation(routing: Routing, channel: Channel) -> str:
    """What the customer reads once a person's queue has the case: what happens next, and when."""
    offer = next((o for o in routing.offers if o.channel is channel), None)
    team = f"our {routing.queue} team"
    if channel is Channel.MEETING and offer is not None and offer.link:
        return (
            f"Pick a time with {team} here: {offer.link}. "
            "They'll have this conversation in front of them."
        )
    verb = "I'm passing you to" if channel is Channel.CHAT else "I've passed this to"
    intro = f"{verb} {team} with everything you've told me, so you won't need to repeat it."
    if offer is None or not offer.detail:
        return intro
    if channel is Channel.CHAT and not offer.available:
        # No e-mail Baton may use and nobody free: the case waits here, and the customer is told.
        return f"{intro} {offer.detail} A person will answer here as soon as one is free."
    return f"{intro} {offer.detail}"


def offer_message(routing: Routing) -> str:
    """What the customer reads when a person is offered, not forced."""
    return (
        f"I can bring in a person from our {routing.queue} team, who will see this conversation. "
        "Would you like that?"
    )
