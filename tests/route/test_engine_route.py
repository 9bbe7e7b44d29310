"""A turn that escalates leaves a queued case with its order and SLA clocks; a worker pass offers
it to an agent; the customer's next message is logged against the running clocks. Both engines.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from baton.api.app import create_app
from baton.config import Settings
from baton.desk.timers import list_clocks
from baton.desk.worker import tick
from baton.policy import default_policy
from baton.store.tables import HandoffRow
from tests.factories.route import add_agent

SENT = "2026-11-24T10:00:00Z"


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    settings = settings.model_copy(update={"require_api_key": False})
    with TestClient(create_app(settings)) as c:
        yield c


def test_escalation_is_queued_timed_and_assigned(client: TestClient) -> None:
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    with factory() as session:
        add_agent(
            session,
            agent_id="ann",
            queues=("support",),
            now=datetime(2026, 11, 24, tzinfo=UTC),
        )
        session.commit()
    turn = {"turn_id": "t1", "role": "user", "text": "I want to talk to a human", "sent_at": SENT}
    body = client.post("/v1/conversations/c1/turns", json=turn).json()
    handoff_id = body["handoff"]["id"]
    with factory() as session:
        row = session.get(HandoffRow, handoff_id)
        assert row is not None and row.status == "queued" and row.queue_key is not None
        clocks = {c.kind: c.breach_due for c in list_clocks(session=session, handoff_id=row.id)}
        assert clocks["first_response"] == row.first_response_due
        assert set(clocks) == {"first_response", "resolution"}
    result = tick(factory=factory, policy=default_policy(), name="test-worker")
    assert result.assigned == 1
    more = {"turn_id": "t2", "role": "user", "text": "are you there?", "sent_at": SENT}
    assert client.post("/v1/conversations/c1/turns", json=more).status_code == 200
    with factory() as session:
        row = session.scalars(select(HandoffRow)).one()
        assert (row.status, row.agent_id) == ("assigned", "ann")
