"""The receiver-side helper's former home, kept so that `from baton.webhooks import verify` works.

New code imports from `baton.verify` (see docs/webhooks.md).
"""

from baton.verify import *  # noqa: F403
from baton.verify import __all__ as __all__
