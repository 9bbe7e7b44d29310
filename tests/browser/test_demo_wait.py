"""The demo customer's one status line follows the queue: their place and wait, from the
`handoff.wait_updated` events the worker publishes as the queue moves (controllable clock)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from baton.config import Settings
from baton.desk import service
from baton.store.db import session_scope
from baton.store.tables import AgentRow
from tests.browser.console_flow import say
from tests.browser.test_presence import floor, tick

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


def test_the_waiting_customer_sees_their_place_change(page: Page, settings: Settings) -> None:
    with floor(settings) as (server, app, clock):
        ahead = say(server, "w-1", "t1", "get me a human please")["handoff"]["id"]
        page.goto(f"{server.url}/demo")
        page.get_by_label("Your message").fill("get me a human")
        page.get_by_role("button", name="Send").click()
        status = page.get_by_role("status")
        expect(status).to_contain_text("Handed to the")
        clock.advance(1)
        tick(app, clock)
        expect(status).to_contain_text("You're number 2 in the queue", timeout=30_000)

        with session_scope(app.state.session_factory) as session:
            ada = session.query(AgentRow).filter(AgentRow.email == "ada@example.com").one()
            service.accept(session=session, handoff_id=ahead, agent=ada, now=clock.now)
        clock.advance(10)
        tick(app, clock)
        expect(status).to_contain_text("You're next", timeout=30_000)
        assert page.locator(".log li").filter(has_text="You're next").count() == 0
        page.goto("about:blank")
