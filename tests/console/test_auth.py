"""Sign-in, the session cookie, CSRF on every form, and roles deciding who sees what."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from baton.desk import agents
from baton.store.db import session_scope
from baton.store.tables import HandoffRow
from tests.console.helpers import csrf_of, markup, sign_in
from tests.factories.desk import make_agent, open_case


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings.model_copy(update={"require_api_key": False}))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        with session_scope(app.state.session_factory) as session:
            make_agent(session, "Ada Lovelace", queues=("support",))
            make_agent(session, "Bea Bills", queues=("billing",))
            make_agent(session, "Sue Perv", queues=(), role=agents.AgentRole.SUPERVISOR)
            make_agent(session, "Root Admin", queues=(), role=agents.AgentRole.ADMIN)
            c.app_state_case = open_case(session).id  # type: ignore[attr-defined]
        yield c


def case_id(client: TestClient) -> str:
    return str(client.app_state_case)  # type: ignore[attr-defined]


def status_of(app: FastAPI, handoff_id: str) -> str:
    with session_scope(app.state.session_factory) as session:
        row = session.get(HandoffRow, handoff_id)
        assert row is not None
        return row.status


def test_pages_need_a_session(client: TestClient) -> None:
    page = client.get("/console/inbox", headers={"Accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/console/login?next=/console/inbox"
    assert client.get("/console/stream").status_code == 401
    assert client.get(f"/console/cases/{case_id(client)}/ticket.json").status_code == 401


def test_sign_in_sets_a_hardened_signed_cookie(client: TestClient) -> None:
    sign_in(client, "ada@example.com")
    cookie = next(c for c in client.cookies.jar if c.name == "baton_console")
    assert cookie.path == "/console"
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.get_nonstandard_attr("SameSite", "").lower() == "strict"
    assert "." in cookie.value  # itsdangerous-signed
    page = client.get("/console/inbox")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]


def test_cookies_are_secure_behind_https(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"public_url": "https://baton.example.com"}))
    with TestClient(app, base_url="https://testserver") as c:
        with session_scope(app.state.session_factory) as session:
            make_agent(session)
        sign_in(c, "ada@example.com")
        login = c.get("/console/login")
        assert "secure" in login.headers["set-cookie"].lower()


def test_a_wrong_password_or_a_forged_cookie_gets_nothing(client: TestClient) -> None:
    form = client.get("/console/login").text
    token = form.split('name="login_token" value="')[1].split('"')[0]
    bad = client.post(
        "/console/login",
        data={"email": "ada@example.com", "password": "wrong password", "login_token": token},
        follow_redirects=False,
    )
    assert bad.status_code == 401 and "do not match" in bad.text
    assert "baton_console" not in client.cookies
    client.cookies.set("baton_console", "forged.value.sig", path="/console")
    assert client.get("/console/stream").status_code == 401


def test_sign_in_form_needs_its_token(client: TestClient) -> None:
    client.get("/console/login")
    response = client.post(
        "/console/login",
        data={"email": "ada@example.com", "password": "correct horse battery"},
        follow_redirects=False,
    )
    assert response.status_code == 403


def test_sign_in_never_redirects_off_the_console(client: TestClient) -> None:
    for target in ("//evil.example/x", "https://evil.example", "/console/\\evil", "/v1/x"):
        client.cookies.clear()
        form = client.get("/console/login", params={"next": target}).text
        assert 'name="next" value="/console/inbox"' in form


def test_a_form_without_the_csrf_token_is_refused(client: TestClient, app: FastAPI) -> None:
    csrf = sign_in(client, "ada@example.com")
    url = f"/console/cases/{case_id(client)}/accept"
    for data in ({}, {"csrf_token": "x" * len(csrf)}, {"csrf_token": ""}):
        response = client.post(url, data=data, follow_redirects=False)
        assert response.status_code == 403
        assert "csrf_failed" in response.text
    cross_site = client.post(
        url, data={"csrf_token": csrf}, headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403 and "cross_site" in cross_site.text
    opaque = client.post(url, data={"csrf_token": csrf}, headers={"Origin": "null"})
    assert opaque.status_code == 403
    assert status_of(app, case_id(client)) == "queued"
    ok = client.post(
        url,
        data={"csrf_token": csrf},
        headers={"Origin": "http://127.0.0.1:8000"},  # the public URL, as behind a proxy
        follow_redirects=False,
    )
    assert ok.status_code == 303
    assert status_of(app, case_id(client)) == "active"


def test_another_sessions_token_does_not_work(app: FastAPI, client: TestClient) -> None:
    first = sign_in(client, "ada@example.com")
    with TestClient(app) as other:
        second = sign_in(other, "ada@example.com")
        assert first != second
        response = other.post(
            f"/console/cases/{case_id(client)}/accept", data={"csrf_token": first}
        )
        assert response.status_code == 403


def test_an_agent_cannot_open_another_queues_case(client: TestClient, app: FastAPI) -> None:
    csrf = sign_in(client, "bea@example.com")
    handoff = case_id(client)
    page = client.get(f"/console/cases/{handoff}")
    assert page.status_code == 403
    assert "queue you do not serve" in page.text
    assert client.get(f"/console/cases/{handoff}/ticket.json").status_code == 403
    assert client.get(f"/console/cases/{handoff}/stream").status_code == 403
    accept = client.post(f"/console/cases/{handoff}/accept", data={"csrf_token": csrf})
    assert accept.status_code == 403
    assert status_of(app, handoff) == "queued"
    assert handoff not in client.get("/console/inbox").text


def test_supervisors_see_every_queue_and_the_team(client: TestClient) -> None:
    sign_in(client, "sue@example.com")
    assert case_id(client) in client.get("/console/inbox").text
    assert client.get(f"/console/cases/{case_id(client)}").status_code == 200
    team = client.get("/console/agents")
    assert team.status_code == 200 and "Bea Bills" in team.text
    assert "Add an account" not in team.text


def test_only_admins_add_accounts(client: TestClient, app: FastAPI) -> None:
    data = {"email": "new@example.com", "name": "New Person", "password": "long enough pw"}
    csrf = sign_in(client, "sue@example.com")
    assert client.post("/console/agents", data={**data, "csrf_token": csrf}).status_code == 403
    client.cookies.clear()
    csrf = sign_in(client, "root@example.com")
    response = client.post(
        "/console/agents",
        data={**data, "csrf_token": csrf, "queues": ["support", "sales"], "role": "agent"},
        follow_redirects=False,
    )
    assert response.status_code == 303
    with session_scope(app.state.session_factory) as session:
        row = agents.get_by_email(session=session, email="new@example.com")
        assert row is not None and row.queues == ["support", "sales"]


def test_agents_do_not_see_the_team_page(client: TestClient) -> None:
    sign_in(client, "ada@example.com")
    assert client.get("/console/agents").status_code == 403


def test_sign_out_ends_the_session_everywhere(client: TestClient) -> None:
    csrf = sign_in(client, "ada@example.com")
    cookie = client.cookies.get("baton_console")
    assert client.post("/console/logout", data={"csrf_token": csrf}).status_code == 200
    client.cookies.set("baton_console", cookie or "", path="/console")
    again = client.get("/console/inbox", headers={"Accept": "text/html"}, follow_redirects=False)
    assert again.status_code == 303


def test_presence_switch(client: TestClient, app: FastAPI) -> None:
    csrf = sign_in(client, "ada@example.com")
    client.post("/console/presence", data={"csrf_token": csrf, "value": "away"})
    page = client.get("/console/inbox").text
    pressed = [a.get("value") for t, a in markup(page) if a.get("aria-pressed") == "true"]
    assert pressed == ["away"]
    assert csrf_of(page) == csrf
    with session_scope(app.state.session_factory) as session:
        ada = agents.get_by_email(session=session, email="ada@example.com")
        assert ada is not None and ada.presence == "away"
