"""Probe row 1: `baton kb load` refuses links and files outside the folder, and names bad text.

Black-box through the CLI on a SQLite file: a link to a file full of secrets (standing in for
`/proc/self/environ`) must not become an article, and a Latin-1 file is a clear error, not a
traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from baton.cli.main import app
from baton.config import get_settings

SECRET = "BATON_SECRET_KEY=synthetic-secret-for-the-probe-test"


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("BATON_DATABASE_URL", f"sqlite:///{tmp_path / 'kb.db'}")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def _kb(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "refunds.md").write_text("# Refunds\n\nRefunds take five days.\n", encoding="utf-8")
    return folder


def _load_then_search(folder: Path, word: str) -> tuple[int, str, str]:
    runner = CliRunner()
    loaded = runner.invoke(app, ["kb", "load", str(folder)])
    found = runner.invoke(app, ["kb", "search", word])
    return loaded.exit_code, loaded.output, found.output


def test_a_symlinked_file_is_refused_and_nothing_is_loaded(store: None, tmp_path: Path) -> None:
    folder = _kb(tmp_path)
    environ = tmp_path / "environ"
    environ.write_text(f"# Environment\n\n{SECRET}\n", encoding="utf-8")
    (folder / "env.md").symlink_to(environ)
    code, output, found = _load_then_search(folder, "synthetic")
    assert code == 2, output
    assert "symbolic link" in output and "Traceback" not in output
    assert "synthetic" not in found and "env" not in found


def test_a_symlinked_folder_is_refused(store: None, tmp_path: Path) -> None:
    folder = _kb(tmp_path)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keys.md").write_text(f"# Keys\n\n{SECRET}\n", encoding="utf-8")
    (folder / "linked").symlink_to(outside, target_is_directory=True)
    code, output, found = _load_then_search(folder, "synthetic")
    assert "synthetic" not in found
    if code != 0:  # rglob may not descend into the link at all; either way nothing leaks
        assert "symbolic link" in output


def test_a_file_that_is_not_utf8_is_a_clear_error(store: None, tmp_path: Path) -> None:
    folder = _kb(tmp_path)
    (folder / "latin1.md").write_bytes("# Café\n\nCrème brûlée\n".encode("latin-1"))
    code, output, _ = _load_then_search(folder, "refunds")
    assert code == 2
    assert "not UTF-8" in output and "latin1.md" in output
    assert "Traceback" not in output and "UnicodeDecodeError" not in output
