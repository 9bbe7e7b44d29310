"""The newcomer's first ten minutes, from a real `baton demo` process: everything it prints works.

The demo runs as a separate process, as `make demo` starts it; the test reads its banner and
uses each URL, login and command exactly as printed. `/docs` is loaded with every request that
is not for the demo's own address refused, as on a machine with no internet access.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shlex
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, expect

from baton.engine import Runtime
from baton.policy import default_policy
from tests.conftest import free_port

# A cold model cache trains the detector first: minutes on a busy 2-core machine.
pytestmark = [pytest.mark.browser, pytest.mark.timeout(900)]
BATON = Path(sys.executable).parent / "baton"
START_SECONDS = 600


@dataclass
class Demo:
    url: str
    lines: list[str]
    cwd: Path
    refused: list[str] = field(default_factory=list)

    def printed(self, label: str) -> str:
        line = next(ln for ln in self.lines if ln.strip().startswith(label))
        return line.split(":", 1)[1].strip()

    def commands(self) -> list[str]:
        start = next(i for i, ln in enumerate(self.lines) if "command line" in ln)
        return [ln.strip() for ln in self.lines[start + 1 :] if ln.strip()]


def _read(stream: object, lines: queue.Queue[str]) -> None:
    for line in iter(stream.readline, ""):  # type: ignore[attr-defined]
        lines.put(line.rstrip("\n"))


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, model_cache_dir: Path) -> Iterator[Demo]:
    """`baton demo` in a fresh folder, its banner read up to the last printed command."""
    Runtime(default_policy(), model_cache_dir=model_cache_dir)  # the demo then loads, not trains
    folder = tmp_path_factory.mktemp("newcomer")
    port = free_port()
    env = {**os.environ, "BATON_MODEL_CACHE_DIR": str(model_cache_dir), "COLUMNS": "200"}
    env.pop("BATON_DATABASE_URL", None)
    process = subprocess.Popen(
        [str(BATON), "demo", "--port", str(port)],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read, args=(process.stdout, lines), daemon=True).start()
    seen: list[str] = []
    try:
        while not any("kb search" in ln for ln in seen):
            seen.append(lines.get(timeout=START_SECONDS))
        url = f"http://127.0.0.1:{port}"
        _wait_until_ready(url, process)
        yield Demo(url=url, lines=seen, cwd=folder)
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _wait_until_ready(url: str, process: subprocess.Popen[str]) -> None:
    """Poll /readyz until the server answers (the detector trains on a cold cache)."""
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        assert process.poll() is None, "the demo exited"
        try:
            if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)  # polling for readiness, not waiting for an outcome
    raise AssertionError("the demo never became ready")


def test_every_printed_url_answers_and_the_landing_page_links_them(demo: Demo, page: Page) -> None:
    urls = sorted({u for ln in demo.lines for u in re.findall(r"https?://[^\s']+", ln)})
    pages = [u for u in urls if "/v1/" not in u]
    assert {f"{demo.url}/", f"{demo.url}/demo", f"{demo.url}/console", f"{demo.url}/docs"} <= set(
        pages
    )
    for url in pages:
        response = page.goto(url)
        assert response is not None and response.ok, url
    page.goto(f"{demo.url}/")
    for name in ("Demo chat", "Agent console", "API docs", "Health"):
        expect(page.get_by_role("link", name=name)).to_be_visible()
    favicon = page.request.get(f"{demo.url}/favicon.ico")
    assert favicon.ok and favicon.headers["content-type"].startswith("image/")
    page.get_by_role("link", name="Demo chat").click()
    expect(page.get_by_label("Your message")).to_be_visible()


def test_the_printed_commands_work_as_printed(demo: Demo) -> None:
    curl = next(ln.strip() for ln in demo.lines if ln.strip().startswith("curl "))
    answer = subprocess.run(curl, shell=True, capture_output=True, text=True, check=True)
    body = json.loads(answer.stdout)
    assert body["decision"]["action"] == "handoff"
    commands = demo.commands()
    assert commands and all(shlex.split(c)[0] != "baton" or BATON.exists() for c in commands)
    for command in commands:
        run = subprocess.run(
            command, shell=True, cwd=demo.cwd, capture_output=True, text=True, timeout=120
        )
        assert run.returncode == 0, (command, run.stdout, run.stderr)
        if "kb search" in command:
            assert "efund" in run.stdout  # the demo's knowledge articles are there


def test_docs_render_with_the_network_disabled(demo: Demo, browser: Browser) -> None:
    context = browser.new_context()
    refused: list[str] = []

    def offline(route: Route) -> None:
        if route.request.url.startswith(demo.url):
            route.continue_()
        else:
            refused.append(route.request.url)
            route.abort()

    context.route("**/*", offline)
    page = context.new_page()
    page.goto(f"{demo.url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Baton")
    expect(page.locator(".opblock").first).to_be_visible()
    assert refused == []
    page.goto(f"{demo.url}/redoc")
    expect(page.get_by_role("heading", name=re.compile("Baton"))).to_be_visible()
    context.close()
    # ReDoc's sidebar links its maker's logo from their site: the only thing it asks for.
    assert all(url.endswith((".svg", ".png")) for url in refused), refused


def test_the_printed_logins_reach_the_inbox_and_the_dashboard(demo: Demo, page: Page) -> None:
    for label, heading in (("agent login", "Inbox"), ("supervisor login", "Dashboard")):
        email, password = (part.strip() for part in demo.printed(label).split("/"))
        page.goto(demo.printed("agent console"))
        page.get_by_label("E-mail").fill(email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Inbox")).to_be_visible()
        if heading == "Dashboard":
            page.get_by_role("link", name="Dashboard").click()
            expect(page.get_by_role("heading", name="Dashboard")).to_be_visible()
        page.context.clear_cookies()
