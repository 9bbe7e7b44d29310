"""`baton bench`: how fast the stages run on this machine (benchmarks, never timed tests)."""

from __future__ import annotations

import gc
import json
import os
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import Annotated

import typer
from rich.table import Table

from baton.brief import build_brief
from baton.brief.sample import START, sample_conversation
from baton.cli import bench_route
from baton.cli.bench_analytics import analytics
from baton.cli.common import console, err_console
from baton.config import get_settings
from baton.detect import Detector, DetectState, load_models
from baton.domain import BotSignal, Conversation, Customer, Role, Turn
from baton.policy import load_policy

app = typer.Typer(help="Benchmarks of the pipeline's stages.", no_args_is_help=True)
app.command("route")(bench_route.route)

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


def _percentile(sorted_ms: list[float], q: float) -> float:
    return sorted_ms[min(len(sorted_ms) - 1, round(q * (len(sorted_ms) - 1)))]


def _stats(sorted_ms: list[float]) -> tuple[float, ...]:
    """p50, p95, p99, max, mean."""
    quantiles = (_percentile(sorted_ms, q) for q in (0.5, 0.95, 0.99))
    return (*quantiles, sorted_ms[-1], statistics.fmean(sorted_ms))


@app.command("brief")
def brief(
    iterations: int = typer.Option(2000, min=10, help="timed brief builds"),
    turns: int = typer.Option(20, min=1, max=500, help="turns in the synthetic conversation"),
    budget_ms: float = typer.Option(20.0, help="fail (exit 1) when p99 is above this"),
    policy_file: str | None = typer.Option(None, "--policy", help="policy file; default if unset"),
) -> None:
    """Time `build_brief` with the extractive summarizer on a synthetic conversation.

    The budget applies to wall-clock p99; the CPU row shows how much of a slow run was the
    machine (other processes) rather than the brief.
    """
    policy = load_policy(policy_file)
    conversation, decision = sample_conversation(turns)
    now = START
    for _ in range(min(100, iterations)):
        build_brief(conversation=conversation, decision=decision, policy=policy, now=now)
    gc.collect()
    wall: list[float] = []
    cpu: list[float] = []
    for _ in range(iterations):
        wall_start, cpu_start = time.perf_counter(), time.thread_time()
        built = build_brief(conversation=conversation, decision=decision, policy=policy, now=now)
        cpu.append((time.thread_time() - cpu_start) * 1000)
        wall.append((time.perf_counter() - wall_start) * 1000)
    table = Table(title=f"build_brief, {turns} turns, {iterations} runs (ms)")
    for column in ("clock", "p50", "p95", "p99", "max", "mean"):
        table.add_column(column, justify="right")
    for name, samples in (("wall", sorted(wall)), ("cpu", sorted(cpu))):
        table.add_row(name, *(f"{v:.3f}" for v in _stats(samples)))
    console.print(table)
    p99 = _percentile(sorted(wall), 0.99)
    console.print(
        f"{len(built.identifiers)} identifiers, {built.summary.count(chr(10)) + 1} summary lines"
    )
    if p99 > budget_ms:
        err_console.print(f"[red]wall p99 {p99:.2f} ms is over the {budget_ms} ms budget[/]")
        raise typer.Exit(1)
    console.print(f"wall p99 {p99:.2f} ms is within the {budget_ms} ms budget")


@app.command("all")
def run_all() -> None:
    """Every benchmark, one after another, with its defaults."""
    detect(turns=2000, history=20, as_json=False)
    brief(iterations=2000, turns=20, budget_ms=20.0, policy_file=None)
    bench_route.route(
        cases=5000, agents=50, batch=200, pg=os.environ.get("BATON_TEST_DATABASE_URL")
    )


app.command("analytics")(analytics)
