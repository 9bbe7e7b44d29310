"""Probe row 10: erasure and export of one customer, and the retention job.

After `DELETE /v1/customers/{id}` a scan of every table of the store (briefs, tickets, events,
outbox payloads, webhook bodies, the audit log...) finds none of the customer's words or
identifiers, on SQLite and PostgreSQL, and the KPIs of the period are what they were. All the
people and numbers here are synthetic.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select, text

from baton.api.app import create_app
from baton.config import Settings
from baton.desk import service
from baton.policy import default_policy
from baton.privacy import apply_retention
from baton.store.db import session_scope
from baton.store.tables import DEFAULT_TENANT, AgentRow, Base, ConversationRow
from baton.transfer.email import MemoryMailer
from baton.transfer.outbox import Worker
from baton.transfer.transport import RecordingTransport
from tests.api.conftest import authorized
from tests.factories.desk import make_agent
from tests.factories.transfer import LOOPBACK

ERASE = {"id": "cus_synthetic_erase_42", "email": "erin.erasmus@example.com",
         "name": "Erin Erasmus", "phone": "+44 20 7946 0958", "authenticated": True}  # fmt: skip
KEEP = {"id": "cus_synthetic_keep_7", "email": "kim.keep@example.com", "name": "Kim Keep"}
SAID = "My parcel ZX-778899 arrived smashed, get me a human now"
NEEDLES = ("cus_synthetic_erase_42", "erin.erasmus", "Erasmus", "ZX-778899", "smashed",
           "7946", "Thanks Erin")  # fmt: skip


def _turn(conversation: str, customer: dict[str, Any], words: str) -> dict[str, Any]:
    return {"turn_id": f"{conversation}-1", "role": "user", "text": words,
            "sent_at": datetime.now(UTC).isoformat(), "customer": customer,
            "metadata": {"crm_note": f"VIP {customer['name']}"}}  # fmt: skip


def _worker(api: TestClient) -> Worker:
    return Worker(factory=api.app.state.session_factory, transport=RecordingTransport(),  # type: ignore[attr-defined]
                  mailer=MemoryMailer(), team_email="team@example.com")  # fmt: skip


def _work_the_case(api: TestClient, conversation: str, csat: int) -> None:
    """An agent accepts, replies with the customer's name, resolves; the customer rates."""
    factory = api.app.state.session_factory  # type: ignore[attr-defined]
    now, policy = datetime.now(UTC), default_policy()
    with session_scope(factory) as s:
        ada = s.scalars(select(AgentRow)).first() or make_agent(s)
        (handoff,) = service_handoffs(s, conversation)
        service.accept(session=s, handoff_id=handoff, agent=ada, now=now)
        service.reply(session=s, handoff_id=handoff, agent=ada, now=now,
                      text=f"Thanks {_first(conversation)}, I see order ZX-778899" if conversation
                      == "c-erase" else "Thanks, looking now")  # fmt: skip
        service.resolve(session=s, handoff_id=handoff, agent=ada, policy=policy, now=now,
                        code=policy.desk.resolution_codes[0], outcome=service.Outcome.RESOLVED,
                        necessary=True, note=f"refunded {conversation}")  # fmt: skip
    assert api.post(f"/v1/handoffs/{handoff}/csat", json={"score": csat}).status_code == 200


def _first(conversation: str) -> str:
    return "Erin" if conversation == "c-erase" else "Kim"


def service_handoffs(session: Any, conversation: str) -> list[str]:
    from baton.store.tables import HandoffRow

    return list(session.scalars(select(HandoffRow.id).where(
        HandoffRow.conversation_id == conversation)))  # fmt: skip


def _scan(api: TestClient) -> dict[str, list[str]]:
    """Every needle found anywhere in the store, by table."""
    found: dict[str, list[str]] = {}
    with api.app.state.session_factory() as s:  # type: ignore[attr-defined]
        for table in Base.metadata.sorted_tables:
            for row in s.execute(select(table)).all():
                blob = json.dumps([str(v) if not isinstance(v, dict | list) else v for v in row],
                                  ensure_ascii=False, default=str)  # fmt: skip
                hits = [n for n in NEEDLES if n.lower() in blob.lower()]
                if hits:
                    found.setdefault(table.name, []).extend(hits)
        if s.get_bind().dialect.name == "sqlite":
            for (name,) in s.execute(text("SELECT name FROM sqlite_master WHERE type='table'")):
                if name.startswith("kb_articles_fts"):
                    for row in s.execute(text(f'SELECT * FROM "{name}"')):
                        if any(n.lower() in str(row).lower() for n in NEEDLES):
                            found.setdefault(name, []).append(str(row))
    return found


