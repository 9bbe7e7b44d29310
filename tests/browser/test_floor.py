"""The supervisors' floor in a real chromium: a new case and an SLA warning appear live, and the
case is reassigned from there (controllable clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select

from baton.config import Settings
from baton.desk.agents import AgentRole
from baton.store.db import session_scope
from baton.store.tables import SlaTimerRow
from tests.browser.console_flow import say, sign_in
from tests.browser.test_presence import agent_id, case, floor, tick
from tests.factories.desk import make_agent

pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]


def test_the_floor_shows_a_new_case_and_a_warning_live_and_reassigns_it(
    page: Page, settings: Settings
) -> None:
    with floor(settings) as (server, app, clock):
        with session_scope(app.state.session_factory) as session:
            make_agent(session, "Mary Jackson", role=AgentRole.SUPERVISOR, queues=())
        sign_in(page, server, "mary@example.com")
        page.get_by_role("link", name="Floor").click()
        expect(page.get_by_role("heading", name="Floor")).to_be_visible()
        expect(page.locator("#stream-state")).to_contain_text("Live")
        support = page.locator('tr[data-queue="support"] .backlog')
        expect(support).to_have_text("0")

        handoff_id = say(server, "f-1", "t1", "get me a human please")["handoff"]["id"]
        expect(support).to_have_text(
            "1", timeout=30_000
        )  # no reload: the stream said a case arrived

        with session_scope(app.state.session_factory) as session:
            timer = session.scalars(
                select(SlaTimerRow).where(
                    SlaTimerRow.handoff_id == handoff_id, SlaTimerRow.kind == "first_response"
                )
            ).one()
            # The default queue's clock may count business hours: warn a minute from now instead,
            # well before any customer-silence timeout.
            timer.warn_due = timer.due_at = clock.now + timedelta(seconds=60)
        clock.advance(61)
        assert tick(app, clock).fired >= 1
        row = page.locator(f'.floor-risk tr[data-handoff="{handoff_id}"]')
        expect(row).to_contain_text("SLA warning", timeout=30_000)
        expect(page.locator("#live")).to_contain_text("SLA warning in support")

        ada = agent_id(app, "ada@example.com")
        row.get_by_label("Reassign").select_option(ada)
        row.get_by_role("button", name="Reassign").click()
        expect(page.get_by_role("status").filter(has_text="reassigned")).to_be_visible()
        moved = case(app, handoff_id)
        assert (moved.status, moved.agent_id) == ("assigned", ada)
        expect(page.locator(f'.floor-risk tr[data-handoff="{handoff_id}"]')).to_contain_text(
            "Ada", timeout=30_000
        )
        page.goto("about:blank")
