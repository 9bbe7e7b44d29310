"""Standard Webhooks signatures for Baton's deliveries, made by the spec's own `standardwebhooks`.

Baton adds what the library leaves to its callers: a sender may hold several secrets at once (a
rotation in progress) and signs with each, so the `webhook-signature` header lists one `v1,`
signature per secret, separated by spaces, and a receiver accepts the message when any of them
matches a secret it knows (`baton.verify`). A secret that is not `whsec_` + base64 is refused
with a named field, where the library would decode what it can.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from standardwebhooks.webhooks import Webhook

from baton.errors import InvalidRequest

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's prefix, not a secret
TOLERANCE = timedelta(minutes=5)
HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 24 random bytes in base64, as the spec suggests."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def key(secret: str) -> bytes:
    """The key bytes of a `whsec_…` secret; a malformed or empty one is refused by name."""
    try:
        raw = base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest("a webhook secret is 'whsec_' + base64", field="secret") from exc
    if not raw:
        raise InvalidRequest("a webhook secret is 'whsec_' + base64", field="secret")
    return raw


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of `msg_id.timestamp.body` under `secret`."""
    at = datetime.fromtimestamp(timestamp, UTC)
    return Webhook(key(secret)).sign(msg_id=msg_id, timestamp=at, data=body.decode("utf-8"))


def headers(*, secrets: Sequence[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers, signed with every secret given."""
    signatures = " ".join(
        sign(secret=s, msg_id=msg_id, timestamp=timestamp, body=body) for s in secrets
    )
    return {
        HEADER_ID: msg_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: signatures,
        "content-type": "application/json",
    }
