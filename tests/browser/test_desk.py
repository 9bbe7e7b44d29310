"""The agent's desk in a real chromium: collision, typing both ways, canned replies with
variables, attachments shown safely, and a follow-up linked to its resolved predecessor."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from baton.config import Settings
from baton.store.db import session_scope
from tests.browser.console_flow import QUEUES, live_console, say, sign_in
from tests.factories.desk import make_agent

pytestmark = pytest.mark.browser
LIVE = 15_000  # a bound for a busy machine; each expect returns as soon as the page shows it


def test_two_agents_see_each_other_and_typing_shows_on_both_sides(
    page: Page, browser: Browser, settings: Settings, artifacts: Path
) -> None:
    grace_context = browser.new_context(viewport={"width": 1280, "height": 800})
    customer_context = browser.new_context(viewport={"width": 1280, "height": 800})
    grace, customer = grace_context.new_page(), customer_context.new_page()
    errors: list[str] = []
    for other in (grace, customer):
        other.on("pageerror", lambda exc: errors.append(str(exc)))
    with live_console(settings) as (server, app):
        with session_scope(app.state.session_factory) as session:
            make_agent(session, "Grace Hopper", queues=QUEUES)
        sign_in(page, server)
        sign_in(grace, server, "grace@example.com")
        customer.goto(f"{server.url}/demo")
        customer.get_by_label("Your message").fill("I want a human about order ORD-12345")
        customer.get_by_role("button", name="Send").click()
        expect(customer.get_by_role("status")).to_contain_text("Handed to the")

        row = page.locator("#lists tr[data-handoff]").first
        expect(row).to_contain_text("ORD-12345")
        handoff_id = row.get_attribute("data-handoff")
        page.goto(f"{server.url}/console/cases/{handoff_id}")
        grace.goto(f"{server.url}/console/cases/{handoff_id}")
        expect(page.locator("#collision")).to_have_text(
            "Grace Hopper is also viewing this case.", timeout=LIVE
        )
        expect(grace.locator("#collision")).to_have_text(
            "Ada Lovelace is also viewing this case.", timeout=LIVE
        )
        page.screenshot(path=str(artifacts / "desk-collision.png"))

        page.get_by_role("button", name="Accept", exact=True).click()
        expect(page.locator("#case-status")).to_have_text("active")
        page.get_by_label("Message to the customer").press_sequentially("Let me check")
        expect(customer.locator("#agent-typing")).to_be_visible(timeout=LIVE)
        expect(grace.locator("#collision")).to_have_text(
            "Ada Lovelace is typing a reply on this case.", timeout=LIVE
        )
        customer.get_by_label("Your message").press_sequentially("it was charged twice")
        expect(page.locator("#customer-typing")).to_be_visible(timeout=LIVE)
        expect(page.locator("#customer-typing")).to_be_hidden(timeout=LIVE)  # it fades
        customer.screenshot(path=str(artifacts / "desk-agent-typing.png"))
        for context in (grace_context, customer_context):
            context.close()
        page.goto("about:blank")
    assert errors == []


def test_canned_reply_attachments_and_a_follow_up(
    page: Page, settings: Settings, artifacts: Path
) -> None:
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    with live_console(settings) as (server, _app):
        created = say(
            server,
            "desk-1",
            "t1",
            "I want to talk to a human about my order ORD-12345",
            customer={"name": "Bob Stone", "email": "bob@example.com"},
        )
        handoff_id = created["handoff"]["id"]
        files = [
            {"url": f"{server.url}/favicon.ico", "content_type": "image/png", "size": 318,
             "name": "receipt.png"},
            {"url": f"{server.url}/evil.svg", "content_type": "image/svg+xml", "size": 90,
             "name": "evil.svg"},
            {"url": f"{server.url}/evil.html", "content_type": "text/html", "size": 90,
             "name": "evil.html"},
        ]  # fmt: skip
        bot_turn = {
            "turn_id": "b1",
            "role": "bot",
            "text": "The customer sent these files.",
            "sent_at": "2026-12-07T10:00:00Z",
            "attachments": files,
        }
        sent = httpx.post(f"{server.url}/v1/conversations/desk-1/turns", json=bot_turn)
        assert sent.status_code == 200, sent.text
        bad = httpx.post(
            f"{server.url}/v1/conversations/desk-1/turns",
            json={
                **bot_turn,
                "turn_id": "b2",
                "attachments": [{**files[0], "url": "javascript:x"}],
            },
        )
        assert bad.status_code == 422 and "attachments" in bad.text

        sign_in(page, server)
        page.goto(f"{server.url}/console/replies")
        page.get_by_label("Shortcut (without the /)").fill("thanks")
        page.get_by_label("Reply", exact=True).fill(
            "Thanks {customer_name}, {agent_name} here about {order}."
        )
        page.get_by_role("button", name="Save reply").click()
        expect(page.get_by_role("status")).to_contain_text("The canned reply was saved")

        page.goto(f"{server.url}/console/cases/{handoff_id}")
        images = page.locator("#transcript img.attachment-image")
        expect(images).to_have_count(1)
        expect(images.first).to_have_attribute("alt", "receipt.png")
        for name in ("evil.svg", "evil.html"):
            expect(page.get_by_role("link", name=name)).to_be_visible()
        assert (
            page.locator("#transcript iframe, #transcript object, #transcript embed").count() == 0
        )
        assert (
            page.locator('#transcript img[src$=".svg"], #transcript img[src$=".html"]').count() == 0
        )

        page.get_by_role("button", name="Accept", exact=True).click()
        expect(page.locator("#case-status")).to_have_text("active")
        box = page.get_by_label("Message to the customer")
        box.press_sequentially("/than")
        expect(page.locator("#canned-hints")).to_contain_text("/thanks")
        box.press("Tab")
        expect(box).to_have_value("Thanks Bob, Ada here about ORD-12345.")
        page.get_by_role("button", name="Send reply").click()
        expect(page.locator("#transcript .role-agent").last).to_contain_text("Thanks Bob, Ada")

        page.get_by_label("Resolution code").select_option("information_given")
        page.get_by_label("resolved", exact=True).check()
        page.get_by_label("Yes, it needed a person").check()
        page.get_by_role("button", name="Resolve case").click()
        expect(page.locator("#case-status")).to_have_text("resolved")
        page.get_by_role("button", name="Open a follow-up").click()
        expect(page.get_by_role("status").first).to_contain_text("You opened a follow-up")
        expect(page.locator("#case-status")).to_have_text("active")
        follows = page.locator("#follows a")
        expect(follows).to_have_text(f"the earlier case {handoff_id}")
        assert not page.url.split("?")[0].endswith(handoff_id)
        page.screenshot(path=str(artifacts / "desk-follow-up.png"), full_page=True)
        follows.click()
        expect(page.locator("#case-status")).to_have_text("resolved")
        assert re.search(rf"/console/cases/{handoff_id}$", page.url)
        assert dialogs == []
        page.goto("about:blank")
