"""Prepare: the case brief, so the customer never repeats themselves."""

from baton.brief.builder import build_brief

__all__ = ["build_brief"]
