"""`baton keys create | rotate | revoke | list` and `baton audit`, on a SQLite file."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from baton.cli.main import app
from baton.config import get_settings
from baton.perf.databases import prepare
from baton.store import repositories as repo
from baton.store.db import make_engine, make_session_factory


def _run(env: dict[str, str], *args: str) -> str:
    get_settings.cache_clear()
    result = CliRunner().invoke(app, list(args), env=env)
    get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    return result.stdout  # the store line and logs go to stderr


def _works(url: str, key: str) -> bool:
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            return repo.get_api_key_by_secret(session=session, key=key) is not None
    finally:
        engine.dispose()


def test_create_rotate_revoke_and_the_audit_log(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    prepare(url, key_name="seed")
    env = {"BATON_DATABASE_URL": url}
    first = _run(env, "keys", "create", "support-bot").strip().splitlines()[-1]
    assert first.startswith("bk_")
    second = _run(env, "keys", "rotate", "support-bot", "--grace-hours", "1").splitlines()[-1]
    assert second.startswith("bk_") and second != first
    assert _works(url, first) and _works(url, second)
    _run(env, "keys", "rotate", "support-bot", "--grace-hours", "0")
    assert not _works(url, first) and not _works(url, second)
    listing = _run(env, "keys", "list")
    assert "support-bot" in listing and "expired" in listing and first not in listing
    out = _run(env, "keys", "revoke", "support-bot")
    assert "revoked 1 key(s)" in out
    audit = _run(env, "audit")
    for action in ("key.created", "key.rotated", "key.revoked"):
        assert action in audit
    assert first not in audit and second not in audit
    get_settings.cache_clear()
    missing = CliRunner().invoke(app, ["keys", "revoke", "nobody"], env=env)
    get_settings.cache_clear()
    assert missing.exit_code == 1
    assert "no live API key named 'nobody'" in missing.output


def test_a_tenant_and_its_scoped_key_from_the_command_line(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'keys.db'}"
    prepare(url, key_name="seed")
    env = {"BATON_DATABASE_URL": url}
    _run(env, "tenants", "create", "acme", "--name", "Acme")
    assert _run(env, "tenants", "list").split() == ["acme", "default"]
    key = _run(env, "keys", "create", "acme-bot", "--tenant", "acme", "--scope", "bot,read")
    plain = key.strip().splitlines()[-1]
    engine = make_engine(url)
    try:
        with make_session_factory(engine)() as session:
            row = repo.get_api_key_by_secret(session=session, key=plain)
            assert row is not None and (row.tenant_id, row.scopes) == ("acme", "bot,read")
    finally:
        engine.dispose()
    assert "acme-bot" in _run(env, "keys", "list", "--tenant", "acme")
    assert "acme-bot" not in _run(env, "keys", "list")
    get_settings.cache_clear()
    refused = CliRunner().invoke(app, ["keys", "create", "x", "--tenant", "nowhere"], env=env)
    get_settings.cache_clear()
    assert refused.exit_code == 1 and "no tenant 'nowhere'" in refused.output
