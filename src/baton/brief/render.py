"""One brief, three renderings: JSON for the API, Markdown for consoles and CRMs, plain text for
e-mail and ticket descriptions. The renderings never read `ticket_fields` (the ticket is built
from the text rendering)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Literal

from baton.domain import Brief, Role

Format = Literal["json", "markdown", "text"]

_ROLE_NAMES = {Role.USER: "Customer", Role.BOT: "Bot", Role.AGENT: "Agent", Role.SYSTEM: "System"}
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|~])")


def render(brief: Brief, fmt: Format) -> str:
    """The brief in the given format."""
    if fmt == "markdown":
        return render_markdown(brief)
    if fmt == "text":
        return render_text(brief)
    return brief.model_dump_json(indent=2)


def _facts(brief: Brief) -> list[tuple[str, str]]:
    facts = [("Urgency", brief.urgency.value)]
    if brief.intent:
        facts.append(("Intent", brief.intent.replace("_", " ")))
    if brief.topic:
        facts.append(("Topic", brief.topic))
    if brief.sentiment is not None:
        facts.append(("Mood", f"{brief.sentiment.label} ({brief.sentiment.level:+.2f})"))
    facts.append(("Wants", brief.desired_outcome or "not said yet"))
    return facts


def _sections(brief: Brief) -> Iterator[tuple[str, list[str]]]:
    yield "Summary", brief.summary.splitlines()
    yield "Next best action", [brief.next_best_action]
    yield "Identifiers", [f"{i.kind}: {i.value} (from {i.source})" for i in brief.identifiers]
    yield (
        "Why it was handed over",
        [f"{r.code.value} ({r.score:.2f}): {r.evidence}" for r in brief.reasons],
    )
    yield "What the bot tried", [f"{a.action}: {a.result or 'no result'}" for a in brief.attempted]
    yield "Suggested replies", list(brief.suggested_replies)
    yield "Knowledge", list(brief.knowledge)


def _transcript(brief: Brief) -> Iterator[tuple[str, str, str]]:
    for line in brief.transcript:
        yield _ROLE_NAMES[line.role], line.sent_at.strftime("%Y-%m-%d %H:%M UTC"), line.text


def render_text(brief: Brief) -> str:
    """Plain text: headed sections, for e-mail bodies and ticket descriptions."""
    out = ["CASE BRIEF", ""]
    out += [f"{name}: {value}" for name, value in _facts(brief)]
    for title, items in _sections(brief):
        if not items:
            continue
        out += ["", title.upper()]
        out += items if title == "Summary" else [f"- {item}" for item in items]
    if brief.transcript:
        out += ["", "TRANSCRIPT"]
        out += [f"[{when}] {who}: {text}" for who, when, text in _transcript(brief)]
    return "\n".join(out) + "\n"


def _md(text: str) -> str:
    """Customer words are shown, never interpreted: no links, HTML or formatting of theirs."""
    return _MD_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def render_markdown(brief: Brief) -> str:
    """Markdown: the same sections, with the customer's text escaped."""
    out = ["# Case brief", ""]
    out += [f"- **{name}:** {_md(value)}" for name, value in _facts(brief)]
    for title, items in _sections(brief):
        if not items:
            continue
        out += ["", f"## {title}", ""]
        if title == "Summary":
            out += [f"{_md(item)}  " for item in items]
        else:
            out += [f"- {_md(item)}" for item in items]
    if brief.transcript:
        out += ["", "## Transcript", ""]
        out += [f"- **{who}** _{when}_: {_md(text)}" for who, when, text in _transcript(brief)]
    return "\n".join(out) + "\n"
