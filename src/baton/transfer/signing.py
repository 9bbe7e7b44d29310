"""Standard Webhooks signatures: `v1,` + base64 HMAC-SHA256 of `id.timestamp.body`.

A sender may hold several secrets at once (a rotation in progress) and signs with each; the
`webhook-signature` header then lists one signature per secret, separated by spaces, and a
receiver accepts the message when any of them matches a secret it knows.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from baton.errors import InvalidRequest, InvalidSignature

SECRET_PREFIX = "whsec_"  # noqa: S105 - the spec's prefix, not a secret
TOLERANCE = timedelta(minutes=5)
HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"


def new_secret() -> str:
    """A fresh signing secret: `whsec_` and 24 random bytes in base64, as the spec suggests."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(24)).decode("ascii")


def _key(secret: str) -> bytes:
    try:
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidRequest("a webhook secret is 'whsec_' + base64", field="secret") from exc


def sign(*, secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """One `v1,<base64>` signature of `msg_id.timestamp.body` under `secret`."""
    signed = f"{msg_id}.{timestamp}.".encode() + body
    digest = hmac.new(_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode("ascii")


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


def _header(source: Mapping[str, str], name: str) -> str:
    for key, value in source.items():
        if key.lower() == name:
            return value
    raise InvalidSignature(f"the {name!r} header is missing", field=name)


def verify(
    *,
    body: bytes | str,
    headers: Mapping[str, str],
    secret: str | Sequence[str],
    now: datetime | None = None,
    tolerance: timedelta = TOLERANCE,
) -> Any:
    """Check a received webhook and return its parsed JSON body; raise `InvalidSignature` if not.

    Args:
        body: the raw request body, exactly as received (not re-serialised JSON).
        headers: the request headers (any mapping; names are matched case-insensitively).
        secret: the endpoint's secret, or several while a rotation is in progress.
        now: the receiver's clock (UTC now by default); timestamps further than `tolerance`
            from it, in either direction, are refused to stop replays.

    Example:
        payload = verify(body=request.body, headers=request.headers, secret="whsec_...")
    """
    raw = body.encode("utf-8") if isinstance(body, str) else body
    msg_id = _header(headers, HEADER_ID)
    stamp = _header(headers, HEADER_TIMESTAMP)
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise InvalidSignature(
            "webhook-timestamp is not an integer", field=HEADER_TIMESTAMP
        ) from exc
    current = (now or datetime.now(UTC)).timestamp()
    if abs(current - timestamp) > tolerance.total_seconds():
        raise InvalidSignature(
            "webhook-timestamp is outside the tolerance window", field=HEADER_TIMESTAMP
        )
    candidates = [secret] if isinstance(secret, str) else list(secret)
    expected = {sign(secret=s, msg_id=msg_id, timestamp=timestamp, body=raw) for s in candidates}
    received = _header(headers, HEADER_SIGNATURE).split()
    for signature in received:
        if signature.startswith("v1,") and any(hmac.compare_digest(signature, e) for e in expected):
            return json.loads(raw)
    raise InvalidSignature("no webhook-signature matches", field=HEADER_SIGNATURE)
