"""The agent's desk: replying takes the case, the Resolve form's blank start, internal notes,
canned replies, all cases, the customer sidebar and follow-ups (both engines)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from baton.store import repositories as repo
from baton.store.db import session_scope
from baton.store.tables import HandoffRow
from tests.console.helpers import markup, sign_in
from tests.factories.desk import make_agent, open_case


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings.model_copy(update={"require_api_key": False}))


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app) as c:
        with session_scope(app.state.session_factory) as session:
            make_agent(session, "Ada Lovelace", queues=("support",))
            make_agent(session, "Alan Turing", queues=("support",))
            c.app_state_case = open_case(session).id  # type: ignore[attr-defined]
        yield c


def case_id(client: TestClient) -> str:
    return str(client.app_state_case)  # type: ignore[attr-defined]


def row_of(app: FastAPI, handoff_id: str) -> tuple[str, str | None, list[str]]:
    with session_scope(app.state.session_factory) as session:
        row = session.get(HandoffRow, handoff_id)
        assert row is not None
        events = [e.type for e in repo.list_handoff_events(session=session, handoff_id=row.id)]
        return row.status, row.agent_id, events


def test_replying_to_a_waiting_case_accepts_it_and_the_page_says_so(
    client: TestClient, app: FastAPI
) -> None:
    csrf = sign_in(client, "ada@example.com")
    page = client.get(f"/console/cases/{case_id(client)}").text
    assert "Sending a reply accepts this case" in page
    assert 'id="reply-text"' in page
    sent = client.post(
        f"/console/cases/{case_id(client)}/reply",
        data={"text": "Hello Bob, I'm on it.", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert sent.status_code == 303 and sent.headers["location"].endswith("done=took")
    status, agent_id, events = row_of(app, case_id(client))
    assert status == "active" and agent_id is not None
    assert events == ["created", "assigned", "accepted", "replied"]
    after = client.get(sent.headers["location"]).text
    assert "You accepted the case by replying" in after
    assert "Sending a reply accepts this case" not in after


def test_an_empty_reply_accepts_nothing(client: TestClient, app: FastAPI) -> None:
    csrf = sign_in(client, "ada@example.com")
    sent = client.post(
        f"/console/cases/{case_id(client)}/reply", data={"text": "  ", "csrf_token": csrf}
    )
    assert sent.status_code == 422
    assert row_of(app, case_id(client))[0] == "queued"


def test_a_colleagues_case_is_not_taken_by_replying(client: TestClient, app: FastAPI) -> None:
    alan = TestClient(app)
    alan_csrf = sign_in(alan, "alan@example.com")
    alan.post(f"/console/cases/{case_id(client)}/accept", data={"csrf_token": alan_csrf})
    csrf = sign_in(client, "ada@example.com")
    assert "Sending a reply" not in client.get(f"/console/cases/{case_id(client)}").text
    sent = client.post(
        f"/console/cases/{case_id(client)}/reply", data={"text": "mine?", "csrf_token": csrf}
    )
    assert sent.status_code == 403
    assert row_of(app, case_id(client))[2].count("replied") == 0


def test_the_resolve_form_starts_with_nothing_chosen(client: TestClient) -> None:
    csrf = sign_in(client, "ada@example.com")
    client.post(f"/console/cases/{case_id(client)}/accept", data={"csrf_token": csrf})
    tags = markup(client.get(f"/console/cases/{case_id(client)}").text)
    outcome = [a for t, a in tags if t == "input" and a.get("name") == "outcome"]
    assert len(outcome) == 3 and not any("checked" in a for a in outcome)
    options = [a for t, a in tags if t == "option"]
    first_code = next(a for a in options if a.get("value") is not None)
    assert first_code["value"] == ""
    assert not any("selected" in a for a in options)


def test_a_note_is_for_the_agents_of_the_case(client: TestClient, app: FastAPI) -> None:
    csrf = sign_in(client, "ada@example.com")
    url = f"/console/cases/{case_id(client)}/notes"
    hostile = "<script>alert(1)</script> check <b>this</b>"
    sent = client.post(url, data={"text": hostile, "csrf_token": csrf}, follow_redirects=False)
    assert sent.status_code == 303 and sent.headers["location"].endswith("done=noted")
    page = client.get(f"/console/cases/{case_id(client)}").text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page and "<b>this</b>" not in page
    assert "Only agents see it" in client.get(sent.headers["location"]).text
    assert client.post(url, data={"text": " ", "csrf_token": csrf}).status_code == 422
    assert client.post(url, data={"text": "x"}).status_code == 403  # no CSRF token
    assert row_of(app, case_id(client))[0] == "queued"  # a note moves nothing


def test_canned_replies_are_kept_per_agent_and_per_team(client: TestClient, app: FastAPI) -> None:
    with session_scope(app.state.session_factory) as session:
        from baton.desk import agents

        make_agent(session, "Sue Perv", queues=(), role=agents.AgentRole.SUPERVISOR)
    sue = TestClient(app)
    sue_csrf = sign_in(sue, "sue@example.com")
    team = {"shortcut": "/hello", "text": "Hi {customer_name}, {agent_name} here.", "scope": "team"}
    assert sue.post("/console/replies", data={**team, "csrf_token": sue_csrf}).status_code == 200
    seeded = sue.post("/console/replies/seed", data={"csrf_token": sue_csrf})
    assert "The policy&#39;s replies were added" in seeded.text

    csrf = sign_in(client, "ada@example.com")
    refused = client.post("/console/replies", data={**team, "csrf_token": csrf})
    assert refused.status_code == 403
    mine = {"shortcut": "order", "text": "Order {order} for {customer_name}: {invoice}?"}
    assert client.post("/console/replies", data={**mine, "csrf_token": csrf}).status_code == 200
    wrong = {"shortcut": "no spaces", "text": "x", "csrf_token": csrf}
    bad = client.post("/console/replies", data=wrong)
    assert bad.status_code == 422 and "shortcut" in bad.text
    library = client.get("/console/replies").text
    assert "/hello" in library and "/order" in library and "/greeting" in library

    page = client.get(f"/console/cases/{case_id(client)}").text
    assert "&#34;shortcut&#34;: &#34;order&#34;" in page
    # filled from the brief where it can be; a field the case lacks stays for the agent to fill
    assert "Order ORD-12345 for Bob: {invoice}?" in page
    assert "Hi Bob, Ada here." in page

    alan = TestClient(app)
    alan_csrf = sign_in(alan, "alan@example.com")
    assert "<code>/order</code>" not in alan.get("/console/replies").text  # Ada's own
    with session_scope(app.state.session_factory) as session:
        from sqlalchemy import select

        from baton.store.tables import CannedReplyRow

        ada_reply = session.scalar(
            select(CannedReplyRow.id).where(CannedReplyRow.shortcut == "order")
        )
    gone = alan.post(f"/console/replies/{ada_reply}/delete", data={"csrf_token": alan_csrf})
    assert gone.status_code == 404
    deleted = client.post(f"/console/replies/{ada_reply}/delete", data={"csrf_token": csrf})
    assert deleted.status_code == 200 and "<code>/order</code>" not in deleted.text


def test_all_cases_searches_and_filters_what_the_agent_may_see(
    client: TestClient, app: FastAPI
) -> None:
    with session_scope(app.state.session_factory) as session:
        make_agent(session, "Bea Bills", queues=("billing",))
        fresh = open_case(
            session,
            "c-2",
            "human please, invoice INV-20931 is wrong",
            customer={"name": "Cy Vance", "email": "cy@example.com", "id": "cus-cy"},
            at=datetime.now(UTC),
        ).id
    csrf = sign_in(client, "ada@example.com")
    everything = client.get("/console/cases").text
    assert "ORD-12345" in everything and 'class="sla sla-' in everything  # SLA risk shown
    assert case_id(client) in everything
    by_customer = client.get("/console/cases", params={"q": "cy@example.com"}).text
    assert case_id(client) not in by_customer
    by_identifier = client.get("/console/cases", params={"q": "ord-12345"}).text
    assert case_id(client) in by_identifier
    by_text = client.get("/console/cases", params={"q": "talk to a human about"}).text
    assert case_id(client) in by_text
    assert case_id(client) not in client.get("/console/cases", params={"q": "100%_"}).text
    client.post(f"/console/cases/{case_id(client)}/accept", data={"csrf_token": csrf})
    unassigned = client.get("/console/cases", params={"agent": "none"}).text
    assert case_id(client) not in unassigned
    assert case_id(client) in client.get("/console/cases", params={"sla": "breached"}).text
    assert case_id(client) not in client.get("/console/cases", params={"status": "resolved"}).text
    bad = client.get("/console/cases", params={"sla": "soon"})
    assert bad.status_code == 422 and "sla" in bad.text

    bea = TestClient(app)
    sign_in(bea, "bea@example.com")  # billing only: Ada's support case is not hers to see
    assert case_id(client) not in bea.get("/console/cases", params={"q": "ORD-12345"}).text
    assert fresh in bea.get("/console/cases", params={"q": "Cy Vance"}).text
    assert fresh in bea.get("/console/cases", params={"sla": "any"}).text
    assert fresh not in bea.get("/console/cases", params={"sla": "breached"}).text


def resolve(client: TestClient, csrf: str, handoff_id: str) -> None:
    done = client.post(
        f"/console/cases/{handoff_id}/resolve",
        data={"code": "solved", "outcome": "resolved", "necessary": "yes", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


def test_a_follow_up_links_to_the_resolved_case_and_the_sidebar_shows_the_history(
    client: TestClient, app: FastAPI
) -> None:
    csrf = sign_in(client, "ada@example.com")
    first = case_id(client)
    assert "Open a follow-up" not in client.get(f"/console/cases/{first}").text
    client.post(f"/console/cases/{first}/accept", data={"csrf_token": csrf})
    resolve(client, csrf, first)
    assert "Open a follow-up" in client.get(f"/console/cases/{first}").text
    opened = client.post(
        f"/console/cases/{first}/follow-up", data={"csrf_token": csrf}, follow_redirects=False
    )
    assert opened.status_code == 303
    follow = opened.headers["location"].split("/console/cases/")[1].split("?")[0]
    assert follow != first
    with session_scope(app.state.session_factory) as session:
        row = session.get(HandoffRow, follow)
        old = session.get(HandoffRow, first)
        assert row is not None and old is not None
        assert (row.previous_handoff_id, row.status, row.queue) == (first, "active", old.queue)
        assert (old.status, row.episode) == ("resolved", old.episode + 1)  # never reopened
    page = client.get(opened.headers["location"]).text
    assert "You opened a follow-up" in page and f"the earlier case {first}" in page
    assert f'data-past="{first}"' in page and "this conversation, episode 1" in page
    again = client.post(f"/console/cases/{first}/follow-up", data={"csrf_token": csrf})
    assert again.status_code == 409  # the conversation has an open case
    resolve(client, csrf, follow)
    stale = client.post(f"/console/cases/{first}/follow-up", data={"csrf_token": csrf})
    assert stale.status_code == 409  # a later case exists: that one is followed up


def test_a_follow_up_is_refused_outside_the_window(client: TestClient, app: FastAPI) -> None:
    from datetime import timedelta

    csrf = sign_in(client, "ada@example.com")
    client.post(f"/console/cases/{case_id(client)}/accept", data={"csrf_token": csrf})
    resolve(client, csrf, case_id(client))
    with session_scope(app.state.session_factory) as session:
        from baton.store.tables import HandoffEventRow

        for event in session.query(HandoffEventRow).filter_by(handoff_id=case_id(client)):
            event.at = event.at - timedelta(hours=169)
    assert "Open a follow-up" not in client.get(f"/console/cases/{case_id(client)}").text
    late = client.post(f"/console/cases/{case_id(client)}/follow-up", data={"csrf_token": csrf})
    assert late.status_code == 409 and "168 hours" in late.text


def test_attachments_are_validated_and_shown_safely(client: TestClient, app: FastAPI) -> None:
    good = {"url": "https://files.example.com/a.png", "content_type": "image/png", "size": 10,
            "name": "a.png"}  # fmt: skip
    turn = {"turn_id": "b1", "role": "bot", "text": "files", "sent_at": "2026-11-24T10:01:00Z"}
    url = "/v1/conversations/c-1/turns"
    hostile = [
        {**good, "url": "javascript:alert(1)"},
        {**good, "url": 'https://x.example.com/"><script>'},
        {**good, "content_type": "image/svg+xml; charset=<b>"},
        {**good, "size": 10**12},
        {**good, "name": ""},
        {k: v for k, v in good.items() if k != "url"},
    ]
    for bad in hostile:
        answer = client.post(url, json={**turn, "attachments": [bad]})
        assert answer.status_code == 422, (bad, answer.text)
        assert answer.json()["error"]["field"].startswith("attachments"), answer.text
    assert client.post(url, json={**turn, "attachments": [good] * 11}).status_code == 422
    files = [
        good,
        {**good, "url": "https://files.example.com/x.svg", "content_type": "image/svg+xml",
         "name": "<img src=x onerror=alert(1)>.svg"},
        {**good, "url": "https://files.example.com/x.html", "content_type": "text/html",
         "name": "x.html"},
    ]  # fmt: skip
    assert client.post(url, json={**turn, "attachments": files}).status_code == 200

    csrf = sign_in(client, "ada@example.com")
    page = client.get(f"/console/cases/{case_id(client)}")
    assert "img-src 'self' data: https: http:" in page.headers["content-security-policy"]
    images = [a for t, a in markup(page.text) if t == "img"]
    assert images == [
        {
            "class": "attachment-image",
            "src": "https://files.example.com/a.png",
            "alt": "a.png",
            "loading": "lazy",
            "referrerpolicy": "no-referrer",
        }
    ]
    assert "&lt;img src=x onerror=alert(1)&gt;.svg" in page.text
    assert 'href="https://files.example.com/x.html"' in page.text

    sent = client.post(
        f"/console/cases/{case_id(client)}/reply",
        data={"text": "here", "attachment_url": "https://files.example.com/guide.pdf",
              "csrf_token": csrf},
    )  # fmt: skip
    assert sent.status_code == 200
    with session_scope(app.state.session_factory) as session:
        said = repo.list_conversation_events(
            session=session, tenant_id="default", conversation_id="c-1"
        )
    (message,) = [e.data for e in said if e.type == "handoff.message"]
    assert message["attachments"] == [
        {"url": "https://files.example.com/guide.pdf", "content_type": "application/pdf",
         "size": None, "name": "guide.pdf"}
    ]  # fmt: skip
    refused = client.post(
        f"/console/cases/{case_id(client)}/reply",
        data={"text": "x", "attachment_url": "ftp://files.example.com/a", "csrf_token": csrf},
    )
    assert refused.status_code == 422 and "url is not valid" in refused.text


def test_typing_and_viewing_signals(client: TestClient, app: FastAPI) -> None:
    from baton.desk import signals

    typed = client.post("/v1/conversations/c-1/typing")
    assert typed.status_code == 202 and typed.json() == {"typing": True}
    assert client.post("/v1/conversations/nobody/typing").status_code == 404
    csrf = sign_in(client, "ada@example.com")
    here = f"/console/cases/{case_id(client)}/presence"
    assert client.post(here, data={"typing": "0", "csrf_token": csrf}).status_code == 204
    assert client.post(here, data={"typing": "2", "csrf_token": csrf}).status_code == 422
    alan = TestClient(app)
    alan_csrf = sign_in(alan, "alan@example.com")
    alan.post(f"/console/cases/{case_id(client)}/accept", data={"csrf_token": alan_csrf})
    assert alan.post(here, data={"typing": "1", "csrf_token": alan_csrf}).status_code == 204
    assert alan.post(here, data={"typing": "1", "csrf_token": alan_csrf}).status_code == 204
    with session_scope(app.state.session_factory) as session:
        row = session.get(HandoffRow, case_id(client))
        assert row is not None
        now = datetime.now(UTC)
        viewers, customer = signals.on_case(
            session=session, handoff=row, me=row.agent_id or "", now=now
        )
        assert customer is True and [v.typing for v in viewers] == [False]  # Ada, viewing
        said = repo.list_conversation_events(
            session=session, tenant_id="default", conversation_id="c-1"
        )
        assert [e.type for e in said].count("agent.typing") == 1  # throttled
        later = now + signals.VIEWING + signals.VIEWING
        assert signals.on_case(session=session, handoff=row, me="x", now=later) == ([], False)
