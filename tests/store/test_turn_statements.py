"""Statements per turn, counted at the DBAPI cursor, by kind of turn (a count, never a time).

The ceilings are today's counts on the ingest bench's mix; the lean write path (issue 24) is to
bring a continuing turn to 5. A change that adds a statement to the hot path fails here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine

from baton.engine import Runtime
from baton.perf.inprocess import OPEN_CASE, OPENING, PLAIN, measure_turns
from baton.policy import load_policy

CEILINGS = {PLAIN: 9, OPEN_CASE: 15, OPENING: 26}


# Training the default policy's detector from scratch (this test alone) may not converge fully.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_each_kind_of_turn_stays_within_its_statement_count(
    engine: Engine, model_cache_dir: Path
) -> None:
    runtime = Runtime(load_policy(None), model_cache_dir=model_cache_dir)
    costs = measure_turns(engine, runtime, turns=80, warmup=0)
    assert set(costs) >= {PLAIN, OPEN_CASE, OPENING, "all"}
    for kind, ceiling in CEILINGS.items():
        assert costs[kind]["statements"] <= ceiling, (kind, costs[kind])
