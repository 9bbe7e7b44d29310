"""`baton bench`: how fast the stages run on this machine (benchmarks, never timed tests)."""

from __future__ import annotations

import json
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from baton.cli.common import console
from baton.config import get_settings
from baton.detect import Detector, DetectState, load_models
from baton.domain import BotSignal, Conversation, Customer, Role, Turn
from baton.policy import load_policy

app = typer.Typer(help="Benchmarks of the pipeline's stages.", no_args_is_help=True)

_USER_TEXTS = (
    "Hi, I ordered a new card last week and it still hasn't arrived",
    "It was sent to my old address, can I change it?",
    "Why was I charged twice for the same coffee?",
    "no, that's not what I asked, I want to know about the double charge",
    "my card was stolen this morning, please block it right now",
    "how much does the premium plan cost for a team of 20?",
    "this is ridiculous, I have been waiting for ages",
    "can I talk to someone real please",
    "what's the exchange rate for euros today",
    "I want to close my account",
)


def _history(turns: int, now: datetime) -> tuple[Turn, ...]:
    """A conversation of `turns` turns, user and bot in turn, the bot reporting confidence."""
    history: list[Turn] = []
    for i in range(turns):
        user = i % 2 == 0
        history.append(
            Turn(
                turn_id=f"h{i}",
                role=Role.USER if user else Role.BOT,
                text=_USER_TEXTS[(i // 2) % len(_USER_TEXTS)] if user else "Let me check that.",
                sent_at=now - timedelta(seconds=10 * (turns - i)),
                bot=None if user else BotSignal(confidence=0.8, intent="card_arrival"),
            )
        )
    return tuple(history)


def _pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        core = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {core})
        return f"core {core}"
    return "unpinned"


@app.command("detect")
def detect(
    turns: Annotated[int, typer.Option("--turns", help="decisions to time", min=100)] = 2000,
    history: Annotated[int, typer.Option("--history", help="turns before the new one", min=0)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object to stdout")] = False,
) -> None:
    """Per-turn decision latency (p50/p99) and throughput, default policy, on one core."""
    settings = get_settings()
    policy = load_policy(settings.policy)
    models = load_models(policy, cache_dir=settings.model_cache_dir)
    detector = Detector(policy, models)
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    base = Conversation(id="bench", turns=_history(history, now), customer=Customer(tier="pro"))
    pinned = _pin_one_core()
    samples: list[float] = []
    state = DetectState()
    for i in range(turns + 200):
        turn = Turn(turn_id=f"b{i}", role=Role.USER, text=_USER_TEXTS[i % 10], sent_at=now)
        conversation = base.with_turn(turn)
        started = time.perf_counter()
        _, state = detector.decide(conversation, state, now)
        elapsed = time.perf_counter() - started
        if i >= 200:
            samples.append(elapsed * 1000)
    samples.sort()
    result = {
        "turns": turns,
        "history": history,
        "p50_ms": round(statistics.median(samples), 4),
        "p99_ms": round(samples[int(0.99 * len(samples)) - 1], 4),
        "max_ms": round(samples[-1], 4),
        "throughput_per_s": round(1000 / statistics.fmean(samples), 1),
        "cpu": pinned,
    }
    if as_json:
        typer.echo(json.dumps(result))
        return
    table = Table(title=f"detect: {turns} decisions, {history}-turn history, {pinned}")
    for key in ("p50_ms", "p99_ms", "max_ms", "throughput_per_s"):
        table.add_row(key, str(result[key]))
    console.print(table)


@app.command("all")
def run_all() -> None:
    """Every benchmark, one after another, with its defaults."""
    detect(turns=2000, history=20, as_json=False)
