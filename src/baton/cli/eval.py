"""`baton eval`: score Detect (and Route) on a labelled file, beside the plain baseline if asked."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from baton.cli.common import console, err_console

if TYPE_CHECKING:
    from baton.detect import Detector
    from baton.learn.evaluate import Case, Deciding, Report
    from baton.policy import Policy


def _detector(
    policy: Policy,
    policy_dir: Path | None,
    train: Path | None,
    val: Path | None,
    shots: int | None = None,
) -> Detector:
    from baton.config import get_settings
    from baton.detect import Detector, load_models, read_examples, train_models
    from baton.detect.training import policy_encoder
    from baton.learn.evaluate import primed_encoder, sample_shots

    cache = get_settings().model_cache_dir
    if train is None and val is None:
        return Detector(policy, load_models(policy, base_dir=policy_dir, cache_dir=cache))
    examples = read_examples(train) if train is not None else None
    if examples is not None and shots is not None:
        examples = sample_shots(examples, shots)
    validation = read_examples(val) if val is not None else ()
    files = [read_examples(train) if train is not None else [], validation]
    texts = [[e.text for e in file] for file in files]
    encoder = primed_encoder(policy_encoder(policy, cache), texts, cache)
    models = train_models(
        policy,
        base_dir=policy_dir,
        train=examples,
        validation=validation,
        cache_dir=cache,
        encoder=encoder,
    )
    return Detector(policy, models)


def _with_encoder(policy: Policy, encoder: str | None) -> Policy:
    """The policy in the mode asked for: `--encoder light` is light mode, a name is encoder mode."""
    if encoder is None:
        return policy
    name = None if encoder == "light" else encoder
    return policy.model_copy(update={"detect": policy.detect.model_copy(update={"encoder": name})})


def _run(name: str, detector: Deciding, cases: list[Case], policy: Policy) -> Report:
    from baton.learn.evaluate import evaluate

    with Progress(console=err_console, transient=True, disable=False) as progress:
        task = progress.add_task(f"{name}: {len(cases)} conversations", total=len(cases))
        return evaluate(detector, cases, policy, on_case=lambda: progress.advance(task))


def _table(reports: dict[str, Report]) -> Table:
    table = Table(title="Detection quality")
    table.add_column("metric")
    for name in reports:
        table.add_column(name, justify="right")
    first = next(iter(reports.values()))
    rows: list[tuple[str, list[str]]] = [
        ("conversations", [str(r.n) for r in reports.values()]),
        ("detector mode", [r.mode or "-" for r in reports.values()]),
        (
            "escalate P / R / F1",
            [
                f"{r.escalate.precision:.3f} / {r.escalate.recall:.3f} / {r.escalate.f1:.3f}"
                for r in reports.values()
            ],
        ),
    ]
    for code in first.reasons:
        rows.append(
            (
                f"{code} P / R / F1 (n={first.reasons[code].support})",
                [
                    f"{r.reasons[code].precision:.3f} / {r.reasons[code].recall:.3f} / "
                    f"{r.reasons[code].f1:.3f}"
                    for r in reports.values()
                ],
            )
        )
    for label, attr in (
        ("queue accuracy", "queue_accuracy"),
        ("intent accuracy", "intent_accuracy"),
        ("overall accuracy (out of scope a class)", "overall_accuracy"),
    ):
        values = [getattr(r, attr) for r in reports.values()]
        rows.append((label, ["-" if v is None else f"{v:.4f}" for v in values]))
    rows.append(
        (
            "latency ms p50 / p99",
            [f"{r.latency_ms.p50:.3f} / {r.latency_ms.p99:.3f}" for r in reports.values()],
        )
    )
    for label, values in rows:
        table.add_row(label, *values)
    return table


def eval_command(
    data: Annotated[
        Path,
        typer.Option("--data", help="evaluation file (JSON Lines, the format of docs/detect.md)"),
    ],
    train: Annotated[
        Path | None, typer.Option("--train", help="train the scope/intent model on this file")
    ] = None,
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="policy file; the default if unset")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object to stdout")] = False,
    baseline: Annotated[bool, typer.Option("--baseline", help="also run the baseline")] = False,
    val: Annotated[
        Path | None, typer.Option("--val", help="calibrate the model on this file")
    ] = None,
    encoder: Annotated[
        str | None,
        typer.Option(
            "--encoder", help="encoder mode with this encoder, or 'light' (else policy's)"
        ),
    ] = None,
    shots: Annotated[
        int | None,
        typer.Option("--shots", min=1, help="sample --train to N examples per intent (seed 0)"),
    ] = None,
    oos_share: Annotated[
        float | None,
        typer.Option(
            "--oos-share", min=0.01, max=0.99, help="resample --data to this share out of scope"
        ),
    ] = None,
    cross: Annotated[
        bool,
        typer.Option("--cross", help="person model learns from --train + synthetic rows only"),
    ] = False,
    typos: Annotated[
        bool, typer.Option("--typos", help="also score the file misspelt at a fixed seed")
    ] = False,
    flag: Annotated[
        str | None, typer.Option("--flag", help="only rows whose expect.flags has these letters")
    ] = None,
) -> None:
    """Score Detect on a labelled file: escalation and per-reason P/R/F1, queue, intent, latency."""
    from baton.cli.eval_person import cross_detector, variants
    from baton.config import get_settings
    from baton.detect import read_examples
    from baton.detect.baseline import BaselineDetector
    from baton.detect.examples import training_examples
    from baton.errors import BatonError
    from baton.learn.evaluate import prime_encoder, read_cases, resample_out_of_scope, sample_shots
    from baton.policy import load_policy

    try:
        policy = _with_encoder(load_policy(policy_file), encoder)
        policy_dir = policy_file.parent if policy_file else None
        cases = read_cases(data)
        whole_file = cases
        if oos_share is not None:
            cases = resample_out_of_scope(cases, oos_share)
        if cross:
            detector: Deciding = cross_detector(policy, policy_dir, train)
        else:
            detector = _detector(policy, policy_dir, train, val, shots)
        runs = variants(data, cases, flag, typos)
        every = [*whole_file, *(c for chosen in runs.values() for c in chosen)]
        prime_encoder(detector, every, get_settings().model_cache_dir)
        reports = {name: _run(name, detector, chosen, policy) for name, chosen in runs.items()}
        cases = runs["baton"]
        models = getattr(detector, "models", None)
        if models is not None:
            reports["baton"].mode = models.mode
        if baseline:
            examples = read_examples(train) if train else training_examples(policy, policy_dir)
            if train is not None and shots is not None:
                examples = sample_shots(examples, shots)
            reports["baseline"] = _run(
                "baseline", BaselineDetector(policy, examples), cases, policy
            )
    except BatonError as exc:
        err_console.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(1) from exc
    if as_json:
        body = reports["baton"].model_dump(mode="json")
        if typos:
            body["typos"] = reports["baton+typos"].model_dump(mode="json")
        if baseline:
            body["baseline"] = reports["baseline"].model_dump(mode="json")
        typer.echo(json.dumps(body))
        return
    console.print(_table(reports))
