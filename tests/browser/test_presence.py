"""Presence in a real chromium on a controllable clock: an agent who closes the console goes away
and their offered case moves on; a silent accepted case is re-offered."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from baton.api.app import create_app
from baton.api.deps import utcnow
from baton.config import Settings
from baton.desk import worker
from baton.store import repositories as repo
from baton.store.db import session_scope
from baton.store.tables import AgentRow, ConsoleConnectionRow, HandoffRow
from tests.browser.console_flow import QUEUES, say, sign_in
from tests.conftest import LiveServer
from tests.factories.desk import make_agent
from tests.route.workers import wait_for

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@contextmanager
def floor(settings: Settings) -> Iterator[tuple[LiveServer, FastAPI, Clock]]:
    clock = Clock()
    app = create_app(settings.model_copy(update={"require_api_key": False}), demo=True)
    app.dependency_overrides[utcnow] = lambda: clock.now
    with LiveServer(app) as server:
        with session_scope(app.state.session_factory) as session:
            make_agent(session, "Ada Lovelace", queues=QUEUES)
            make_agent(session, "Grace Hopper", queues=QUEUES)
        yield server, app, clock


def tick(app: FastAPI, clock: Clock) -> worker.TickResult:
    return worker.tick(
        factory=app.state.session_factory,
        policy=app.state.runtime.policy,
        name="w",
        clock=lambda: clock.now,
    )


def case(app: FastAPI, handoff_id: str) -> HandoffRow:
    with session_scope(app.state.session_factory) as session:
        row = session.get(HandoffRow, handoff_id)
        assert row is not None
        session.expunge(row)
        return row


def agent_id(app: FastAPI, email: str) -> str:
    with session_scope(app.state.session_factory) as session:
        return str(session.scalars(select(AgentRow.id).where(AgentRow.email == email)).one())


def console_closed(app: FastAPI, agent: str) -> bool:
    with session_scope(app.state.session_factory) as session:
        open_ = session.scalars(
            select(ConsoleConnectionRow.id).where(
                ConsoleConnectionRow.agent_id == agent, ConsoleConnectionRow.closed_at.is_(None)
            )
        ).all()
        return not open_


def test_a_closed_console_goes_away_and_a_silent_case_is_reoffered(
    page: Page, browser: Browser, settings: Settings
) -> None:
    grace_context = browser.new_context(viewport={"width": 1280, "height": 800})
    grace = grace_context.new_page()
    with floor(settings) as (server, app, clock):
        ada_id, grace_id = agent_id(app, "ada@example.com"), agent_id(app, "grace@example.com")
        sign_in(page, server)
        sign_in(grace, server, "grace@example.com")
        first = say(server, "p-1", "t1", "get me a human about order ORD-55501")["handoff"]["id"]
        assert tick(app, clock).assigned == 1
        holder = case(app, first).agent_id
        assert holder in (ada_id, grace_id)
        leaving, staying = (grace, page) if holder == grace_id else (page, grace)
        stays = ada_id if holder == grace_id else grace_id

        leaving.context.close()  # the agent who was offered the case closes the console
        wait_for(
            lambda: console_closed(app, holder or ""),
            timeout=30,
            what="the closed console's stream ended",
        )
        limit = app.state.runtime.policy.lifecycle.away_after_disconnect_seconds
        clock.advance(limit + 1)
        result = tick(app, clock)
        assert (result.away, result.assigned) == (1, 1)
        moved = case(app, first)
        assert (moved.status, moved.agent_id) == ("assigned", stays)
        expect(staying.locator(f'tr[data-handoff="{first}"]')).to_be_visible(timeout=30_000)

        # The one left accepts it and then says nothing: the case goes back to its queue.
        staying.locator(f'tr[data-handoff="{first}"]').get_by_role("link").click()
        staying.get_by_role("button", name="Accept", exact=True).click()
        expect(staying.locator("#case-status")).to_have_text("active")
        silent = app.state.runtime.policy.lifecycle.reoffer_after_silent_seconds
        clock.advance(silent + 1)
        assert tick(app, clock).reassigned == 1
        # Nobody else is online: the case is back in the queue and offered again, the silent
        # agent ranked last (as after a decline), so it is an offer to accept anew.
        expect(staying.locator("#case-status")).not_to_have_text("active", timeout=30_000)
        back = case(app, first)
        assert back.status in ("queued", "assigned")
        with session_scope(app.state.session_factory) as session:
            logged = [e.type for e in repo.list_handoff_events(session=session, handoff_id=first)]
        assert logged[-2:] in (["accepted", "reassigned"], ["reassigned", "assigned"])
        staying.goto("about:blank")
    if not grace.is_closed():
        grace_context.close()
