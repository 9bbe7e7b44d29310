"""A full disk under a write: the request fails with a JSON 503, nothing partial is stored, and
writing works again once there is room. Real full file systems: a tiny tmpfs under SQLite, and a
PostgreSQL tablespace on one."""

from __future__ import annotations

import errno
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from baton.api.app import create_app
from baton.config import Settings
from tests.api.conftest import authorized, row_counts
from tests.faults.conftest import SENT_AT, PrivateCluster

ASK = {"role": "user", "text": "I want to talk to a human", "sent_at": SENT_AT}


@pytest.fixture
def tiny_disk() -> Iterator[Path]:
    """A 24 MiB tmpfs of our own: a file system that really fills up (readable by postgres)."""
    mount = Path(tempfile.mkdtemp(prefix="baton-disk-"))
    mount.chmod(0o755)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=24m,mode=0777", "tmpfs", str(mount)],
        capture_output=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
        mount.rmdir()


def fill(directory: Path) -> Path:
    """Write zeros until the file system says ENOSPC; the filler, to delete to make room."""
    filler = directory / "filler"
    chunk = b"\0" * 65536
    with filler.open("wb", buffering=0) as out:
        while True:
            try:
                out.write(chunk)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
                break
    for size in (4096, 512, 1):
        with filler.open("ab", buffering=0) as out:
            while True:
                try:
                    out.write(b"\0" * size)
                except OSError:
                    break
    return filler


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=url, model_cache_dir=tmp_path / "cache", rate_limit_per_minute=0)


# A turn the bot handles: the turn tables get their first pages, the handoff tables stay empty,
# so the escalation below needs new pages and meets the full disk mid-transaction.
HANDLED = {
    **ASK,
    "turn_id": "t0",
    "text": "what are your opening hours?",
    "bot": {"confidence": 0.95, "intent": "opening_hours"},
}


def _full_then_free(api: TestClient, make_full: object, make_room: object) -> None:
    handled = api.post("/v1/conversations/c1/turns", json=HANDLED)
    assert handled.json()["handoff"] is None, handled.text
    before = row_counts(api)
    assert before["handoffs"] == 0
    make_full()  # type: ignore[operator]
    refused = api.post("/v1/conversations/c2/turns", json={**ASK, "turn_id": "t1"})
    assert refused.status_code == 503, refused.text
    assert refused.json()["error"]["code"] == "store_unavailable"
    assert refused.headers["retry-after"] == "1"
    assert row_counts(api) == before
    make_room()  # type: ignore[operator]
    accepted = api.post("/v1/conversations/c2/turns", json={**ASK, "turn_id": "t1"})
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["handoff"]["status"] == "queued"
    after = row_counts(api)
    assert (after["turns"], after["handoffs"]) == (before["turns"] + 1, before["handoffs"] + 1)


def test_sqlite_on_a_full_disk(tiny_disk: Path, tmp_path: Path) -> None:
    url = f"sqlite:///{tiny_disk / 'baton.db'}"
    fillers: list[Path] = []
    with authorized(create_app(_settings(url, tmp_path))) as api:
        _full_then_free(
            api,
            lambda: fillers.append(fill(tiny_disk)),
            lambda: fillers.pop().unlink(),
        )


def test_postgresql_on_a_full_tablespace(
    private_pg: PrivateCluster, tiny_disk: Path, tmp_path: Path
) -> None:
    space = tiny_disk / "pg"
    space.mkdir()
    shutil.chown(space, "postgres", "postgres")
    name = "full_" + uuid.uuid4().hex[:8]
    private_pg.sql(f"CREATE TABLESPACE {name} LOCATION '{space}'")
    private_pg.sql(f'CREATE DATABASE "{name}" TABLESPACE {name}')
    url = private_pg.url(name)

    def make_full() -> None:
        private_pg.sql("CREATE TABLE filler (junk text)", name)
        for rows in (100_000, 10_000, 1_000, 100, 10, 1):
            while True:
                try:
                    private_pg.sql(
                        "INSERT INTO filler SELECT repeat('x', 1800) "
                        f"FROM generate_series(1, {rows})",
                        name,
                    )
                except OperationalError:
                    break

    try:
        with authorized(create_app(_settings(url, tmp_path))) as api:
            _full_then_free(api, make_full, lambda: private_pg.sql("DROP TABLE filler", name))
    finally:
        private_pg.sql(
            f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{name}'"
        )
        private_pg.sql(f'DROP DATABASE IF EXISTS "{name}"')
        private_pg.sql(f"DROP TABLESPACE IF EXISTS {name}")
