"""Probe rows 4 and 6 through the console's forms and the CLI: transfers respect the target's
queue and capacity, only the case owner or a lead edits a ticket, and offboarding works."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from baton.api.app import create_app
from baton.cli.main import app as cli
from baton.config import Settings, get_settings
from baton.desk import agents, service
from baton.store.audit import list_audit
from baton.store.db import session_scope
from baton.store.tables import DEFAULT_TENANT, HandoffRow, HandoffTicketRow
from tests.console.helpers import sign_in
from tests.factories.desk import PASSWORD, later, make_agent, open_case


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings.model_copy(update={"require_api_key": False}))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        yield c


def _row(app: FastAPI, handoff_id: str) -> HandoffRow:
    with session_scope(app.state.session_factory) as s:
        row = s.get(HandoffRow, handoff_id)
        assert row is not None
        s.expunge(row)
        return row


def _transfer(client: TestClient, csrf: str, handoff_id: str, target: str) -> int:
    r = client.post(
        f"/console/cases/{handoff_id}/transfer",
        data={"csrf_token": csrf, "target": target},
        follow_redirects=False,
    )
    return r.status_code


def test_an_agent_at_capacity_cannot_transfer_a_case_to_herself(
    app: FastAPI, client: TestClient
) -> None:
    with session_scope(app.state.session_factory) as s:
        ada = make_agent(s, capacity=1)
        first, second = open_case(s, "c-1"), open_case(s, "c-2")
        service.accept(session=s, handoff_id=first.id, agent=ada, now=later(1))
        ids = ada.id, second.id
    csrf = sign_in(client, "ada@example.com")
    assert _transfer(client, csrf, ids[1], f"agent:{ids[0]}") == 409
    assert (_row(app, ids[1]).status, _row(app, ids[1]).agent_id) == ("queued", None)


def test_a_case_is_not_moved_to_someone_outside_its_queue(app: FastAPI, client: TestClient) -> None:
    with session_scope(app.state.session_factory) as s:
        ada = make_agent(s)
        bea = make_agent(s, "Bea Bills", queues=("billing",))
        case = open_case(s)
        service.accept(session=s, handoff_id=case.id, agent=ada, now=later(1))
        ids = bea.id, case.id
    csrf = sign_in(client, "ada@example.com")
    assert _transfer(client, csrf, ids[1], f"agent:{ids[0]}") == 422
    row = _row(app, ids[1])
    assert (row.status, row.agent_id) != ("assigned", ids[0])


def test_a_colleague_in_the_queue_with_room_can_take_it(app: FastAPI, client: TestClient) -> None:
    with session_scope(app.state.session_factory) as s:
        ada = make_agent(s)
        grace = make_agent(s, "Grace Hopper")
        case = open_case(s)
        service.accept(session=s, handoff_id=case.id, agent=ada, now=later(1))
        ids = grace.id, case.id
    csrf = sign_in(client, "ada@example.com")
    assert _transfer(client, csrf, ids[1], f"agent:{ids[0]}") == 303
    assert (_row(app, ids[1]).status, _row(app, ids[1]).agent_id) == ("assigned", ids[0])


def _edit_ticket(client: TestClient, csrf: str, handoff_id: str, subject: str) -> int:
    form = {"csrf_token": csrf, "subject": subject, "category": "billing", "priority": "high"}
    r = client.post(f"/console/cases/{handoff_id}/ticket", data=form, follow_redirects=False)
    return r.status_code


def test_only_the_owner_or_a_lead_edits_the_ticket(app: FastAPI, client: TestClient) -> None:
    with session_scope(app.state.session_factory) as s:
        ada = make_agent(s)
        make_agent(s, "Grace Hopper")
        make_agent(s, "Sue Perv", queues=(), role=agents.AgentRole.SUPERVISOR)
        case = open_case(s)
        service.accept(session=s, handoff_id=case.id, agent=ada, now=later(1))
        handoff_id = case.id
    csrf = sign_in(client, "grace@example.com")
    assert _edit_ticket(client, csrf, handoff_id, "Rewritten by a bystander") == 403
    with session_scope(app.state.session_factory) as s:
        assert s.get(HandoffTicketRow, handoff_id) is None
    client.cookies.clear()
    assert _edit_ticket(client, sign_in(client, "ada@example.com"), handoff_id, "By Ada") == 303
    client.cookies.clear()
    assert _edit_ticket(client, sign_in(client, "sue@example.com"), handoff_id, "By Sue") == 303
    with session_scope(app.state.session_factory) as s:
        saved = s.get(HandoffTicketRow, handoff_id)
        assert saved is not None and saved.fields["subject"] == "By Sue"


# -- offboarding over the CLI, checked against a live console ------------------------------


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    monkeypatch.setenv("BATON_DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield {"BATON_DATABASE_URL": settings.database_url}
    get_settings.cache_clear()


def _cli(*args: str, stdin: str | None = None) -> str:
    get_settings.cache_clear()
    result = CliRunner().invoke(cli, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def _signed_in(client: TestClient) -> bool:
    return client.get("/console/inbox", follow_redirects=False).status_code == 200


def test_disable_ends_sessions_refuses_sign_in_and_requeues_cases(
    app: FastAPI, client: TestClient, cli_env: dict[str, str]
) -> None:
    with session_scope(app.state.session_factory) as s:
        ada = make_agent(s)
        case = open_case(s)
        service.accept(session=s, handoff_id=case.id, agent=ada, now=later(1))
        ids = ada.id, case.id
    sign_in(client, "ada@example.com")
    assert _signed_in(client)
    out = _cli("agents", "disable", "ada@example.com")
    assert "1 session(s) ended" in out and "1 case(s)" in out
    assert not _signed_in(client)
    client.cookies.clear()
    login = client.get("/console/login").text
    token = login.split('name="login_token" value="')[1].split('"')[0]
    refused = client.post(
        "/console/login",
        data={"email": "ada@example.com", "password": PASSWORD, "login_token": token},
        follow_redirects=False,
    )
    assert refused.status_code != 303
    row = _row(app, ids[1])
    assert (row.status, row.agent_id) == ("queued", None)
    assert "disabled" in _cli("agents", "list")
    with session_scope(app.state.session_factory) as s:
        (entry,) = list_audit(session=s, tenant_id=DEFAULT_TENANT, action="agent.disabled")
        assert (entry.target, entry.actor.startswith("cli:")) == (ids[0], True)


def test_reset_password_and_revoke_sessions(
    app: FastAPI, client: TestClient, cli_env: dict[str, str], tmp_path: Path
) -> None:
    with session_scope(app.state.session_factory) as s:
        make_agent(s)
    sign_in(client, "ada@example.com")
    assert "1 session(s) of ada@example.com ended" in _cli(
        "agents", "sessions", "revoke", "ada@example.com"
    )
    assert not _signed_in(client)
    client.cookies.clear()
    sign_in(client, "ada@example.com")
    new = "a brand new password"
    out = _cli("agents", "reset-password", "ada@example.com", stdin=f"{new}\n{new}\n")
    assert "1 session(s) ended" in out
    assert not _signed_in(client)
    client.cookies.clear()
    sign_in(client, "ada@example.com", new)
    assert _signed_in(client)
    with session_scope(app.state.session_factory) as s:
        actions = [r.action for r in list_audit(session=s, tenant_id=DEFAULT_TENANT)]
    assert {"agent.created", "agent.sessions_revoked", "agent.password_reset"} <= set(actions)
