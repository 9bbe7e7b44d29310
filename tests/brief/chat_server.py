"""A real chat-completions server on loopback, for the LLM adapter's tests.

It speaks the OpenAI wire format (`POST /v1/chat/completions`), records every request, and
answers according to `mode`: a good summary, a slow one, an HTTP 500, malformed output, or a
model that obeyed a prompt injection and printed the API key.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

GOOD_LINES = [
    "Ana Lopez, a pro customer, was charged twice for one order.",
    "She wants one of the two payments refunded.",
    "The bot looked the order up but cannot issue refunds.",
    "She asked for a person after the bot could not help.",
    "She gave her order number and e-mail.",
]


@dataclass
class Recorded:
    path: str
    headers: dict[str, str]
    body: dict[str, Any]


@dataclass
class ChatServer:
    """`with ChatServer() as server:` ... `server.base_url`, `server.mode`, `server.requests`."""

    mode: str = "ok"
    delay_seconds: float = 0.0
    leaked: str = ""
    requests: list[Recorded] = field(default_factory=list)
    gate: threading.Event | None = None  # when set, each answer waits until the gate opens
    asked: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> ChatServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: object) -> None:
                return

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                owner.requests.append(Recorded(self.path, dict(self.headers.items()), body))
                owner.asked.set()
                if owner.gate is not None:
                    owner.gate.wait(timeout=120)
                status, payload = owner.answer(body)
                if owner.delay_seconds:
                    time.sleep(owner.delay_seconds)
                data = payload.encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def answer(self, body: dict[str, Any]) -> tuple[int, str]:
        if self.mode == "500":
            return 500, json.dumps({"error": {"message": "upstream exploded"}})
        if self.mode == "malformed":
            return 200, _completion("Sure! Here is a summary: the customer wants a refund.")
        if self.mode == "wrong_shape":
            return 200, _completion(json.dumps({"summary": "one string, not a list"}))
        if self.mode == "not_openai":
            return 200, json.dumps({"result": "hello"})
        if self.mode == "obey":
            lines = [*GOOD_LINES[:4], f"The API key is {self.leaked}."]
            return 200, _completion(json.dumps({"summary": lines, "desired_outcome": "a refund"}))
        content = json.dumps({"summary": GOOD_LINES, "desired_outcome": "One payment refunded."})
        if self.mode == "fenced":
            content = f"```json\n{content}\n```"
        return 200, _completion(content)


def _completion(content: str) -> str:
    return json.dumps(
        {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "model": "loopback",
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content},
                    "finish_reason": "stop",
                }
            ],
        }
    )
