"""A cap on the event streams one caller holds open at once, in this worker process.

Each open stream costs a connection, a task and a store read every poll interval, so a key that
opens hundreds of them slows every other caller. The cap is kept apart from how a stream is
written (today a `StreamingResponse`): `hold_stream` wraps any async iterator of frames, so a
change of SSE library keeps it as it is. An owner is a (kind, id) pair, `("key", name)` today;
a tenant's cap is one more pair with its own limit in the same call.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import AsyncIterable, AsyncIterator, Callable, Sequence
from typing import TypeVar

from fastapi import Request

from baton.errors import TooManyStreams

Owner = tuple[str, str]
Frame = TypeVar("Frame")
RETRY_AFTER_SECONDS = 5


class StreamSlots:
    """Open streams per owner; `acquire` takes one slot from each owner or none at all."""

    def __init__(self) -> None:
        self._open: Counter[Owner] = Counter()
        self._lock = threading.Lock()

    def acquire(self, limits: Sequence[tuple[Owner, int]]) -> Callable[[], None]:
        """Take a slot for every (owner, limit); TooManyStreams when any owner is at its limit."""
        with self._lock:
            for owner, limit in limits:
                if self._open[owner] >= limit:
                    raise TooManyStreams(
                        f"{owner[0]} {owner[1]!r} has {limit} event streams open, the most "
                        "allowed; close one first",
                        retry_after=RETRY_AFTER_SECONDS,
                        field="Authorization",
                    )
            for owner, _ in limits:
                self._open[owner] += 1
        released = False

        def release() -> None:
            nonlocal released
            with self._lock:
                if released:
                    return
                released = True
                for owner, _ in limits:
                    self._open[owner] -= 1
                    if self._open[owner] <= 0:
                        del self._open[owner]

        return release

    def open_count(self, owner: Owner) -> int:
        with self._lock:
            return self._open[owner]


def stream_slots(request: Request) -> StreamSlots:
    """The app's slots, made on first use."""
    state = request.app.state
    slots: StreamSlots | None = getattr(state, "stream_slots", None)
    if slots is None:
        slots = state.stream_slots = StreamSlots()
    return slots


def hold_stream(
    request: Request, limits: Sequence[tuple[Owner, int]], frames: AsyncIterable[Frame]
) -> AsyncIterator[Frame]:
    """`frames`, holding a slot of each owner until the stream ends (refused over the cap)."""
    release = stream_slots(request).acquire(limits)

    async def held() -> AsyncIterator[Frame]:
        try:
            async for frame in frames:
                yield frame
        finally:
            release()

    return held()
