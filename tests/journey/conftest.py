from __future__ import annotations

import os
from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`BATON_TEST_MODEL_CACHE` keeps the trained detector between local runs."""
    kept = os.environ.get("BATON_TEST_MODEL_CACHE")
    return Path(kept) if kept else tmp_path_factory.mktemp("model-cache")
