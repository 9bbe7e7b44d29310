"""Prepare: the case brief, so the customer never repeats themselves."""

from baton.brief.builder import build_brief, find_identifiers
from baton.brief.llm import ChatCompletionsSummarizer, summarizer_from_settings
from baton.brief.redaction import Redactor, redactor_for
from baton.brief.render import render, render_markdown, render_text
from baton.brief.summarize import (
    ExtractiveSummarizer,
    StaticSummarizer,
    Summarizer,
    Summary,
    SummaryRequest,
)
from baton.brief.tickets import ticket_payload

__all__ = [
    "ChatCompletionsSummarizer",
    "ExtractiveSummarizer",
    "Redactor",
    "StaticSummarizer",
    "Summarizer",
    "Summary",
    "SummaryRequest",
    "build_brief",
    "find_identifiers",
    "redactor_for",
    "render",
    "render_markdown",
    "render_text",
    "summarizer_from_settings",
    "ticket_payload",
]
