"""API keys: rotation keeps the old key for a grace period, revocation is at once, both audited."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.orm import Session

from baton.errors import NotFound
from baton.store import keys
from baton.store import repositories as repo
from baton.store.audit import list_audit, record_audit
from baton.store.db import SessionFactory, session_scope
from baton.store.tables import DEFAULT_TENANT

NOW = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


def _works(session: Session, key: str, at: datetime) -> bool:
    return repo.get_api_key_by_secret(session=session, key=key, now=at) is not None


def test_rotation_keeps_the_old_key_for_the_grace_period(session: Session) -> None:
    old = keys.create_key(
        tenant_id=DEFAULT_TENANT, session=session, name="bot", actor="cli:ops", now=NOW
    )
    later = NOW + timedelta(hours=1)
    new = keys.rotate_key(
        tenant_id=DEFAULT_TENANT,
        session=session,
        name="bot",
        grace=timedelta(hours=24),
        actor="cli:ops",
        now=later,
    )
    assert new != old
    assert _works(session, old, later + timedelta(hours=23))
    assert not _works(session, old, later + timedelta(hours=24))
    assert _works(session, new, later + timedelta(days=30))


def test_revoke_stops_every_live_key_of_a_name_at_once(session: Session) -> None:
    first = keys.create_key(
        tenant_id=DEFAULT_TENANT, session=session, name="bot", actor="cli:ops", now=NOW
    )
    second = keys.create_key(
        tenant_id=DEFAULT_TENANT, session=session, name="bot", actor="cli:ops", now=NOW
    )
    other = keys.create_key(
        tenant_id=DEFAULT_TENANT, session=session, name="other", actor="cli:ops", now=NOW
    )
    revoked = keys.revoke_keys(
        tenant_id=DEFAULT_TENANT, session=session, name="bot", actor="cli:ops", now=NOW
    )
    assert sorted(revoked) == sorted([first[:10], second[:10]])
    assert not _works(session, first, NOW)
    assert not _works(session, second, NOW)
    assert _works(session, other, NOW)
    with pytest.raises(NotFound):
        keys.revoke_keys(
            tenant_id=DEFAULT_TENANT, session=session, name="bot", actor="cli:ops", now=NOW
        )
    with pytest.raises(NotFound):
        keys.rotate_key(
            tenant_id=DEFAULT_TENANT,
            session=session,
            name="bot",
            grace=timedelta(0),
            actor="cli:ops",
            now=NOW,
        )


def test_key_actions_are_audited_without_the_keys(session: Session) -> None:
    made = keys.create_key(
        tenant_id=DEFAULT_TENANT, session=session, name="bot", actor="cli:ops", now=NOW
    )
    rotated = keys.rotate_key(
        tenant_id=DEFAULT_TENANT,
        session=session,
        name="bot",
        grace=timedelta(hours=1),
        actor="cli:ops",
        now=NOW,
    )
    keys.revoke_keys(
        tenant_id=DEFAULT_TENANT, session=session, name="bot", actor="cli:ana", now=NOW
    )
    record_audit(
        tenant_id=DEFAULT_TENANT,
        session=session,
        actor="agent:ag_1",
        action="agent.updated",
        target="ag_2",
        data={"capacity": 4},
        now=NOW,
    )
    log = list_audit(tenant_id=DEFAULT_TENANT, session=session)
    assert [r.action for r in log] == ["agent.updated", "key.revoked", "key.rotated", "key.created"]
    assert [r.actor for r in log][1:] == ["cli:ana", "cli:ops", "cli:ops"]
    assert log[2].data["old_prefixes"] == [made[:10]]
    everything = repr([(r.target, r.data) for r in log])
    assert made not in everything and rotated not in everything
    assert [
        r.action
        for r in list_audit(tenant_id=DEFAULT_TENANT, session=session, action="key.rotated")
    ] == ["key.rotated"]


def test_a_cached_key_keeps_working_until_its_ttl_then_revocation_holds(
    session_factory: SessionFactory,
) -> None:
    clock = [100.0]
    cache = keys.KeyCache(5.0, clock=lambda: clock[0])
    with session_scope(session_factory) as session:
        key = keys.create_key(
            tenant_id=DEFAULT_TENANT, session=session, name="bot", actor="cli:ops", now=NOW
        )
    assert cache.identify(factory=session_factory, key=key, now=NOW).name == "bot"
    with session_scope(session_factory) as session:
        keys.revoke_keys(
            tenant_id=DEFAULT_TENANT, session=session, name="bot", actor="cli:ops", now=NOW
        )
    clock[0] = 104.0
    assert cache.identify(factory=session_factory, key=key, now=NOW).name == "bot"
    clock[0] = 105.5
    assert cache.identify(factory=session_factory, key=key, now=NOW) is None
    assert cache.identify(factory=session_factory, key="bk_unknown", now=NOW) is None


def test_a_cached_key_never_outlives_its_rotation_grace(session_factory: SessionFactory) -> None:
    clock = [0.0]
    cache = keys.KeyCache(60.0, clock=lambda: clock[0])
    with session_scope(session_factory) as session:
        old = keys.create_key(
            tenant_id=DEFAULT_TENANT, session=session, name="bot", actor="cli:ops", now=NOW
        )
        keys.rotate_key(
            tenant_id=DEFAULT_TENANT,
            session=session,
            name="bot",
            grace=timedelta(seconds=2),
            actor="cli:ops",
            now=NOW,
        )
    assert cache.identify(factory=session_factory, key=old, now=NOW).name == "bot"
    clock[0] = 3.0
    later = NOW + timedelta(seconds=3)
    assert cache.identify(factory=session_factory, key=old, now=later) is None


def test_a_zero_ttl_checks_the_store_every_time(session_factory: SessionFactory) -> None:
    cache = keys.KeyCache(0.0)
    with session_scope(session_factory) as session:
        key = keys.create_key(
            tenant_id=DEFAULT_TENANT, session=session, name="bot", actor="cli:ops", now=NOW
        )
    assert cache.identify(factory=session_factory, key=key, now=NOW).name == "bot"
    with session_scope(session_factory) as session:
        keys.revoke_keys(
            tenant_id=DEFAULT_TENANT, session=session, name="bot", actor="cli:ops", now=NOW
        )
    assert cache.identify(factory=session_factory, key=key, now=NOW) is None
