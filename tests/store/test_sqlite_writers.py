"""SQLite writers of one process queue on an in-process lock: none fails, none keeps it."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from baton.store.db import make_engine


def test_many_threads_writing_at_once_all_commit(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}", pool_size=8, max_overflow=8)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE n (i INTEGER)"))
    errors: list[BaseException] = []
    start = threading.Barrier(8)

    def writer(offset: int) -> None:
        start.wait()
        try:
            for i in range(50):
                with engine.begin() as conn:
                    conn.execute(text("INSERT INTO n VALUES (:i)"), {"i": offset + i})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k * 1000,)) for k in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(DISTINCT i) FROM n")).scalar() == 400
    engine.dispose()


def test_a_failed_transaction_hands_the_lock_on(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'f.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (i INTEGER PRIMARY KEY)"))
    for _ in range(3):
        with pytest.raises(Exception, match="UNIQUE"), engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (1)"))
            conn.execute(text("INSERT INTO t VALUES (1)"))
    writer_done = threading.Event()

    def other_thread() -> None:
        with engine.begin() as conn:
            conn.execute(text("INSERT INTO t VALUES (2)"))
        writer_done.set()

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join(timeout=30)
    assert writer_done.is_set()
    with engine.connect() as conn:
        assert conn.execute(text("SELECT i FROM t")).scalars().all() == [2]
    engine.dispose()


def test_two_engines_on_one_file_share_the_queue(tmp_path: Path) -> None:
    path = tmp_path / "s.db"
    first, second = make_engine(f"sqlite:///{path}"), make_engine(f"sqlite:///{path}")
    with first.connect() as a, second.connect() as b:
        queued_a = a.connection.dbapi_connection
        queued_b = b.connection.dbapi_connection
        assert queued_a.writer_lock is queued_b.writer_lock  # type: ignore[union-attr]
    first.dispose()
    second.dispose()
