"""The value every signal returns: a score in [0, 1] and the evidence that produced it."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Signal:
    score: float
    evidence: str = ""

    @property
    def fired(self) -> bool:
        return self.score > 0.0


NONE = Signal(0.0)
