"""Sign in to the console through its real forms, and read what a page links to."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from fastapi.testclient import TestClient

from tests.factories.desk import PASSWORD

_LOGIN_TOKEN = re.compile(r'name="login_token" value="([^"]+)"')
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def sign_in(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Sign in with the form; returns the session's CSRF token, read from the inbox page."""
    form = client.get("/console/login")
    token = _LOGIN_TOKEN.search(form.text)
    assert token is not None
    response = client.post(
        "/console/login",
        data={"email": email, "password": password, "login_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/console/inbox").text)


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match is not None
    return match.group(1)


class Markup(HTMLParser):
    """Every tag and attribute of a page, to check that nothing active came from the customer."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def markup(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = Markup()
    parser.feed(html)
    return parser.tags


def assert_inert(html: str) -> None:
    """No script but ours, no event handlers, and links only to our own paths."""
    for tag, attrs in markup(html):
        if tag == "script":
            assert attrs.get("src") == "/console/static/console.js", attrs
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            if name in ("href", "src", "action", "formaction"):
                assert value is not None and value.startswith(("/", "#")), (tag, name, value)
        assert tag not in ("img", "iframe", "object", "embed"), (tag, attrs)
