"""`baton bench`: how fast Baton runs on this machine (benchmarks, never timed tests).

`baton bench all` runs every command of this group with its defaults (`make bench`).
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from baton.cli import bench_route
from baton.cli.bench_analytics import analytics
from baton.cli.bench_login import login_storm, slow_llm
from baton.cli.common import console, err_console
from baton.perf import DEFAULT_PG

if TYPE_CHECKING:
    from baton.domain import Turn
    from baton.policy import Policy

app = typer.Typer(help="Benchmarks (numbers to read, not tests).", no_args_is_help=True)
ENGINES = ("sqlite", "postgresql")
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
    from baton.domain import BotSignal, Role, Turn

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


def _affinity() -> set[int] | None:
    return set(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None


@app.command("detect")
def detect(
    turns: Annotated[int, typer.Option("--turns", help="decisions to time", min=100)] = 2000,
    history: Annotated[int, typer.Option("--history", help="turns before the new one", min=0)] = 20,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object to stdout")] = False,
    modes: Annotated[
        str, typer.Option("--modes", help="comma-separated: light, encoder")
    ] = "light,encoder",
    encoder: Annotated[
        str | None, typer.Option("--encoder", help="encoder mode's encoder (else the policy's)")
    ] = None,
) -> None:
    """Per-turn decision latency (p50/p99), CPU per turn and throughput, per mode, on one core.

    Each timed turn is a different message (the shipped person-request examples, none of them
    intent training rows), so the encoder's cache of recent messages never answers. The CPU
    columns are the process's CPU time per turn, which the machine's load does not inflate the
    way it inflates the clock; the load average is printed beside them. Encoder mode uses
    `--encoder`, else the policy's `detect.encoder`, else all-MiniLM-L6-v2 from the model cache
    (`baton encoder export`); it is reported as skipped when unavailable."""
    from baton.config import get_settings
    from baton.policy import load_policy

    settings = get_settings()
    policy = load_policy(settings.policy)
    affinity = _affinity()
    pinned = _pin_one_core()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    try:
        results = _time_modes(policy, settings.model_cache_dir, modes, encoder, turns, history)
    finally:
        if affinity is not None:
            os.sched_setaffinity(0, affinity)
    load = os.getloadavg() if hasattr(os, "getloadavg") else None
    load_text = "n/a" if load is None else ", ".join(f"{x:.2f}" for x in load)
    if as_json:
        payload = {"turns": turns, "history": history, "cpu": pinned, "load_average": load}
        typer.echo(json.dumps({**payload, "load_average_before": load_before, **results}))
        return
    table = Table(
        title=f"detect: {turns} decisions, {history}-turn history, {pinned}, load {load_text}"
    )
    table.add_column("metric")
    for mode in results:
        table.add_column(mode, justify="right")
    keys = (
        "encoder",
        "p50_ms",
        "p99_ms",
        "max_ms",
        "cpu_ms_per_turn",
        "cpu_p50_ms",
        "cpu_p99_ms",
        "throughput_per_s",
        "skipped",
    )
    for key in keys:
        if any(key in r for r in results.values()):
            table.add_row(key, *(str(r.get(key, "-")) for r in results.values()))
    console.print(table)


def _time_modes(
    policy: Policy, cache_dir: Path, modes: str, encoder: str | None, turns: int, history: int
) -> dict[str, dict[str, object]]:
    from threadpoolctl import threadpool_limits  # type: ignore[import-untyped]

    from baton.detect.encoder import DEFAULT_ENCODER
    from baton.errors import BatonError

    results: dict[str, dict[str, object]] = {}
    for mode in [m.strip() for m in modes.split(",") if m.strip()]:
        name = encoder or policy.detect.encoder or DEFAULT_ENCODER
        chosen = policy.model_copy(
            update={
                "detect": policy.detect.model_copy(
                    update={"encoder": name if mode == "encoder" else None}
                )
            }
        )
        try:
            with threadpool_limits(limits=1):
                results[mode] = _time_detect(chosen, cache_dir, turns, history)
        except BatonError as exc:
            results[mode] = {"skipped": exc.message}
    return results


def _bench_texts() -> list[str]:
    """Distinct customer messages for the timed turns: the shipped person-request examples."""
    from baton.detect.examples import read_examples, resolve_training_path
    from baton.detect.training import PERSON_EXAMPLES

    examples = read_examples(resolve_training_path(PERSON_EXAMPLES, None))
    return list(dict.fromkeys(e.text for e in examples))


def _time_detect(policy: Policy, cache_dir: Path, turns: int, history: int) -> dict[str, object]:
    """Time `turns` decisions (after 200 warm-up ones): wall clock and the process's CPU time."""
    from baton.detect import Detector, DetectState, load_models
    from baton.domain import Conversation, Customer, Role, Turn

    models = load_models(policy, cache_dir=cache_dir)
    detector = Detector(policy, models)
    now = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)
    base = Conversation(id="bench", turns=_history(history, now), customer=Customer(tier="pro"))
    texts = _bench_texts()
    wall: list[float] = []
    cpu: list[float] = []
    state = DetectState()
    gc.collect()
    for i in range(turns + 200):
        text = texts[i % len(texts)] if i >= 200 else _USER_TEXTS[i % len(_USER_TEXTS)]
        turn = Turn(turn_id=f"b{i}", role=Role.USER, text=text, sent_at=now)
        conversation = base.with_turn(turn)
        cpu_started = time.process_time()
        started = time.perf_counter()
        _, state = detector.decide(conversation, state, now)
        elapsed = time.perf_counter() - started
        spent = time.process_time() - cpu_started
        if i >= 200:
            wall.append(elapsed * 1000)
            cpu.append(spent * 1000)
    wall.sort()
    cpu_sorted = sorted(cpu)
    intents = models.intents
    return {
        "mode": models.mode,
        "encoder": intents.embedding.encoder_name if intents and intents.embedding else "-",
        "p50_ms": round(statistics.median(wall), 4),
        "p99_ms": round(_percentile(wall, 0.99), 4),
        "max_ms": round(wall[-1], 4),
        "cpu_ms_per_turn": round(statistics.fmean(cpu), 4),
        "cpu_p50_ms": round(_percentile(cpu_sorted, 0.5), 4),
        "cpu_p99_ms": round(_percentile(cpu_sorted, 0.99), 4),
        "throughput_per_s": round(1000 / statistics.fmean(wall), 1),
        "distinct_texts": min(len(texts), turns),
    }


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
    from baton.brief import build_brief
    from baton.brief.sample import START, sample_conversation
    from baton.policy import load_policy

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


