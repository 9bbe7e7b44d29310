"""`baton demo` as a user runs it: the printed key works, and a case reaches an agent by itself."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import httpx

from baton.perf.servers import ServerProcess, child_env, free_port

TURN = {
    "turn_id": "t-1",
    "role": "user",
    "text": "I want to talk to a human",
    "sent_at": "2026-11-24T10:00:00Z",
}
STOLEN = "someone stole my card, block it now"


def test_the_demo_assigns_an_escalated_case_to_the_printed_login(tmp_path: Path) -> None:
    port = free_port()
    argv = [sys.executable, "-m", "baton", "demo", "--port", str(port)]
    argv += ["--db", str(tmp_path / "demo.db")]
    env = child_env({"BATON_MODEL_CACHE_DIR": str(tmp_path / "cache")})
    server = ServerProcess(argv, env=env, port=port, workdir=tmp_path, name="demo")
    server.start()
    try:
        printed = server.log_path.read_text()
        key = re.search(r"bot API key\s*:\s*(\S+)", printed)
        assert key is not None, printed
        headers = {"Authorization": f"Bearer {key.group(1)}"}
        with httpx.Client(base_url=server.url, headers=headers, timeout=10) as api:
            for conversation, text in (("c-1", TURN["text"]), ("c-2", STOLEN)):
                turn = {**TURN, "text": text}
                answer = api.post(f"/v1/conversations/{conversation}/turns", json=turn).json()
                handoff_id = answer["handoff"]["id"]
                deadline = time.monotonic() + 30
                while (case := api.get(f"/v1/handoffs/{handoff_id}").json())["agent_id"] is None:
                    assert time.monotonic() < deadline, f"never assigned: {case['status']}"
                    time.sleep(0.2)
                assert case["status"] == "assigned"
                # the login the demo prints, not an agent nobody is signed in as
                assert case["agent_id"] == "ag_ada", (case["queue"], case["agent_id"])
    finally:
        server.stop()
