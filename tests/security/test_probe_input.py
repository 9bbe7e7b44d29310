"""Probe rows 3 and 8 over HTTP: what reaches an e-mail header, NUL anywhere, the text unit,
CSAT's type and state, agent e-mail, `X-Frame-Options`, and the summary's source."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from baton.api.app import create_app
from baton.config import Settings
from baton.desk import agents, service
from baton.errors import InvalidRequest
from baton.policy import default_policy
from baton.store.db import session_scope
from baton.store.tables import DEFAULT_TENANT, HandoffRow, OutboxRow
from baton.transfer.email import Email, MemoryMailer
from baton.transfer.outbox import Worker
from baton.transfer.transport import RecordingTransport
from tests.api.conftest import authorized
from tests.console.helpers import sign_in
from tests.factories.desk import later, make_agent, open_case

TEAM = "team@example.com"


def _turn(**extra: Any) -> dict[str, Any]:
    return {
        "turn_id": "t1",
        "role": "user",
        "text": "Get me a human please, I was charged twice",
        "sent_at": "2026-11-24T10:00:00Z",
        **extra,
    }


@pytest.fixture
def api(settings: Settings) -> Any:
    with authorized(create_app(settings.model_copy(update={"team_email": TEAM}))) as client:
        yield client


def test_crlf_in_the_bots_intent_never_reaches_a_header(api: TestClient) -> None:
    hostile = "billing\r\nBcc: everyone@evil.example\r\n\r\nHi"
    answer = api.post(
        "/v1/conversations/c-crlf/turns",
        json=_turn(
            bot={"intent": hostile, "confidence": 0.2},
            customer={"email": "jane@example.com", "name": "Jane", "authenticated": True},
        ),
    )
    assert answer.status_code == 200, answer.text
    mailer = MemoryMailer()
    worker = Worker(
        factory=api.app.state.session_factory,  # type: ignore[attr-defined]
        transport=RecordingTransport(),
        mailer=mailer,
        sender="support@example.com",
        team_email=TEAM,
    )
    worker.run_once(now=datetime.now(UTC))
    with session_scope(api.app.state.session_factory) as s:  # type: ignore[attr-defined]
        mails = list(s.scalars(select(OutboxRow).where(OutboxRow.kind == "email")))
    assert mails and all(m.status == "delivered" for m in mails), [m.last_error for m in mails]
    for message in mailer.sent:
        for name, value in message.items():
            assert "\r" not in value and "\n" not in value, (name, value)
        assert "Bcc" not in message
    assert any(m["To"] == TEAM for m in mailer.sent)


def test_a_stored_message_with_a_line_break_in_its_subject_still_sends() -> None:
    stored = Email(to=("a@example.com\r\n",), subject="x\r\nBcc: b@evil.example", text="t",
                   message_id="<m@baton.local>")  # fmt: skip
    message = stored.to_message("support@example.com")
    assert message["Subject"] == "x Bcc: b@evil.example" and "Bcc" not in message
    assert message["To"] == "a@example.com"


@pytest.mark.parametrize(
    ("where", "extra"),
    [
        ("customer.name", {"customer": {"name": "Jane\u0000"}}),
        ("customer.email", {"customer": {"email": "j\u0000@example.com"}}),
        ("bot.intent", {"bot": {"intent": "bill\u0000ing"}}),
        ("metadata.note", {"metadata": {"note": "a\u0000b"}}),
        ("metadata.deep.0", {"metadata": {"deep": ["x\u0000"]}}),
    ],
)
def test_nul_is_refused_in_every_string_field(
    api: TestClient, where: str, extra: dict[str, Any]
) -> None:
    r = api.post("/v1/conversations/c-nul/turns", json=_turn(**extra))
    assert r.status_code == 422, r.text
    assert r.json()["error"] == {
        "code": "invalid_value",
        "message": "text must not contain NUL (\\u0000) characters",
        "field": where,
    }
    assert api.get("/v1/conversations/c-nul/events", params={"after": "0"}).status_code in (
        404,
        200,
    )


def test_nul_in_a_key_a_query_or_a_path_is_refused(api: TestClient) -> None:
    key = api.post("/v1/conversations/c-nul/turns", json=_turn(metadata={"a\u0000": 1}))
    assert (key.status_code, key.json()["error"]["code"]) == (422, "invalid_value")
    query = api.get("/v1/handoffs", params={"queue": "sup\u0000port"})
    assert (query.status_code, query.json()["error"]["field"]) == (422, "queue")
    path = api.post("/v1/conversations/c%00x/turns", json=_turn())
    assert path.status_code == 422


def test_an_escaped_backslash_u0000_is_text_not_a_nul(api: TestClient) -> None:
    r = api.post("/v1/conversations/c-esc/turns", json=_turn(text="a literal \\u0000 is fine"))
    assert r.status_code == 200, r.text


def test_the_text_limit_is_characters_whatever_their_bytes(api: TestClient) -> None:
    wide = "é" * 16_384  # 32 KiB of UTF-8: within the limit, which counts characters
    ok = api.post("/v1/conversations/c-wide/turns", json=_turn(text=wide))
    assert ok.status_code == 200, ok.text
    over = api.post("/v1/conversations/c-wide2/turns", json=_turn(text="a" * 16_385))
    assert over.status_code == 422
    assert "16384 characters" in over.json()["error"]["message"]


def _resolved_and_queued(api: TestClient) -> tuple[str, str]:
    policy = default_policy()
    with session_scope(api.app.state.session_factory) as s:  # type: ignore[attr-defined]
        ada = make_agent(s)
        done, waiting = open_case(s, "c-done"), open_case(s, "c-wait")
        service.accept(session=s, handoff_id=done.id, agent=ada, now=later(1))
        service.resolve(
            session=s,
            handoff_id=done.id,
            agent=ada,
            policy=policy,
            code=policy.desk.resolution_codes[0],
            outcome=service.Outcome.RESOLVED,
            necessary=True,
            now=later(2),
        )
        return done.id, waiting.id


def test_csat_is_a_json_integer_on_a_resolved_case_only(api: TestClient) -> None:
    done, waiting = _resolved_and_queued(api)
    text = api.post(f"/v1/handoffs/{done}/csat", json={"score": "5"})
    assert (text.status_code, text.json()["error"]["field"]) == (422, "score")
    fraction = api.post(f"/v1/handoffs/{done}/csat", json={"score": 4.0})
    assert fraction.status_code == 422
    queued = api.post(f"/v1/handoffs/{waiting}/csat", json={"score": 5})
    assert (queued.status_code, queued.json()["error"]["code"]) == (409, "illegal_transition")
    ok = api.post(f"/v1/handoffs/{done}/csat", json={"score": 5})
    assert ok.status_code == 200 and ok.json()["csat"] == 5
    with session_scope(api.app.state.session_factory) as s:  # type: ignore[attr-defined]
        assert s.get(HandoffRow, waiting) is not None
        assert s.get(HandoffRow, waiting).csat is None  # type: ignore[union-attr]


@pytest.mark.parametrize("email", ["a@", "@example.com", "a b@example.com", "a@example..com"])
def test_an_agent_email_must_be_an_address(session: Any, email: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        agents.create(
            session=session,
            tenant_id=DEFAULT_TENANT,
            email=email,
            name="X",
            password="long enough password",
            role=agents.AgentRole.AGENT,
            queues=(),
            actor="test",
            now=datetime(2026, 11, 24, tzinfo=UTC),
        )
    assert caught.value.field == "email"


def test_the_console_form_refuses_a_bad_agent_email(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"require_api_key": False}))
    with TestClient(app) as client:
        with session_scope(app.state.session_factory) as s:
            make_agent(s, "Root Admin", queues=(), role=agents.AgentRole.ADMIN)
        csrf = sign_in(client, "root@example.com")
        form = {"email": "a@", "name": "A", "password": "long enough password", "csrf_token": csrf}
        r = client.post("/console/agents", data=form, follow_redirects=False)
        assert r.status_code == 422
        assert "a@" not in client.get("/console/agents").text.split("</form>")[-1]


def test_x_frame_options_is_sent_as_the_docs_say(api: TestClient) -> None:
    for path in ("/console/login", "/v1/health", "/healthz"):
        r = api.get(path)
        if r.status_code != 404:
            assert r.headers["x-frame-options"] == "DENY", path


def test_the_console_says_when_the_summary_came_from_an_llm(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"require_api_key": False}))
    with TestClient(app) as client:
        with session_scope(app.state.session_factory) as s:
            make_agent(s)
            llm, plain = open_case(s, "c-llm"), open_case(s, "c-plain")
            llm.brief = {**llm.brief, "summary_source": "llm"}
            ids = llm.id, plain.id
        sign_in(client, "ada@example.com")
        by_llm = client.get(f"/console/cases/{ids[0]}").text
        by_words = client.get(f"/console/cases/{ids[1]}").text
    assert "written by a language model" in by_llm
    assert "written by a language model" not in by_words
    assert "customer's own words" in by_words
