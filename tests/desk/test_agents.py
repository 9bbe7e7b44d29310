"""Accounts: argon2 hashes, sign-in checks, and who sees which queue."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from baton.desk import agents, sessions
from baton.errors import Conflict, InvalidRequest
from baton.store.tables import DEFAULT_TENANT
from tests.factories.desk import NOW, PASSWORD, later, make_agent


def test_passwords_are_stored_as_argon2_hashes(session: Session) -> None:
    ada = make_agent(session)
    assert ada.password_hash is not None and ada.password_hash.startswith("$argon2id$")
    assert PASSWORD not in ada.password_hash
    assert agents.authenticate(session=session, email="ADA@example.com ", password=PASSWORD) is ada
    assert agents.authenticate(session=session, email="ada@example.com", password="wrong") is None
    assert agents.authenticate(session=session, email="nobody@x.io", password=PASSWORD) is None


def test_accounts_need_a_fresh_email_and_a_long_password(session: Session) -> None:
    make_agent(session)
    with pytest.raises(Conflict):
        make_agent(session)
    with pytest.raises(InvalidRequest):
        agents.create(
            tenant_id=DEFAULT_TENANT,
            session=session,
            email="x@x.io",
            name="X",
            password="short",
            queues=(),
            role=agents.AgentRole.AGENT,
            actor="test",
            now=NOW,
        )


def test_visible_queues_follow_the_role(session: Session) -> None:
    everything = ["support", "billing", "sales"]
    ada = make_agent(session, queues=("billing", "gone"))
    boss = make_agent(session, "Sue Perv", queues=(), role=agents.AgentRole.SUPERVISOR)
    assert agents.visible_queues(ada, everything) == ["billing"]
    assert agents.visible_queues(boss, everything) == everything


def test_sessions_end_on_sign_out_and_expiry(session: Session) -> None:
    ada = make_agent(session)
    token, signed = sessions.open_session(session=session, agent=ada, now=NOW)
    assert sessions.resolve(session=session, token=token, now=later(5)) == signed
    assert sessions.resolve(session=session, token=token + "x", now=later(5)) is None
    assert sessions.resolve(session=session, token=token, now=later(13 * 60)) is None
    sessions.close_session(session=session, session_id=signed.session_id, now=later(6))
    assert sessions.resolve(session=session, token=token, now=later(7)) is None
    assert not sessions.is_live(session=session, session_id=signed.session_id, now=later(7))
