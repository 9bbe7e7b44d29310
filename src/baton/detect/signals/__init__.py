"""One signal per module; each is a pure function of the conversation and returns a `Signal`."""

from baton.detect.signals.base import Signal

__all__ = ["Signal"]
