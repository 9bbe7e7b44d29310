"""Verify Baton's webhooks in a receiver: `verify(body=..., headers=..., secret="whsec_...")`.

A thin wrapper of the Standard Webhooks library (`standardwebhooks`), which does the checking;
any Standard Webhooks library verifies Baton's messages too. The wrapper adds what a Baton
receiver needs: several secrets at once (accept during a rotation), the receiver's own clock
and tolerance (`now`, `tolerance`, for tests and replays), and an `InvalidSignature` that names
the header at fault. A receiver should also drop a message whose `webhook-id` it has already
processed: every retry of one event carries the same id.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

from baton.errors import InvalidRequest, InvalidSignature
from baton.transfer.signing import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    TOLERANCE,
    key,
    new_secret,
    sign,
)

__all__ = [
    "HEADER_ID",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "TOLERANCE",
    "InvalidSignature",
    "new_secret",
    "sign",
    "verify",
]


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
    found = {name: _header(headers, name) for name in (HEADER_ID, HEADER_TIMESTAMP)}
    found[HEADER_SIGNATURE] = _header(headers, HEADER_SIGNATURE)
    _check_clock(found[HEADER_TIMESTAMP], now or datetime.now(UTC), tolerance)
    raw = body if isinstance(body, str) else body.decode("utf-8", errors="replace")
    for candidate in [secret] if isinstance(secret, str) else secret:
        try:
            _OnCheckedClock(key(candidate)).verify(raw, found, json_parse=False)
        except (WebhookVerificationError, InvalidRequest, ValueError):
            continue
        return json.loads(raw)
    raise InvalidSignature("no webhook-signature matches", field=HEADER_SIGNATURE)


class _OnCheckedClock(Webhook):
    """The library's verifier for a timestamp already checked against the receiver's clock.

    The library reads the wall clock itself with a fixed five minutes; `verify` has checked the
    timestamp against `now` and `tolerance` before, so this override only parses it.
    """

    def _Webhook__verify_timestamp(self, timestamp_header: str) -> datetime:  # noqa: N802
        return datetime.fromtimestamp(int(timestamp_header), tz=UTC)


def _header(source: Mapping[str, str], name: str) -> str:
    for header, value in source.items():
        if header.lower() == name:
            return value
    raise InvalidSignature(f"the {name!r} header is missing", field=name)


def _check_clock(stamp: str, now: datetime, tolerance: timedelta) -> None:
    try:
        timestamp = int(stamp)
    except ValueError as exc:
        raise InvalidSignature(
            "webhook-timestamp is not an integer", field=HEADER_TIMESTAMP
        ) from exc
    if abs(now.timestamp() - timestamp) > tolerance.total_seconds():
        raise InvalidSignature(
            "webhook-timestamp is outside the tolerance window", field=HEADER_TIMESTAMP
        )
