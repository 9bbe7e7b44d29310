"""Real `baton worker` processes for the multi-worker and crash tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PG_URL, _pg_base

SRC = Path(__file__).resolve().parents[2] / "src"

needs_pg = pytest.mark.skipif(
    not PG_URL, reason="BATON_TEST_DATABASE_URL is not set: PostgreSQL tests skipped"
)


@contextmanager
def pg_schema(**params: str) -> Iterator[tuple[str, str]]:
    """A fresh PostgreSQL schema; yields (url for it, schema name). Extra libpq params allowed."""
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(_pg_base(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in _pg_base() else "?"
    extra = "".join(f"&{k}={v}" for k, v in params.items())
    try:
        yield f"{_pg_base()}{sep}options=-csearch_path%3D{schema}{extra}", schema
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def start_worker(url: str, name: str, log: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "BATON_DATABASE_URL": url,
        "PYTHONPATH": str(SRC),
        "PYTHONUNBUFFERED": "1",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "baton", "worker", "--name", name, "--no-migrate", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(check: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.05)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