def _engines(engine: str) -> tuple[str, ...]:
    if engine not in (*ENGINES, "both"):
        raise typer.BadParameter("sqlite, postgresql or both", param_hint="--engine")
    return ENGINES if engine == "both" else (engine,)


@app.command("ingest")
def ingest(
    engine: str = typer.Option("both", help="sqlite, postgresql or both"),
    requests: int = typer.Option(3000, min=10, max=1_000_000, help="measured requests per server"),
    concurrency: int = typer.Option(16, min=1, max=512, help="connections kept open"),
    warmup: int = typer.Option(300, min=0, max=100_000, help="requests before measuring"),
    pg_url: str = typer.Option(DEFAULT_PG, help="PostgreSQL to use (a schema is made and dropped)"),
    target: float = typer.Option(0.40, help="the ratio to reach: Baton / bare FastAPI"),
) -> None:
    """Turns/s through Baton vs a bare FastAPI JSON endpoint, and decision latency under load."""
    from baton.perf.ingest import bench_ingest

    table = Table(title=f"turn ingestion, {requests} requests, {concurrency} connections")
    for column in ("store", "Baton req/s", "bare req/s", "ratio", "p50 ms", "p99 ms", "non-200"):
        table.add_column(column, justify="right")
    missed = []
    with tempfile.TemporaryDirectory(prefix="baton-bench-") as tmp:
        for kind in _engines(engine):
            report = bench_ingest(
                engine=kind,
                workdir=Path(tmp),
                requests=requests,
                concurrency=concurrency,
                warmup=warmup,
                pg_url=pg_url,
            )
            failed = [f"{s}x{n}" for s, n in sorted(report.baton.statuses.items()) if s != 200]
            if report.baton.errors:
                failed.append(f"dropped x{report.baton.errors}")
            table.add_row(
                kind,
                f"{report.baton.per_second:.0f}",
                f"{report.bare.per_second:.0f}",
                f"{report.ratio:.0%}",
                f"{report.baton.percentile(0.50):.1f}",
                f"{report.baton.percentile(0.99):.1f}",
                " ".join(failed) or "0",
            )
            if report.ratio < target:
                missed.append(kind)
    console.print(table)
    console.print("decision latency = the turn request's round trip under that load")
    if missed:
        err_console.print(f"[yellow]below the {target:.0%} target on: {', '.join(missed)}[/]")


