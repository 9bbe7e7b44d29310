"""Test-only switches that put a mended defect back, so the journey test can show that it bites.

`BATON_TEST_REINJECT=<name>` (one name) turns one defect on; unset, every switch is off. Only
`tests/journey` sets it. Read at call time, never at import.
"""

from __future__ import annotations

import os

DEFECTS: tuple[str, ...] = (
    "forced_offer",  # a forcing decision during an open offer leaves the offer as it was
    "stale_state",  # the detector state carries over a handback into the next episode
    "mixed_brief",  # the next episode's brief covers the earlier episodes' turns too
    "no_silence",  # the customer_silent timeout never fires: open cases live forever
    "assigned_off_stream",  # handoff.assigned goes only to the outbox, not the bot's stream
)


def reinjected(name: str) -> bool:
    """True when the test switch re-introduces the defect `name`."""
    return os.environ.get("BATON_TEST_REINJECT") == name
