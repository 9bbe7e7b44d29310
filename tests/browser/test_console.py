"""The agent console in a real chromium: a case arrives live, is accepted, answered and resolved."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi import FastAPI
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from baton.config import Settings
from baton.lifecycle import EventType
from baton.store import repositories as repo
from baton.store.db import session_scope
from baton.store.tables import DEFAULT_TENANT, HandoffRow, OutboxRow
from tests.browser.console_flow import CustomerEvents, live_console, say, sign_in

pytestmark = pytest.mark.browser

HOSTILE = (
    "<script>document.title='pwned'</script> <img src=x onerror=\"document.title='pwned'\"> "
    '<a href="javascript:alert(1)">link</a>'
)


def stored(app: FastAPI, handoff_id: str) -> tuple[HandoffRow, list[tuple[str, datetime]], list]:
    with session_scope(app.state.session_factory) as session:
        row = session.get(HandoffRow, handoff_id)
        assert row is not None
        events = [
            (e.type, e.at) for e in repo.list_handoff_events(session=session, handoff_id=row.id)
        ]
        said = repo.list_conversation_events(
            tenant_id=DEFAULT_TENANT, session=session, conversation_id=row.conversation_id
        )
        topics = list(session.scalars(select(OutboxRow.topic).order_by(OutboxRow.id)))
        return row, events, [(c.type, c.data) for c in said] + [("outbox", topics)]


def test_demo_customer_and_console_agent_end_to_end(
    page: Page, browser: Browser, settings: Settings, artifacts: Path
) -> None:
    """A customer on /demo asks for a person; Ada sees it live, accepts, replies, resolves."""
    customer_context = browser.new_context(viewport={"width": 1280, "height": 800})
    customer = customer_context.new_page()
    customer_errors: list[str] = []
    customer.on("pageerror", lambda exc: customer_errors.append(str(exc)))
    with live_console(settings) as (server, app):
        sign_in(page, server)
        customer.goto(f"{server.url}/demo")
        customer.get_by_label("Your message").fill(
            "I want to talk to a human about my order ORD-12345"
        )
        customer.get_by_role("button", name="Send").click()
        expect(customer.get_by_role("status")).to_contain_text("Handed to the")

        row = page.locator("#lists tr[data-handoff]").first
        expect(row).to_contain_text("ORD-12345")  # arrived without a reload
        handoff_id = row.get_attribute("data-handoff")
        assert handoff_id is not None
        row.get_by_role("link").click()
        expect(page.locator(".brief")).to_contain_text("Asked for a person")
        expect(page.locator(".brief")).to_contain_text("ORD-12345")
        page.get_by_role("button", name="Accept", exact=True).click()
        expect(page.locator("#case-status")).to_have_text("active")
        expect(customer.get_by_role("status")).to_contain_text("Ada has joined")

        customer.get_by_label("Your message").fill("Thanks, it was charged twice")
        customer.get_by_role("button", name="Send").click()
        expect(page.locator("#transcript .role-user").last).to_contain_text("charged twice")

        page.get_by_label("Message to the customer").fill("I see both charges; refunding one now.")
        page.get_by_role("button", name="Send reply").click()
        expect(customer.locator(".log .agent").last).to_contain_text("refunding one now")
        customer.screenshot(path=str(artifacts / "demo-customer-reply.png"))

        page.get_by_label("Resolution code").select_option("refund_issued")
        page.get_by_label("resolved", exact=True).check()
        page.get_by_label("Yes, it needed a person").check()
        page.get_by_role("button", name="Resolve case").click()
        expect(page.locator("#case-status")).to_have_text("resolved")
        expect(customer.get_by_role("status")).to_contain_text("resolved")
        customer_context.close()
        page.goto("about:blank")

        handoff, events, said = stored(app, handoff_id)
        assert (handoff.status, handoff.resolution_code, handoff.outcome, handoff.necessary) == (
            "resolved",
            "refund_issued",
            "resolved",
            True,
        )
        assert [t for t, _ in events] == [
            "created",
            "assigned",
            "accepted",
            "customer_message",
            "replied",
            "resolved",
            "labelled",
        ]
        times = [at for _, at in events]
        assert times == sorted(times) and handoff.created_at == times[0]
        replies = [d for k, d in said if k == "handoff.message"]
        assert [d["text"] for d in replies] == ["I see both charges; refunding one now."]
    assert customer_errors == []


def test_the_bot_side_hears_every_action(page: Page, settings: Settings, artifacts: Path) -> None:
    with live_console(settings) as (server, app):
        sign_in(page, server)
        expect(page.get_by_text("No case is waiting.")).to_be_visible()

        first = say(
            server,
            "e2e-1",
            "t1",
            "I want to talk to a human about my order ORD-12345",
            customer={"name": "Bob Stone", "email": "bob@example.com", "tier": "pro"},
        )
        handoff_id = first["handoff"]["id"]
        row = page.locator(f'tr[data-handoff="{handoff_id}"]')
        expect(row).to_be_visible()  # no reload: the inbox stream brought it
        expect(row).to_contain_text("Asked for a person")
        expect(row.locator("time.sla")).to_contain_text("left")
        queue = first["handoff"]["queue"]
        expect(page.locator("#live")).to_contain_text(f"New case waiting in {queue}")
        page.screenshot(path=str(artifacts / "console-inbox.png"), full_page=True)

        with CustomerEvents(server, "e2e-1") as customer:
            row.get_by_role("link").click()
            expect(page.get_by_role("heading", name="Brief")).to_be_visible()
            expect(page.locator(".brief")).to_contain_text("ORD-12345")
            expect(page.locator(".nba")).not_to_be_empty()
            page.get_by_role("button", name="Accept", exact=True).click()
            expect(page.locator("#case-status")).to_have_text("active")
            accepted = customer.wait_for("handoff.accepted")
            assert accepted["agent_name"] == "Ada"

            say(server, "e2e-1", "t2", "Are you still there?")
            expect(page.locator("#transcript .role-user").last).to_contain_text("still there")

            page.get_by_role("button", name="Use this reply").first.click()
            expect(page.get_by_label("Message to the customer")).to_have_value(
                re.compile(r"^Hi Bob, I'm Ada")
            )
            page.get_by_label("Message to the customer").fill("Hi Bob, I can see order ORD-12345.")
            page.get_by_role("button", name="Send reply").click()
            expect(page.locator("#transcript .role-agent").last).to_contain_text("I can see order")
            message = customer.wait_for("handoff.message")
            assert message["text"] == "Hi Bob, I can see order ORD-12345."
            page.screenshot(path=str(artifacts / "console-case.png"), full_page=True)

            page.get_by_label("Resolution code").select_option("information_given")
            page.get_by_label("resolved", exact=True).check()
            page.get_by_label("Yes, it needed a person").check()
            page.get_by_role("button", name="Resolve case").click()
            expect(page.locator("#case-status")).to_have_text("resolved")
            assert customer.wait_for("handoff.resolved")["code"] == "information_given"
        page.goto("about:blank")

        handoff, events, said = stored(app, handoff_id)
        assert (handoff.status, handoff.resolution_code, handoff.necessary) == (
            "resolved",
            "information_given",
            True,
        )
        types = [t for t, _ in events]
        assert types == [
            "created",
            "assigned",
            "accepted",
            "customer_message",
            "replied",
            "resolved",
            "labelled",
        ]
        times = [at for _, at in events]
        assert times == sorted(times) and handoff.created_at <= times[0]
        kinds = [k for k, _ in said]
        for kind in ("handoff.created", "handoff.accepted", "handoff.message", "handoff.resolved"):
            assert kind in kinds
        outbox = said[-1][1]
        order = ["handoff.accepted", "handoff.message", "handoff.resolved", "conversation.handback"]
        assert [t for t in outbox if t in order] == order


def test_hostile_customer_text_stays_text_live_and_rendered(page: Page, settings: Settings) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with live_console(settings) as (server, _app):
        sign_in(page, server)
        created = say(
            server, "x-1", "t1", f"get me a human {HOSTILE}", customer={"name": HOSTILE[:150]}
        )
        handoff_id = created["handoff"]["id"]
        row = page.locator(f'tr[data-handoff="{handoff_id}"]')
        expect(row).to_contain_text("<script>")
        row.get_by_role("link").click()
        page.get_by_role("button", name="Accept", exact=True).click()
        expect(page.locator("#case-status")).to_have_text("active")
        say(server, "x-1", "t2", HOSTILE)
        live_line = page.locator("#transcript .role-user").last
        expect(live_line).to_contain_text('<a href="javascript:alert(1)">link</a>')
        assert page.locator("#main img, #main iframe, #transcript a").count() == 0
        assert page.locator('[href^="javascript"]').count() == 0
        assert page.title() != "pwned" and dialogs == []
        page.goto("about:blank")


def test_sla_countdown_and_stored_warnings_update_live(page: Page, settings: Settings) -> None:
    with live_console(settings) as (server, app):
        created = say(server, "s-1", "t1", "human please")
        handoff_id = created["handoff"]["id"]
        now = datetime.now(UTC)
        with session_scope(app.state.session_factory) as session:
            row = session.get(HandoffRow, handoff_id)
            assert row is not None
            row.created_at = now - timedelta(seconds=20)
            row.first_response_due = now + timedelta(seconds=7)  # warns at 80%: in ~2 s
        sign_in(page, server)
        sla = page.locator(f'tr[data-handoff="{handoff_id}"] time.sla')
        expect(sla).to_have_class("sla sla-ok")
        expect(sla).to_have_class("sla sla-warn", timeout=10_000)
        expect(sla).to_have_class("sla sla-breach", timeout=15_000)
        expect(sla).to_contain_text("overdue")
        with session_scope(app.state.session_factory) as session:
            row = session.get(HandoffRow, handoff_id)
            assert row is not None
            repo.record_event(session=session, handoff=row, type_=EventType.SLA_BREACHED, at=now)
        expect(page.locator("#live")).to_contain_text("SLA breached in support")
        page.goto("about:blank")


@pytest.mark.parametrize(
    "viewport", [{"width": 1280, "height": 800}, {"width": 768, "height": 1024}]
)
def test_pages_fit_the_screen_and_every_control_is_labelled(
    page: Page, settings: Settings, artifacts: Path, viewport: dict[str, int]
) -> None:
    page.set_viewport_size(viewport)
    with live_console(settings) as (server, _app):
        created = say(server, "v-1", "t1", "I need a person about invoice INV-20931")
        sign_in(page, server)
        for path in ("/console/inbox", f"/console/cases/{created['handoff']['id']}"):
            page.goto(server.url + path)
            overflow = page.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at {viewport}"
            unlabelled = page.evaluate(
                """() => [...document.querySelectorAll('input, select, textarea')]
                .filter(e => e.type !== 'hidden' && e.labels.length === 0
                        && !e.getAttribute('aria-label'))
                .map(e => e.name)"""
            )
            assert unlabelled == []
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.textContent") == "Skip to content"
        if viewport["width"] < 1000:
            page.screenshot(path=str(artifacts / "console-case-tablet.png"), full_page=True)
        page.goto("about:blank")
