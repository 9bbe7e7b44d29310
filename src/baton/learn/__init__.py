"""Learn: evaluations of the detector (and, elsewhere, KPIs, reviews and replays)."""

from baton.learn.evaluate import Case, Report, evaluate, read_cases, replay

__all__ = ["Case", "Report", "evaluate", "read_cases", "replay"]
