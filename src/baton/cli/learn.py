"""`baton report`, `baton replay`, `baton learn`: the Learn stage from the command line."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from baton.cli.common import TENANT_OPTION, console, store_session

if TYPE_CHECKING:
    from baton.learn.replay import Escalation, ReplayResult
    from baton.learn.retrain import LearnResult


def report(
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2026-W47")],
    out: Annotated[Path, typer.Option(help="file to write; .json writes the data as JSON")] = Path(
        "review.html"
    ),
    samples: Annotated[int, typer.Option(help="transcripts to include for review")] = 6,
    tenant: str = TENANT_OPTION,
) -> None:
    """Write the weekly review: KPIs against last week, charts, samples, coverage suggestions."""
    from baton.learn.review import build_review
    from baton.learn.review_html import render_html

    with store_session() as session:
        review = build_review(
            session=session, tenant_id=tenant, week=week, now=datetime.now(UTC), samples=samples
        )
    if out.suffix.lower() == ".json":
        out.write_text(review.model_dump_json(indent=2), encoding="utf-8")
    else:
        out.write_text(render_html(review), encoding="utf-8")
    k = review.kpis.overall
    console.print(
        f"wrote {out}: {k.handoffs} handoffs in {week}, {len(review.coverage)} coverage "
        f"suggestions, {len(review.samples)} transcripts to review"
        + (" [yellow](synthetic data)[/]" if review.synthetic_conversations else "")
    )


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


DATE_FORMATS = ["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S"]
Since = Annotated[
    datetime | None, typer.Option(formats=DATE_FORMATS, help="conversations from (UTC)")
]
Until = Annotated[
    datetime | None, typer.Option(formats=DATE_FORMATS, help="conversations before (UTC)")
]


def _counts_table(title: str, result: ReplayResult, by: str) -> Table:
    added = getattr(result, f"added_by_{by}")
    removed = getattr(result, f"removed_by_{by}")
    table = Table(title=title)
    for column in (by, "added", "removed"):
        table.add_column(column, justify="left" if column == by else "right")
    for key in sorted(set(added) | set(removed)):
        table.add_row(key, f"+{added.get(key, 0)}", f"-{removed.get(key, 0)}")
    return table


def print_replay(result: ReplayResult, examples: int) -> None:
    """The replay as tables: totals, per reason and queue, expected load, flipping examples."""
    delta = result.escalations_after - result.escalations_before
    console.print(
        f"[bold]{result.policy}[/] against [bold]{result.baseline}[/]: "
        f"{result.conversations:,} conversations over {result.days:g} days "
        f"({result.stored_handoffs:,} handoffs stored); escalations "
        f"{result.escalations_before:,} -> {result.escalations_after:,} ({delta:+,}); "
        f"changes: {result.changes or 'none'}"
    )
    drift = (
        "[green]the baseline's replay reproduces every stored decision[/]"
        if result.baseline_drift == 0
        else f"[yellow]the baseline's replay differs from {result.baseline_drift} stored "
        "decisions (another policy or models ran then; see --json drift_examples)[/]"
    )
    console.print(
        f"played through the live engine: {result.calls or 'nothing'}; "
        f"{result.decisions:,} decisions, {result.decisions_changed:,} changed; {drift}"
    )
    if result.models_missing:
        console.print(
            f"[yellow]model versions no longer cached, replayed with the current models: "
            f"{', '.join(result.models_missing)}[/]"
        )
    if result.removed_labels:
        console.print(f"removed handoffs by their agents' label: {result.removed_labels}")
    console.print(_counts_table("Handoffs added/removed per reason", result, "reason"))
    console.print(_counts_table("Handoffs added/removed per queue", result, "queue"))
    load = Table(title="Expected load per queue (offers counted at the rate customers take them)")
    for column in ("queue", "cases", "per day", "agent-hours/day"):
        load.add_column(column, justify="left" if column == "queue" else "right")
    for q in result.load:
        load.add_row(
            q.queue,
            f"{q.before} -> {q.after}",
            f"{q.per_day_before:g} -> {q.per_day_after:g}",
            f"{q.agent_hours_per_day_before:g} -> {q.agent_hours_per_day_after:g}",
        )
    console.print(load)
    flips = Table(title=f"Conversations that flip (first {examples} of {len(result.flips)})")
    for column in ("conversation", "change", "before", "after", "label", "customer said"):
        flips.add_column(column)
    for f in result.flips[:examples]:
        said = f.after or f.before
        flips.add_row(
            f.conversation_id,
            f.change,
            _esc(f.before),
            _esc(f.after),
            {True: "necessary", False: "unnecessary", None: ""}[f.label],
            said.text[:80] if said else "",
        )
    console.print(flips)


def _esc(e: Escalation | None) -> str:
    return "-" if e is None else f"{e.action.value} {'+'.join(e.reasons)} -> {e.queue}"


def replay_cmd(
    policy: Annotated[Path, typer.Option(help="the new policy file to try")],
    since: Since = None,
    until: Until = None,
    baseline: Annotated[
        Path | None,
        typer.Option(help="policy to compare with (default: the tenant's own, else configured)"),
    ] = None,
    examples: Annotated[int, typer.Option(help="flipping conversations to show")] = 10,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    tenant: str = TENANT_OPTION,
) -> None:
    """Replay stored conversations through another policy and show what would change."""
    from baton.config import get_settings
    from baton.learn.replay import replay
    from baton.policy import load_policy
    from baton.store.tenants import policy_of

    settings = get_settings()
    new = load_policy(policy)
    with store_session(settings) as session:
        base = (
            load_policy(baseline)
            if baseline is not None
            else policy_of(session=session, tenant_id=tenant, default=load_policy(settings.policy))
        )
        result = replay(
            session=session,
            tenant_id=tenant,
            baseline=base,
            policy=new,
            since=_aware(since),
            until=_aware(until),
            cache_dir=settings.model_cache_dir,
            policy_dir=settings.policy.parent if settings.policy else None,
        )
    if as_json:
        print(result.model_dump_json(indent=2))
    else:
        print_replay(result, examples)


def learn_cmd(
    since: Since = None,
    until: Until = None,
    min_labels: Annotated[int, typer.Option(help="labels a reason needs for a proposal")] = 20,
    min_recall: Annotated[float, typer.Option(help="share of necessary handoffs to keep")] = 0.98,
    out: Annotated[Path | None, typer.Option(help="write the proposed policy here")] = None,
    examples: Annotated[
        Path | None, typer.Option(help="write the labelled examples here (JSON Lines)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="print the result as JSON")] = False,
    tenant: str = TENANT_OPTION,
) -> None:
    """Turn agents' labels into examples and propose thresholds, measured by replay."""
    import yaml

    from baton.config import get_settings
    from baton.learn.retrain import learn, training_examples
    from baton.policy import load_policy
    from baton.store.tenants import policy_of

    settings = get_settings()
    with store_session(settings) as session:
        policy = policy_of(session=session, tenant_id=tenant, default=load_policy(settings.policy))
    models = None
    if policy.detect.encoder:
        from baton.detect import load_models

        base = Path(settings.policy).parent if settings.policy else None
        models = load_models(policy, base_dir=base, cache_dir=settings.model_cache_dir)
    with store_session(settings) as session:
        result, proposed = learn(
            session=session,
            tenant_id=tenant,
            policy=policy,
            since=_aware(since),
            until=_aware(until),
            min_labels=min_labels,
            min_recall=min_recall,
            cache_dir=settings.model_cache_dir,
            policy_dir=settings.policy.parent if settings.policy else None,
            models=models,
        )
        if examples is not None:
            with examples.open("w", encoding="utf-8") as fh:
                for example in training_examples(
                    session=session, tenant_id=tenant, since=_aware(since), until=_aware(until)
                ):
                    fh.write(json.dumps(example) + "\n")
    if out is not None and (result.proposals or result.scope_cut is not None):
        header = f"# Proposed by `baton learn` from {result.labelled} labelled handoffs.\n"
        body = yaml.safe_dump(proposed.model_dump(mode="json"), sort_keys=False)
        out.write_text(header + body, encoding="utf-8")
    if as_json:
        print(result.model_dump_json(indent=2))
        return
    _print_learn(result, out, examples)


