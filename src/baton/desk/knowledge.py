"""The knowledge base: a folder of Markdown files, searched with SQLite FTS5 or PostgreSQL FTS.

An article is one `.md` file: its first `# ` heading is the title (else the file name), and an
optional `## Reply` section holds a reply template the console suggests, filled from the brief.
"""

from __future__ import annotations

import hashlib
import re
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from baton.domain import Brief
from baton.errors import InvalidRequest
from baton.store.tables import KbArticleRow

MAX_ARTICLE_BYTES = 256 * 1024
_WORD = re.compile(r"[^\W_]{2,40}", re.UNICODE)
_SLUG_PART = re.compile(r"[^a-z0-9]+")
_STOPWORDS = (
    "a an and are as at be but by can do for from has have how i in is it its me my no not of "
    "on or our so that the this to was we what when where which who why will with you your"
)
_STOP = frozenset(_STOPWORDS.split())


@dataclass(frozen=True)
class Article:
    slug: str
    title: str
    body: str
    reply: str | None


@dataclass(frozen=True)
class Hit:
    slug: str
    title: str
    reply: str | None
    score: float


@dataclass(frozen=True)
class LoadReport:
    added: int
    updated: int
    unchanged: int
    removed: int


def slug_for(path: Path) -> str:
    """A URL-safe slug from a path inside the folder: `billing/Refunds.md` -> `billing-refunds`."""
    parts = [_SLUG_PART.sub("-", p.lower()).strip("-") for p in path.with_suffix("").parts]
    return "-".join(p for p in parts if p)[:200] or "article"


def parse_article(slug: str, source: str) -> Article:
    """Split a Markdown file into title, body and the optional `## Reply` section."""
    lines = source.replace("\r\n", "\n").split("\n")
    title = next((ln[2:].strip() for ln in lines if ln.startswith("# ")), "") or slug
    body_lines: list[str] = []
    reply_lines: list[str] | None = None
    for line in lines:
        if line.startswith("# ") and line[2:].strip() == title:
            continue
        heading = line.lstrip("#").strip().lower() if line.startswith("##") else None
        if heading is not None:
            reply_lines = [] if heading == "reply" else None
            if heading == "reply":
                continue
        (reply_lines if reply_lines is not None else body_lines).append(line)
    reply = "\n".join(reply_lines).strip() if reply_lines is not None else ""
    return Article(
        slug=slug, title=title[:300], body="\n".join(body_lines).strip(), reply=reply or None
    )


def read_folder(folder: Path) -> list[Article]:
    """Every `.md` file under `folder`; symbolic links, files outside it and non-UTF-8 text are
    refused, so a link to `/proc/self/environ` cannot become an article every agent reads."""
    if not folder.is_dir():
        raise InvalidRequest(f"{folder} is not a folder", field="dir")
    root = folder.resolve()
    articles: dict[str, Article] = {}
    for path in sorted(folder.rglob("*.md")):
        slug = slug_for(path.relative_to(folder))
        if slug in articles:
            raise InvalidRequest(f"two files make the slug {slug!r}", field="dir")
        articles[slug] = parse_article(slug, _read_article(path, folder, root))
    return list(articles.values())


def _read_article(path: Path, folder: Path, root: Path) -> str:
    inside = path.relative_to(folder)
    for step in (folder.joinpath(*inside.parts[: i + 1]) for i in range(len(inside.parts))):
        if step.is_symlink():
            raise InvalidRequest(f"{step} is a symbolic link; links are not loaded", field="dir")
    if not path.resolve().is_relative_to(root):
        raise InvalidRequest(f"{path} is outside {folder}", field="dir")
    status = path.stat()
    if not stat.S_ISREG(status.st_mode):
        raise InvalidRequest(f"{path} is not a regular file", field="dir")
    if status.st_size > MAX_ARTICLE_BYTES:
        raise InvalidRequest(f"{path} is over {MAX_ARTICLE_BYTES} bytes", field="dir")
    try:
        return path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidRequest(
            f"{path} is not UTF-8 text (byte {exc.start}); save it as UTF-8", field="dir"
        ) from None


def _digest(article: Article) -> str:
    joined = "\x00".join((article.title, article.body, article.reply or ""))
    return hashlib.sha256(joined.encode("utf-8")).hexdigest()


