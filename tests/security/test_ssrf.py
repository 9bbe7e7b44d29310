"""Webhooks without SSRF (issue 16, row 2): private addresses refused in every spelling, at
registration and at connect time; the address judged is the one connected to; no redirects;
no response body recorded."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from fastapi.testclient import TestClient

from baton.api.app import create_app
from baton.config import Settings
from baton.transfer.egress import EgressGuard, parse_networks
from baton.transfer.outbox import Worker
from baton.transfer.transport import HttpxTransport
from tests.conftest import free_port

TURN = {
    "turn_id": "t1",
    "role": "user",
    "text": "I want a human",
    "sent_at": "2026-11-24T10:00:00Z",
}
PUBLIC = "93.184.216.34"  # a public address; nothing connects to it in these tests
SPELLINGS = [
    "127.0.0.1",
    "2130706433",  # decimal
    "0x7f000001",  # hex
    "0177.0.0.1",  # octal
    "127.1",  # short form
    "0x7f.1",
    "[::1]",
    "[::ffff:127.0.0.1]",  # IPv4-mapped IPv6
    "[::ffff:7f00:1]",
    "[::127.0.0.1]",  # IPv4-compatible
    "[2002:7f00:1::1]",  # 6to4 around 127.0.0.1
    "localhost",  # a DNS name resolving to loopback
    "LOCALHOST.",
    "169.254.169.254",  # cloud metadata: link-local
    "[fe80::1]",
    "10.0.0.1",
    "172.16.0.1",
    "192.168.1.1",
    "100.64.0.1",  # carrier-grade NAT
    "[fd00::1]",  # ULA
    "224.0.0.1",  # multicast
    "[ff02::1]",
    "0.0.0.0",  # unspecified
    "0",
    "[::]",
]


class Stub:
    """A resolver stub: fixed answers per name, the way DNS rebinding would give them."""

    def __init__(self, answers: dict[str, list[str]]) -> None:
        self.answers = answers

    def __call__(self, host: str, port: int) -> Sequence[str]:
        if host not in self.answers:
            raise OSError(f"no such name {host}")
        return self.answers[host]


class Target:
    """A loopback HTTP server answering every POST with `status` (and `location`, `body`)."""

    def __init__(self, status: int = 200, *, location: str = "", body: bytes = b"") -> None:
        self.port = free_port()
        self.hosts: list[str] = []
        target = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", "0")))
                target.hosts.append(self.headers.get("host", ""))
                self.send_response(status)
                if location:
                    self.send_header("location", location)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings.model_copy(update={"require_api_key": False}))) as c:
        yield c


def _register(client: TestClient, url: str) -> dict[str, object]:
    r = client.post("/v1/webhooks/endpoints", json={"url": url})
    body: dict[str, object] = r.json()
    return body


@pytest.mark.parametrize("host", SPELLINGS)
def test_every_spelling_of_a_private_address_is_refused(client: TestClient, host: str) -> None:
    r = client.post("/v1/webhooks/endpoints", json={"url": f"http://{host}:8080/hook"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["code"] == "webhook_url_forbidden"
    assert r.json()["error"]["field"] == "url"


def test_a_patch_cannot_turn_an_endpoint_inward(client: TestClient) -> None:
    created = _register(client, f"http://{PUBLIC}/hook")
    r = client.patch(
        f"/v1/webhooks/endpoints/{created['id']}", json={"url": "http://169.254.169.254/latest"}
    )
    assert r.status_code == 422
    assert r.json()["error"]["code"] == "webhook_url_forbidden"


def test_public_addresses_and_the_allow_list_pass(settings: Settings) -> None:
    allowed = settings.model_copy(
        update={"require_api_key": False, "webhook_allow_private": "10.1.2.0/24"}
    )
    with TestClient(create_app(allowed)) as c:
        assert c.post("/v1/webhooks/endpoints", json={"url": f"https://{PUBLIC}/h"}).is_success
        assert c.post("/v1/webhooks/endpoints", json={"url": "http://10.1.2.3/h"}).is_success
        refused = c.post("/v1/webhooks/endpoints", json={"url": "http://10.1.3.3/h"})
        assert refused.json()["error"]["code"] == "webhook_url_forbidden"


def _deliver(client: TestClient, guard: EgressGuard) -> dict[str, object]:
    """Open a handoff (a `handoff.created` webhook), run one worker pass, return the delivery."""
    client.post("/v1/conversations/c1/turns", json=TURN).raise_for_status()
    transport = HttpxTransport(timeout=5, guard=guard)
    factory = client.app.state.session_factory  # type: ignore[attr-defined]
    try:
        Worker(factory=factory, transport=transport).run_once(now=datetime.now(UTC))
    finally:
        transport.close()
    (delivery,) = client.get("/v1/webhooks/deliveries").json()["items"]
    assert isinstance(delivery, dict)
    return delivery


def test_a_name_that_rebinds_to_loopback_is_refused_at_connect_time(client: TestClient) -> None:
    target = Target()
    try:
        client.app.state.egress_guard = EgressGuard(resolver=Stub({"rebind.test": [PUBLIC]}))  # type: ignore[attr-defined]
        assert _register(client, f"http://rebind.test:{target.port}/hook")["id"]
        at_connect = EgressGuard(resolver=Stub({"rebind.test": ["127.0.0.1"]}))
        delivery = _deliver(client, at_connect)
    finally:
        target.close()
    assert delivery["last_error"] == "refused: loopback address"
    assert delivery["last_status_code"] is None
    assert target.hosts == []


def test_the_connection_goes_to_the_address_that_was_judged(client: TestClient) -> None:
    target = Target()
    try:
        stub = Stub({"receiver.test": ["127.0.0.1"]})
        client.app.state.egress_guard = EgressGuard(  # type: ignore[attr-defined]
            allow=parse_networks("127.0.0.1"), resolver=stub
        )
        _register(client, f"http://receiver.test:{target.port}/hook")
        delivery = _deliver(client, client.app.state.egress_guard)  # type: ignore[attr-defined]
    finally:
        target.close()
    assert delivery["status"] == "delivered"
    assert target.hosts == [f"receiver.test:{target.port}"]


def test_a_redirect_to_a_private_address_is_not_followed(client: TestClient) -> None:
    inside = Target()
    outside = Target(302, location=f"http://127.0.0.1:{inside.port}/admin")
    try:
        guard = EgressGuard(allow=parse_networks("127.0.0.1"), resolver=Stub({}))
        client.app.state.egress_guard = guard  # type: ignore[attr-defined]
        _register(client, f"http://127.0.0.1:{outside.port}/hook")
        delivery = _deliver(client, guard)
    finally:
        inside.close()
        outside.close()
    assert delivery["last_status_code"] == 302
    assert delivery["last_error"] == "HTTP 302: redirect not followed"
    assert len(outside.hosts) == 1
    assert inside.hosts == []


def test_a_failing_receiver_s_body_is_never_recorded(client: TestClient) -> None:
    target = Target(500, body=b"root:x:0:0 internal secrets")
    try:
        guard = EgressGuard(allow=parse_networks("127.0.0.1"))
        client.app.state.egress_guard = guard  # type: ignore[attr-defined]
        _register(client, f"http://127.0.0.1:{target.port}/hook")
        delivery = _deliver(client, guard)
    finally:
        target.close()
    assert delivery["last_status_code"] == 500
    assert delivery["last_error"] == "HTTP 500 Internal Server Error"


def test_a_closed_port_and_a_timeout_read_the_same_coarse_words(client: TestClient) -> None:
    guard = EgressGuard(allow=parse_networks("127.0.0.1"))
    client.app.state.egress_guard = guard  # type: ignore[attr-defined]
    _register(client, f"http://127.0.0.1:{free_port()}/nobody")
    delivery = _deliver(client, guard)
    assert delivery["last_error"] == "connection failed"
