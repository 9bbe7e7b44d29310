"""`baton report`, `baton replay`, `baton learn`: the Learn stage from the command line."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer

from baton.cli.common import console, store_session
from baton.learn.review import build_review
from baton.learn.review_html import render_html


def report(
    week: Annotated[str, typer.Option(help="ISO week, e.g. 2026-W47")],
    out: Annotated[Path, typer.Option(help="file to write; .json writes the data as JSON")] = Path(
        "review.html"
    ),
    samples: Annotated[int, typer.Option(help="transcripts to include for review")] = 6,
) -> None:
    """Write the weekly review: KPIs against last week, charts, samples, coverage suggestions."""
    with store_session() as session:
        review = build_review(session=session, week=week, now=datetime.now(UTC), samples=samples)
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