def _kpis(api: TestClient) -> dict[str, Any]:
    day = datetime.now(UTC).date()
    params = {"since": str(day - timedelta(days=1)), "until": str(day + timedelta(days=2))}
    r = api.get("/v1/analytics/kpis", params=params)
    assert r.status_code == 200, r.text
    return dict(r.json())


def test_erasure_leaves_no_trace_and_the_kpis_unchanged(settings: Settings) -> None:
    app = create_app(
        settings.model_copy(
            update={"team_email": "team@example.com", "webhook_allow_private": LOOPBACK}
        )
    )
    with authorized(app) as api:
        hook = api.post("/v1/webhooks/endpoints", json={"url": "http://127.0.0.1:9/hook"})
        assert hook.status_code == 201
        for conversation, customer in (("c-erase", ERASE), ("c-keep", KEEP)):
            said = SAID if customer is ERASE else "Get me a human about my invoice please"
            r = api.post(f"/v1/conversations/{conversation}/turns",
                         json=_turn(conversation, customer, said))  # fmt: skip
            assert r.status_code == 200 and r.json()["handoff"], r.text
        # The bot's note is logged with the handoff call (`handoff_calls`, for replay) too.
        r = api.post("/v1/conversations/c-erase/handoff", json={"note": "ZX-778899 smashed"})
        assert r.status_code == 200, r.text
        _worker(api).run_once(now=datetime.now(UTC))
        _work_the_case(api, "c-erase", 2)
        _work_the_case(api, "c-keep", 5)
        _worker(api).run_once(now=datetime.now(UTC))
        assert set(_scan(api)) >= {"turns", "conversations", "handoffs", "outbox", "handoff_calls"}
        exported = api.get(f"/v1/customers/{ERASE['id']}/export")
        assert exported.status_code == 200
        dump = json.dumps(exported.json())
        assert SAID in dump and ERASE["email"] in dump and KEEP["email"] not in dump
        before = _kpis(api)

        erased = api.delete(f"/v1/customers/{ERASE['id']}")
        assert erased.status_code == 200, erased.text
        assert erased.json()["conversations"] == 1 and erased.json()["turns"] >= 2

        assert _scan(api) == {}
        assert _kpis(api)["overall"] == before["overall"]
        assert api.get(f"/v1/customers/{KEEP['id']}/export").json()["conversations"][0]["turns"]
        again = api.get(f"/v1/customers/{ERASE['id']}/export").json()
        assert again["conversations"] == []
        with api.app.state.session_factory() as s:  # type: ignore[attr-defined]
            from baton.store.audit import list_audit

            actions = {
                r.action
                for r in list_audit(session=s, tenant_id=DEFAULT_TENANT, action="customer.")
            }
        assert actions == {"customer.exported", "customer.erased"}


def test_retention_erases_idle_conversations_only(settings: Settings) -> None:
    policy = default_policy().model_copy(
        update={"retention": default_policy().retention.model_copy(update={"days": 30})}
    )
    with authorized(create_app(settings)) as api:
        for conversation, customer in (("c-erase", ERASE), ("c-keep", KEEP)):
            r = api.post(f"/v1/conversations/{conversation}/turns",
                         json=_turn(conversation, customer, "just browsing"))  # fmt: skip
            assert r.status_code == 200
        factory = api.app.state.session_factory  # type: ignore[attr-defined]
        with session_scope(factory) as s:
            old = s.get(ConversationRow, (DEFAULT_TENANT, "c-erase"))
            assert old is not None
            old.updated_at = datetime.now(UTC) - timedelta(days=31)
        with session_scope(factory) as s:
            done = apply_retention(session=s, policy=policy, now=datetime.now(UTC), actor="test")
        assert done.conversations == 1
        assert api.get(f"/v1/customers/{ERASE['id']}/export").json()["conversations"] == []
        kept = api.get(f"/v1/customers/{KEEP['id']}/export").json()["conversations"]
        assert kept and kept[0]["turns"]
        assert {n for n in NEEDLES if any(n in v for v in _scan(api).get("turns", []))} == set()
