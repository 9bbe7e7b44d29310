"""`baton bench slow-llm`: other conversations' turn latency while the LLM takes 7 s a summary.

A real `baton serve` whose LLM summarizer is a real chat-completions server on loopback that
answers after `delay` seconds. Two bot clients send plain turns; the same run is measured twice:
without escalations (the baseline), then with a new escalating conversation every `every`
seconds (each asks the slow model for a summary). The LLM summary is asked after the turn
commits, so the two p99s should match within noise.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from baton.perf.databases import fresh_database, prepare, trained_cache
from baton.perf.servers import ServerProcess

_LINES = [f"Synthetic summary line {n} for the benchmark." for n in range(1, 6)]


@dataclass
class Phase:
    turn_ms: list[float]
    errors: int

    def percentile(self, q: float) -> float:
        ordered = sorted(self.turn_ms)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


@contextmanager
def slow_model(delay: float) -> Iterator[str]:
    """A chat-completions endpoint on loopback that answers a valid summary after `delay` s."""
    content = json.dumps({"summary": _LINES, "desired_outcome": "Synthetic outcome."})
    body = json.dumps({"choices": [{"message": {"role": "assistant", "content": content}}]})

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", "0")))
            time.sleep(delay)
            data = body.encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except OSError:
                pass

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


def _turns(client: httpx.Client, stop: threading.Event, text: str, out: Phase) -> None:
    conversation = uuid.uuid4().hex[:12]
    n = 0
    while not stop.is_set():
        n += 1
        body = {"turn_id": f"t{n}", "role": "user", "text": text}
        body["sent_at"] = datetime.now(UTC).isoformat()
        began = time.perf_counter()
        r = client.post(f"/v1/conversations/{conversation}-{n // 20}/turns", json=body)
        out.turn_ms.append((time.perf_counter() - began) * 1000)
        out.errors += r.status_code != 200


def _escalations(client: httpx.Client, stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        body = {"turn_id": "t1", "role": "user", "text": "I want to talk to a person now"}
        body["sent_at"] = datetime.now(UTC).isoformat()
        client.post(f"/v1/conversations/esc-{uuid.uuid4().hex[:12]}/turns", json=body)


def _phase(base: str, key: str, seconds: float, escalate_every: float | None) -> Phase:
    out = Phase(turn_ms=[], errors=0)
    stop = threading.Event()
    headers = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=base, headers=headers, timeout=120) as client:
        threads = [
            threading.Thread(target=_turns, args=(client, stop, "where is my parcel?", out))
            for _ in range(2)
        ]
        if escalate_every is not None:
            threads.append(
                threading.Thread(target=_escalations, args=(client, stop, escalate_every))
            )
        for thread in threads:
            thread.start()
        time.sleep(seconds)
        stop.set()
        for thread in threads:
            thread.join()
    return out


def bench_slow_llm(
    *, engine: str, workdir: Path, pg_url: str, delay: float, seconds: float, every: float
) -> tuple[Phase, Phase]:
    """(baseline, with escalations asking the slow model) for one store."""
    with (
        slow_model(delay) as llm_url,
        fresh_database(engine, workdir=workdir, pg_url=pg_url) as url,
    ):
        key = prepare(url)
        settings = {
            "BATON_DATABASE_URL": url,
            "BATON_MODEL_CACHE_DIR": str(trained_cache()),
            "BATON_RATE_LIMIT_PER_MINUTE": "0",
            "BATON_LLM_BASE_URL": llm_url,
            "BATON_LLM_MODEL": "synthetic-slow",
            "BATON_LLM_TIMEOUT_SECONDS": str(delay + 5),
        }
        server = ServerProcess.baton(settings=settings, workdir=workdir).start("/readyz")
        try:
            _phase(server.url, key, 2.0, None)  # warm-up
            baseline = _phase(server.url, key, seconds, None)
            slow = _phase(server.url, key, seconds, every)
        finally:
            server.stop()
    return baseline, slow
