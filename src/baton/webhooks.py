"""Verify Baton's webhooks in a receiver: `verify(body=..., headers=..., secret="whsec_...")`.

Baton signs with the Standard Webhooks scheme, so any Standard Webhooks library works too. A
receiver should also drop a message whose `webhook-id` it has already processed: every retry of
one event carries the same id.
"""

from baton.errors import InvalidSignature
from baton.transfer.signing import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    TOLERANCE,
    new_secret,
    sign,
    verify,
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
