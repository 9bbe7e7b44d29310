from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from baton.api.app import create_app
from baton.config import Settings
from baton.store import repositories as repo
from baton.store.db import session_scope
from baton.store.tables import (
    DEFAULT_TENANT,
    ConversationEventRow,
    ConversationRow,
    HandoffEventRow,
    HandoffRow,
    OutboxRow,
    TurnRow,
)

ALL_TABLES = (
    ConversationRow,
    TurnRow,
    HandoffRow,
    HandoffEventRow,
    ConversationEventRow,
    OutboxRow,
)


@contextmanager
def authorized(app: FastAPI) -> Iterator[TestClient]:
    """A started app and a client carrying a real API key in its Authorization header."""
    with TestClient(app) as client:
        with session_scope(client.app.state.session_factory) as session:  # type: ignore[attr-defined]
            key = repo.create_api_key(
                tenant_id=DEFAULT_TENANT,
                scopes="bot,read,admin",
                session=session,
                name="test-bot",
                now=datetime.now(UTC),
            )
        client.headers["Authorization"] = f"Bearer {key}"
        yield client


@pytest.fixture
def api(settings: Settings) -> Iterator[TestClient]:
    with authorized(create_app(settings)) as client:
        yield client


def row_counts(client: TestClient) -> dict[str, int]:
    with client.app.state.session_factory() as s:  # type: ignore[attr-defined]
        return {
            t.__tablename__: int(s.scalar(select(func.count()).select_from(t)) or 0)
            for t in ALL_TABLES
        }
