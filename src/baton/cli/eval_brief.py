"""`baton eval-brief`: score the case brief on a hand-labelled set of conversations."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from baton.cli.common import console, err_console


def eval_brief_command(
    data: Annotated[
        Path | None,
        typer.Option("--data", help="brief set (YAML); the shipped synthetic set if unset"),
    ] = None,
    policy_file: Annotated[
        Path | None, typer.Option("--policy", help="policy file; the default if unset")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="one JSON object to stdout")] = False,
    show: Annotated[bool, typer.Option("--cases", help="list every case")] = False,
) -> None:
    """Score the brief: case intent, wants, playbook step, and whether it quotes the customer.

    Runs each conversation through the engine on a throwaway SQLite store (nothing is written
    to your store). The shipped set is synthetic and hand-labelled (docs/brief.md).
    """
    from baton.config import get_settings
    from baton.engine import Runtime
    from baton.errors import BatonError
    from baton.learn.brief_eval import default_set, evaluate_briefs, read_set
    from baton.policy import load_policy

    try:
        policy = load_policy(policy_file)
        runtime = Runtime(
            policy,
            policy_dir=policy_file.parent if policy_file else None,
            model_cache_dir=get_settings().model_cache_dir,
        )
        report = evaluate_briefs(runtime, read_set(data or default_set()))
    except BatonError as exc:
        err_console.print(f"[red]error:[/] {exc.message}")
        raise typer.Exit(1) from exc
    if as_json:
        typer.echo(json.dumps(report.model_dump(mode="json")))
        return
    table = Table(title=f"Brief quality ({report.n} conversations)")
    table.add_column("metric")
    table.add_column("value", justify="right")
    for label, value in (
        ("case intent accuracy", f"{report.intent_accuracy:.3f}"),
        ("wants accuracy", f"{report.wants_accuracy:.3f}"),
        ("wants line = wants field", f"{report.wants_consistent:.3f}"),
        ("playbook step accuracy", f"{report.step_accuracy:.3f}"),
        ("next actions quoting the customer", str(report.next_actions_quoting)),
        ("ticket subjects quoting the customer", str(report.subjects_quoting)),
        (
            "distinct next actions / intents",
            f"{report.distinct_next_actions} / {report.distinct_intents}",
        ),
    ):
        table.add_row(label, value)
    console.print(table)
    if show:
        for case in report.cases:
            marks = "".join(
                "x" if not ok else "." for ok in (case.intent_ok, case.wants_ok, case.step_ok)
            )
            console.print(
                f"{marks} {case.id}: {case.intent} | {case.step} | {case.next_action}", markup=False
            )
