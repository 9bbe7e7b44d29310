"""The e-mail addresses Baton may write to: vouched for by the bot, or confirmed by a code.

An address typed in the chat is the customer's claim, not a fact: anyone can type someone else's
address and have the company mail text of their choosing to it. So Baton e-mails only an address
the bot vouches for (`customer.email` with `customer.authenticated` or `customer.email_verified`)
or one confirmed by a one-time code sent to it and read back by the customer; and the code's
e-mail quotes nothing the customer wrote.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import make_msgid

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from baton.errors import ConversationNotFound, RateLimited
from baton.store import repositories as repo
from baton.store.tables import EmailVerificationRow
from baton.transfer.email import Email

CODE_TTL = timedelta(minutes=10)
MAX_ATTEMPTS = 5
MAX_CODES_PER_HOUR = 3
TOPIC = "email.verification"


def _digest(row_id: int, code: str) -> str:
    return hashlib.sha256(f"{row_id}:{code}".encode()).hexdigest()


def start(*, session: Session, conversation_id: str, email: str, now: datetime) -> datetime:
    """Send a one-time code to `email` for this conversation; return when the code expires."""
    if repo.get_conversation_row(session=session, conversation_id=conversation_id) is None:
        raise ConversationNotFound(f"no conversation {conversation_id!r}", field="conversation_id")
    recent = session.scalar(
        select(func.count()).where(
            EmailVerificationRow.conversation_id == conversation_id,
            EmailVerificationRow.created_at > now - timedelta(hours=1),
        )
    )
    if (recent or 0) >= MAX_CODES_PER_HOUR:
        raise RateLimited(
            f"at most {MAX_CODES_PER_HOUR} codes an hour per conversation",
            field="email",
            retry_after=3600,
        )
    code = f"{secrets.randbelow(10**6):06d}"
    row = EmailVerificationRow(
        conversation_id=conversation_id,
        email=email,
        code_sha256="",
        attempts=0,
        created_at=now,
        expires_at=now + CODE_TTL,
        verified_at=None,
    )
    session.add(row)
    session.flush()
    row.code_sha256 = _digest(row.id, code)
    minutes = int(CODE_TTL.total_seconds() // 60)
    message = Email(
        to=(email,),
        subject="Your confirmation code",
        text=(
            f"Your confirmation code is {code}. It expires in {minutes} minutes.\n\n"
            "Type it in the chat so we can reply to this address by e-mail. "
            "If you did not ask for a code, you can ignore this message."
        ),
        message_id=make_msgid("verify", domain="baton.local"),
    )
    repo.enqueue(session=session, kind="email", topic=TOPIC, payload=message.as_payload(), now=now)
    return row.expires_at


@dataclass(frozen=True, slots=True)
class Outcome:
    """A code's check: the confirmed address, or why not (`expired`, `wrong`, `none_pending`)."""

    email: str | None
    problem: str | None = None
    attempts_left: int = 0


def confirm(*, session: Session, conversation_id: str, code: str, now: datetime) -> Outcome:
    """Check a code; on success the conversation's customer has a verified address.

    A wrong code is counted (and the count committed) before the caller answers the error, so
    guessing the six digits is bounded by MAX_ATTEMPTS per code.
    """
    conv = repo.get_conversation_row(
        session=session, conversation_id=conversation_id, for_update=True
    )
    if conv is None:
        raise ConversationNotFound(f"no conversation {conversation_id!r}", field="conversation_id")
    row = session.scalars(
        select(EmailVerificationRow)
        .where(
            EmailVerificationRow.conversation_id == conversation_id,
            EmailVerificationRow.verified_at.is_(None),
        )
        .order_by(EmailVerificationRow.id.desc())
        .limit(1)
    ).first()
    if row is None:
        return Outcome(None, "none_pending")
    if row.expires_at <= now or row.attempts >= MAX_ATTEMPTS:
        return Outcome(None, "expired")
    if not hmac.compare_digest(row.code_sha256, _digest(row.id, code)):
        row.attempts += 1
        return Outcome(None, "wrong", MAX_ATTEMPTS - row.attempts)
    row.verified_at = now
    conv.customer = {**(conv.customer or {}), "email": row.email, "email_verified": True}
    return Outcome(row.email)
