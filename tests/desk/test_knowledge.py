"""The knowledge base: Markdown in, full-text search out, on SQLite FTS5 and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from baton.desk import knowledge
from baton.errors import InvalidRequest
from baton.store.tables import DEFAULT_TENANT
from tests.factories.desk import NOW, later

REFUNDS = """# Refunds for card payments

Refunds go back to the card that paid, within 5 business days of approval.
A refund over 500 EUR needs a supervisor.

## Reply

Hi {customer_name}, I've started the refund for order {order}; expect it in 5 business days.
"""
CARDS = """# Lost or stolen cards

Freeze the card in the app at once, then order a replacement. Fraudulent payments are refunded.
"""
PASSWORD = "Reset a forgotten password from the sign-in page; verify identity first.\n"


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "kb"
    (folder / "billing").mkdir(parents=True)
    (folder / "billing" / "Refunds.md").write_text(REFUNDS)
    (folder / "cards.md").write_text(CARDS)
    (folder / "password-reset.md").write_text(PASSWORD)
    (folder / "notes.txt").write_text("not markdown")
    return folder


def test_parse_takes_title_body_and_reply() -> None:
    article = knowledge.parse_article("billing-refunds", REFUNDS)
    assert article.title == "Refunds for card payments"
    assert article.body.startswith("Refunds go back") and "## Reply" not in article.body
    assert article.reply is not None and article.reply.startswith("Hi {customer_name}")
    bare = knowledge.parse_article("password-reset", PASSWORD)
    assert (bare.title, bare.reply) == ("password-reset", None)


def test_load_upserts_by_slug_and_prunes(session: Session, kb_dir: Path) -> None:
    articles = knowledge.read_folder(kb_dir)
    assert sorted(a.slug for a in articles) == ["billing-refunds", "cards", "password-reset"]
    first = knowledge.load(tenant_id=DEFAULT_TENANT, session=session, articles=articles, now=NOW)
    assert (first.added, first.updated, first.unchanged) == (3, 0, 0)
    (kb_dir / "cards.md").write_text(CARDS + "\nCall us if the app is unavailable.\n")
    (kb_dir / "password-reset.md").unlink()
    again = knowledge.load(
        tenant_id=DEFAULT_TENANT,
        session=session,
        articles=knowledge.read_folder(kb_dir),
        now=later(1),
        prune=True,
    )
    assert (again.added, again.updated, again.unchanged, again.removed) == (0, 1, 1, 1)
    assert knowledge.get(tenant_id=DEFAULT_TENANT, session=session, slug="password-reset") is None
    assert (
        knowledge.search(tenant_id=DEFAULT_TENANT, session=session, query="forgotten password")
        == []
    )
    assert [
        h.slug
        for h in knowledge.search(
            tenant_id=DEFAULT_TENANT, session=session, query="app unavailable"
        )
    ] == ["cards"]


def test_search_ranks_matches_on_both_engines(session: Session, kb_dir: Path) -> None:
    knowledge.load(
        tenant_id=DEFAULT_TENANT, session=session, articles=knowledge.read_folder(kb_dir), now=NOW
    )
    hits = knowledge.search(
        tenant_id=DEFAULT_TENANT, session=session, query="How do I get a refund on my card?"
    )
    assert hits[0].slug == "billing-refunds"
    assert {h.slug for h in hits} >= {"billing-refunds", "cards"}
    assert hits[0].reply is not None
    assert (
        knowledge.search(tenant_id=DEFAULT_TENANT, session=session, query="stolen")[0].slug
        == "cards"
    )
    assert knowledge.search(tenant_id=DEFAULT_TENANT, session=session, query="zeppelin") == []


@pytest.mark.parametrize(
    "query", ['"', "refund OR", "NEAR(", "a:b", "'; DROP TABLE kb_articles; --", "*", "ré fund"]
)
def test_search_syntax_never_reaches_the_engine(session: Session, kb_dir: Path, query: str) -> None:
    knowledge.load(
        tenant_id=DEFAULT_TENANT, session=session, articles=knowledge.read_folder(kb_dir), now=NOW
    )
    knowledge.search(tenant_id=DEFAULT_TENANT, session=session, query=query)
    assert knowledge.get(tenant_id=DEFAULT_TENANT, session=session, slug="cards") is not None


def test_read_folder_refuses_a_missing_folder(tmp_path: Path) -> None:
    with pytest.raises(InvalidRequest):
        knowledge.read_folder(tmp_path / "nope")


def test_slugs_are_url_safe() -> None:
    assert knowledge.slug_for(Path("Billing/Ré funds & <x>.md")) == "billing-r-funds-x"
