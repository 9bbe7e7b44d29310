"""The newcomer's entry points: the landing page, the favicon, and API docs with no CDN."""

from __future__ import annotations

from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from baton.policy import default_policy
from baton.policy.loader import parse_policy


def test_the_landing_page_links_demo_console_docs_and_health(settings: Settings) -> None:
    with TestClient(create_app(settings, demo=True)) as client:
        page = client.get("/")
        assert page.status_code == 200
        for href in ('href="/demo"', 'href="/console"', 'href="/docs"', 'href="/healthz"'):
            assert href in page.text
        icon = client.get("/favicon.ico")
        assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"
    with TestClient(create_app(settings)) as client:
        assert 'href="/demo"' not in client.get("/").text  # no demo, no link to it


def test_docs_load_swagger_ui_from_baton_itself(settings: Settings) -> None:
    with TestClient(create_app(settings)) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert "/docs-assets/swagger-ui-bundle.js" in page.text
        assert "cdn" not in page.text.lower()
        script = client.get("/docs-assets/swagger-ui-bundle.js")
        assert script.status_code == 200 and len(script.content) > 100_000
        assert client.get("/docs-assets/swagger-ui.css").status_code == 200
        redoc = client.get("/redoc")
        assert redoc.status_code == 200 and "/docs-assets/redoc.standalone.js" in redoc.text
        assert "fonts.googleapis" not in redoc.text
        assert client.get("/docs-assets/redoc.standalone.js").status_code == 200


def test_reason_labels_are_human_and_the_policy_may_rename_them() -> None:
    labels = default_policy().desk.labels()
    assert labels["human_requested"] == "Asked for a person"
    assert all(code != label for code, label in labels.items())
    renamed = parse_policy(
        "version: 1\nqueues: [{name: support}]\ndefault_queue: support\n"
        "desk: {reason_labels: {human_requested: Wants a person}}\n"
    )
    assert renamed.desk.labels()["human_requested"] == "Wants a person"
    assert renamed.desk.labels()["urgent"] == "Urgent"
