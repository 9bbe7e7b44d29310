from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from baton.api.app import create_app
from baton.config import Settings
from tests.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_customer_asks_for_a_person_and_is_told_what_happens_next(
    page: Page, settings: Settings, artifacts: Path
) -> None:
    with LiveServer(create_app(settings, demo=True)) as server:
        page.goto(f"{server.url}/demo")
        page.get_by_label("Your message").fill("when are you open on saturday")
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".log .bot").last).to_contain_text("Saturdays")

        page.get_by_label("Your message").fill("get me a human")
        page.get_by_role("button", name="Send").click()
        status = page.get_by_role("status")
        expect(status).to_contain_text("Handed to the support team")
        # Nobody is signed in and no address is confirmed: the customer is told the case waits
        # here for the next free person (never an e-mail to an address typed in the chat).
        expect(page.locator(".log .system").last).to_contain_text("as soon as one is free")
        page.screenshot(path=str(artifacts / "demo-handoff.png"))


def test_customer_text_is_shown_as_text(page: Page, settings: Settings) -> None:
    with LiveServer(create_app(settings, demo=True)) as server:
        page.goto(f"{server.url}/demo")
        hostile = (
            '<img src=x onerror="document.title=\'pwned\'"><script>document.title="pwned"</script>'
        )
        page.get_by_label("Your message").fill(hostile)
        page.get_by_role("button", name="Send").click()
        expect(page.locator(".log .user").last).to_have_text("You" + hostile)
        # The bot cannot answer this, so Baton offers a person; the text stays inert either way.
        expect(page.get_by_role("region", name="Options to reach a person")).to_be_visible()
        assert page.title() != "pwned"
        assert page.locator(".log img").count() == 0
