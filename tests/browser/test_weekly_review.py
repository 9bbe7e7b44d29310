"""The weekly review from a seeded synthetic week, through the CLI, opened in headless chromium.

(Learn's browser test lives here to share the session's one Playwright browser.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser
from typer.testing import CliRunner

from baton.cli.main import app
from baton.config import get_settings
from tests.factories.learn import seed_week_through_cli

CHARTS = ("volume", "reasons", "rates", "times", "sla", "unnecessary")


@pytest.fixture
def seeded_store(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    seed_week_through_cli(db_url, monkeypatch)
    yield db_url
    get_settings.cache_clear()


@pytest.mark.browser
def test_weekly_review_renders_and_opens_in_chromium(
    seeded_store: str,
    tmp_path: Path,
    request: pytest.FixtureRequest,
    browser: Browser,
    artifacts: Path,
) -> None:
    html_path, json_path = tmp_path / "review.html", tmp_path / "review.json"
    for out in (html_path, json_path):
        result = CliRunner().invoke(app, ["report", "--week", "2026-W47", "--out", str(out)])
        assert result.exit_code == 0, result.output
    data = json.loads(json_path.read_text())
    html = html_path.read_text()
    assert data["synthetic_conversations"] > 0 and "Synthetic data." in html
    assert data["kpis"]["overall"]["handoffs"] > 0
    assert data["previous_week"] == "2026-W46"
    assert data["samples"] and data["coverage"]
    assert "<script" not in html and "http://" not in html.replace('xmlns="http://www.w3', "")

    engine = request.node.callspec.params["db_url"]
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    page = context.new_page()
    requests: list[str] = []
    errors: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(html_path.as_uri())
    for key in CHARTS:
        svg = page.locator(f"#chart-{key} svg")
        box = svg.bounding_box()
        assert box is not None and box["width"] > 300 and box["height"] > 150, key
        title = svg.locator(".chart-title").text_content() or ""
        x_label = svg.locator(".axis-label-x").text_content() or ""
        y_label = svg.locator(".axis-label-y").text_content() or ""
        assert title and x_label, key
        assert re.search(r"\((count|%|minutes)\)$", y_label), (key, y_label)
        assert svg.locator(".axis-x").count() == 1 and svg.locator(".axis-y").count() == 1
    first_row = page.locator("table tbody tr").first.locator("td").nth(1).text_content()
    assert first_row == f"{data['kpis']['overall']['handoffs']:,}"
    page.screenshot(path=str(artifacts / f"weekly-review-{engine}.png"), full_page=True)
    context.close()
    assert requests == [html_path.as_uri()]  # self-contained: nothing fetched
    assert errors == []
