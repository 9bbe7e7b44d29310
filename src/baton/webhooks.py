"""The receiver-side helper's former home, kept so that `from baton.webhooks import verify` works.

New code imports from `baton.verify` (see docs/webhooks.md).
"""

from baton.verify import (
    HEADER_ID,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    TOLERANCE,
    InvalidSignature,
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