def _print_learn(result: LearnResult, out: Path | None, examples: Path | None) -> None:
    console.print(
        f"{result.labelled} labelled handoffs, {result.examples} training examples"
        + (f" written to {examples}" if examples else "")
    )
    cut = result.scope_cut
    if cut is not None:
        console.print(
            f"scope cut {cut.current:g} -> {cut.proposed:g}: drops {cut.removes_unnecessary} of "
            f"{cut.unnecessary} unnecessary out-of-scope handoffs and {cut.removes_necessary} of "
            f"{cut.necessary} necessary ones (recall {cut.recall:.1%})"
        )
    if not result.proposals and cut is None:
        console.print("no threshold change to propose: the labels do not support one")
        return
    if result.proposals:
        table = Table(title="Proposed thresholds")
        for column in (
            "reason",
            "threshold",
            "labelled",
            "drops unnecessary",
            "drops necessary",
            "recall",
            "replayed: handoffs",
            "replayed: drops necessary / unnecessary / unlabelled",
        ):
            table.add_column(column)
        for p in result.proposals:
            m = p.measured
            table.add_row(
                p.reason,
                f"{p.current:g} -> {p.proposed:g}",
                f"{p.labelled} ({p.unnecessary} unnecessary)",
                str(p.removes_unnecessary),
                str(p.removes_necessary),
                f"{p.recall:.1%}",
                f"{m.escalations_before} -> {m.escalations_after}" if m else "",
                f"{m.removed_necessary} / {m.removed_unnecessary} / {m.removed_unlabelled}"
                if m
                else "",
            )
        console.print(table)
    if result.replay is not None:
        console.print(
            "[bold]Effect, measured by replaying the same period through the live engine:[/]"
        )
        print_replay(result.replay, 5)
    if out is not None:
        console.print(f"proposed policy written to {out}; check it with `baton policy check {out}`")