@app.command("soak")
def soak(
    engine: str = typer.Option("sqlite", help="sqlite, postgresql or both"),
    seconds: float = typer.Option(600.0, min=5, max=24 * 3600, help="how long to keep the load"),
    rate: float = typer.Option(100.0, min=1, max=100_000, help="turns a second"),
    concurrency: int = typer.Option(8, min=1, max=512, help="connections kept open"),
    pg_url: str = typer.Option(DEFAULT_PG, help="PostgreSQL to use (a schema is made and dropped)"),
) -> None:
    """Memory after a steady load: the server's RSS over time, and whether it stayed flat."""
    from baton.perf.soak import bench_soak

    leaking = []
    with tempfile.TemporaryDirectory(prefix="baton-soak-") as tmp:
        for kind in _engines(engine):
            report = bench_soak(
                engine=kind,
                workdir=Path(tmp),
                seconds=seconds,
                rate=rate,
                concurrency=concurrency,
                pg_url=pg_url,
            )
            table = Table(title=f"{kind} RSS", caption=f"{rate:.0f} turns/s for {seconds:.0f} s")
            table.add_column("at s", justify="right")
            table.add_column("RSS MiB", justify="right")
            for at, kib in report.samples:
                table.add_row(f"{at:.0f}", f"{kib / 1024:.1f}")
            console.print(table)
            console.print(
                f"{kind}: {report.load.ok} turns stored, p99 {report.load.percentile(0.99):.1f} ms;"
                f" RSS {report.settled_kib / 1024:.1f} MiB at half time ->"
                f" {report.final_kib / 1024:.1f} MiB at the end ({report.growth:+.1%}):"
                f" {'flat' if report.flat else 'GROWING'}"
            )
            if not report.flat:
                leaking.append(kind)
    if leaking:
        raise typer.Exit(1)


@app.command("eta")
def eta(seed: int = typer.Option(20261201, help="the synthetic week's seed")) -> None:
    """The wait Baton tells against the wait that follows, over a seeded synthetic week."""
    from baton.perf.eta import simulate_week

    table = Table(title="ETA error, one synthetic week of one chat queue (seconds)")
    columns = ("handle time", "arrivals", "median |error|", "waited", "median |error| if waited")
    for column in (*columns, "mean |error|", "p90 |error|", "mean wait"):
        table.add_column(column)
    for label, learn in (("measured (live)", True), ("prior 600 s only", False)):
        score = simulate_week(seed=seed, learn=learn)
        table.add_row(
            f"{label}: {score.learned_handle_seconds:.0f} s",
            str(score.arrivals),
            f"{score.median_abs_error:.0f}",
            str(score.waited),
            f"{score.median_abs_error_waited:.0f}",
            f"{score.mean_abs_error:.0f}",
            f"{score.p90_abs_error:.0f}",
            f"{score.mean_wait:.0f}",
        )
    console.print(table)
    console.print("Synthetic data: arrivals, shifts and handle times are simulated (perf/eta.py).")


@app.command("all")
def all_cmd(
    ctx: typer.Context,
    soak_seconds: float = typer.Option(600.0, min=5, help="the soak's length (10 minutes)"),
    skip: list[str] = typer.Option(
        ["analytics"], help="a benchmark to leave out (repeatable; analytics seeds 1M handoffs)"
    ),
) -> None:
    """Every benchmark of this group with its defaults; exits 1 if any of them failed."""
    commands = getattr(ctx.parent.command if ctx.parent else None, "commands", {})
    failed = []
    for name in sorted(commands):
        if name == "all" or name in skip:
            continue
        console.rule(f"baton bench {name}")
        command = commands[name]
        args = ["--seconds", str(soak_seconds)] if name == "soak" else []
        try:
            with command.make_context(name, args, parent=ctx) as sub:
                command.invoke(sub)
        except typer.Exit as exc:
            if exc.exit_code:
                failed.append(name)
    if failed:
        err_console.print(f"[red]failed: {', '.join(failed)}[/]")
        raise typer.Exit(1)


app.command("analytics")(analytics)
app.command("login-storm")(login_storm)
app.command("slow-llm")(slow_llm)
