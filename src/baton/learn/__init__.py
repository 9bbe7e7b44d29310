"""Learn: KPIs from the event log, the weekly review, evaluations of the detector, what-if replays
of a policy (`baton.learn.replay`), and retraining from labels.

The detector's evaluation replay is `baton.learn.evaluate.replay`; the package does not re-export
it, because `baton.learn.replay` is the what-if replay module.
"""

from baton.learn.evaluate import Case, Report, evaluate, read_cases

__all__ = ["Case", "Report", "evaluate", "read_cases"]
