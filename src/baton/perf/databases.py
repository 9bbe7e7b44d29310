"""A fresh, empty database for one run: a SQLite file, or a PostgreSQL schema of its own."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, text

from baton.config import Settings
from baton.engine import Runtime
from baton.perf import DEFAULT_PG as DEFAULT_PG
from baton.policy import load_policy
from baton.store import repositories as repo
from baton.store.db import make_engine, make_session_factory, session_scope, upgrade
from baton.store.tables import DEFAULT_TENANT


@contextmanager
def fresh_database(
    kind: str, *, workdir: Path, pg_url: str = DEFAULT_PG, keep: bool = False
) -> Iterator[str]:
    """Yield the URL of an empty database of `kind` ("sqlite" or "postgresql"); drop it after
    unless `keep` (to look at what a benchmark left)."""
    if kind == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        try:
            yield f"sqlite:///{path}"
        finally:
            if not keep:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    base = Settings(database_url=pg_url).database_url
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        if not keep:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


def prepare(url: str, *, key_name: str = "bench-bot") -> str:
    """Migrate the database and create an API key; the plain key."""
    engine = make_engine(url)
    try:
        upgrade(engine)
        with session_scope(make_session_factory(engine)) as session:
            return repo.create_api_key(
                session=session,
                tenant_id=DEFAULT_TENANT,
                name=key_name,
                scopes="bot,read",
                now=datetime.now(UTC),
            )
    finally:
        engine.dispose()


def trained_cache() -> Path:
    """The model cache of this checkout's settings, with the default policy's detector trained
    in it, so a server started on it is ready in seconds instead of training first."""
    cache = Settings().model_cache_dir.resolve()
    Runtime(load_policy(None), model_cache_dir=cache)
    return cache
