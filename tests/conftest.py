"""Shared fixtures: a migrated store on SQLite and (when configured) PostgreSQL, and live servers.

Set BATON_TEST_DATABASE_URL (e.g. postgresql://postgres@127.0.0.1:5432/test) to run every
storage test on PostgreSQL as well; each PostgreSQL test gets a schema of its own.
"""

from __future__ import annotations

import os
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import uvicorn
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.orm import Session

from baton.config import Settings
from baton.store.db import SessionFactory, make_engine, make_session_factory, upgrade

PG_URL = os.environ.get("BATON_TEST_DATABASE_URL")
ENGINES = [
    "sqlite",
    pytest.param(
        "postgresql",
        marks=[
            pytest.mark.pg,
            pytest.mark.skipif(
                not PG_URL, reason="BATON_TEST_DATABASE_URL is not set: PostgreSQL tests skipped"
            ),
        ],
    ),
]


def _pg_base() -> str:
    assert PG_URL is not None
    return Settings(database_url=PG_URL).database_url


@contextmanager
def fresh_database(kind: str, folder: Path) -> Iterator[str]:
    """A URL to an empty database: SQLite in `folder`, or a fresh PostgreSQL schema."""
    if kind == "sqlite":
        yield f"sqlite:///{folder / 'baton.db'}"
        return
    schema = "t_" + uuid.uuid4().hex[:12]
    admin = create_engine(_pg_base(), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in _pg_base() else "?"
    try:
        yield f"{_pg_base()}{sep}options=-csearch_path%3D{schema}&application_name={schema}"
    finally:
        with admin.connect() as conn:
            # A server thread a test left behind must not keep the schema locked.
            conn.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = :name AND pid <> pg_backend_pid()"
                ),
                {"name": schema},
            )
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=ENGINES)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL to an empty database; SQLite in a temp file, or a fresh PostgreSQL schema."""
    with fresh_database(request.param, tmp_path) as url:
        yield url


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session_factory(engine: Engine) -> SessionFactory:
    return make_session_factory(engine)


@pytest.fixture
def session(session_factory: SessionFactory) -> Iterator[Session]:
    with session_factory() as s:
        yield s


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One trained-model cache for the whole run: a policy's detector is trained once."""
    return tmp_path_factory.mktemp("model-cache")


@pytest.fixture
def settings(db_url: str, model_cache_dir: Path) -> Settings:
    return Settings(
        database_url=db_url,
        model_cache_dir=model_cache_dir,
        secret_key="test-secret-key-0123456789abcdef",
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """A real uvicorn server on loopback, in a thread, for browser and streaming tests."""

    def __init__(self, app: object) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",  # type: ignore[arg-type]
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        # A bound for a hung start, not a timing: on a busy 2-core machine the app's start-up
        # (migrations, the detector's models) can take tens of seconds.
        deadline = time.monotonic() + 600
        while not self.server.started:
            if not self.thread.is_alive():
                raise RuntimeError("the live server did not start (its thread ended)")
            if time.monotonic() > deadline:
                raise RuntimeError("the live server did not start within 600 s")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
