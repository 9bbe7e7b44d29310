"""Importing the CLI loads no app, model, database layer or benchmark: commands load their own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
HEAVY = (
    "alembic",
    "baton.api",
    "baton.config",
    "baton.desk.agents",
    "baton.detect",
    "baton.engine",
    "baton.learn",
    "baton.perf.databases",
    "baton.store",
    "fastapi",
    "numpy",
    "sklearn",
    "sqlalchemy",
    "uvicorn",
)


def test_importing_the_cli_leaves_every_command_dependency_unloaded() -> None:
    script = "import json, sys, baton.cli.main; print(json.dumps(sorted(sys.modules)))"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    loaded = json.loads(out.stdout)
    assert "baton.cli.worker" in loaded
    assert [m for m in loaded if m.startswith(HEAVY)] == []