def load(
    *,
    session: Session,
    tenant_id: str,
    articles: Iterable[Article],
    now: datetime,
    prune: bool = False,
) -> LoadReport:
    """Upsert the tenant's articles by slug; with `prune`, remove stored articles the folder no
    longer has."""
    stored = {
        row.slug: row
        for row in session.scalars(select(KbArticleRow).where(KbArticleRow.tenant_id == tenant_id))
    }
    added = updated = unchanged = 0
    seen: set[str] = set()
    for article in articles:
        seen.add(article.slug)
        digest = _digest(article)
        row = stored.get(article.slug)
        if row is None:
            session.add(
                KbArticleRow(
                    tenant_id=tenant_id,
                    slug=article.slug,
                    title=article.title,
                    body=article.body,
                    reply=article.reply,
                    source_sha256=digest,
                    updated_at=now,
                )
            )
            added += 1
        elif row.source_sha256 == digest:
            unchanged += 1
        else:
            row.title, row.body, row.reply = article.title, article.body, article.reply
            row.source_sha256, row.updated_at = digest, now
            updated += 1
    gone = [slug for slug in stored if slug not in seen] if prune else []
    if gone:
        session.execute(
            delete(KbArticleRow).where(
                KbArticleRow.tenant_id == tenant_id, KbArticleRow.slug.in_(gone)
            )
        )
    session.flush()
    return LoadReport(added=added, updated=updated, unchanged=unchanged, removed=len(gone))


def terms(text_: str, limit: int = 12) -> list[str]:
    """Search words from free text: letters and digits only, so no query syntax gets through."""
    out: list[str] = []
    for word in _WORD.findall(text_.lower()):
        if word not in _STOP and word not in out:
            out.append(word)
    return out[:limit]


def search(*, session: Session, tenant_id: str, query: str, limit: int = 5) -> list[Hit]:
    """The tenant's articles matching any of the query's words, best first."""
    words = terms(query)
    if not words:
        return []
    if session.get_bind().dialect.name == "sqlite":
        return _search_sqlite(session, tenant_id, words, limit)
    return _search_postgresql(session, tenant_id, words, limit)


def _search_sqlite(session: Session, tenant_id: str, words: list[str], limit: int) -> list[Hit]:
    match = " OR ".join(f'"{w}"' for w in words)
    rows = session.execute(
        text(
            "SELECT a.slug, a.title, a.reply, bm25(kb_articles_fts, 4.0, 1.0) AS rank "
            "FROM kb_articles_fts JOIN kb_articles a ON a.id = kb_articles_fts.rowid "
            "WHERE kb_articles_fts MATCH :match AND a.tenant_id = :tenant "
            "ORDER BY rank, a.slug LIMIT :limit"
        ),
        {"match": match, "tenant": tenant_id, "limit": limit},
    ).all()
    return [Hit(slug=r[0], title=r[1], reply=r[2], score=-float(r[3])) for r in rows]


def _search_postgresql(session: Session, tenant_id: str, words: list[str], limit: int) -> list[Hit]:
    document = func.to_tsvector("english", KbArticleRow.title + " " + KbArticleRow.body)
    query = func.to_tsquery("english", " | ".join(words))
    rank = func.ts_rank(document, query).label("rank")
    rows = session.execute(
        select(KbArticleRow.slug, KbArticleRow.title, KbArticleRow.reply, rank)
        .where(KbArticleRow.tenant_id == tenant_id, document.op("@@")(query))
        .order_by(rank.desc(), KbArticleRow.slug)
        .limit(limit)
    ).all()
    return [Hit(slug=r[0], title=r[1], reply=r[2], score=float(r[3])) for r in rows]


def get(*, session: Session, tenant_id: str, slug: str) -> KbArticleRow | None:
    return session.scalars(
        select(KbArticleRow).where(KbArticleRow.tenant_id == tenant_id, KbArticleRow.slug == slug)
    ).first()


def brief_query(brief: Brief) -> str:
    """What to look up for a case: its topic, intent and the customer's ask."""
    parts = [brief.topic or "", (brief.intent or "").replace("_", " "), brief.desired_outcome]
    return " ".join(parts)


def for_brief(*, session: Session, tenant_id: str, brief: Brief, limit: int = 3) -> list[Hit]:
    return search(session=session, tenant_id=tenant_id, query=brief_query(brief), limit=limit)
