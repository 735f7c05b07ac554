"""The staging table: extracted articles keyed by page, and the exact-dedupe decisions on them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict
from typing import Any

from sqlalchemy import Row, select, update
from sqlalchemy.orm import Session

from pipeline.dedupe import Decision
from pipeline.records import Article as ArticleRecord
from pipeline.store.engine import changed, insert_for
from pipeline.store.models import Article, Extraction

ARTICLE_FIELDS = (
    "url", "canonical_url", "site", "title", "published_at", "source", "author", "editor",
    "photographer", "script", "body", "body_simplified", "body_hash", "flags", "attachments",
    "extractor_version", "title_source", "date_source",
)  # fmt: skip


def article_row(article: ArticleRecord, canonical_url: str, body_hash: str) -> dict[str, Any]:
    return {
        "url": article.url,
        "canonical_url": canonical_url,
        "site": article.site,
        "title": article.title,
        "published_at": article.published_at,
        "source": article.source,
        "author": article.author,
        "editor": article.editor,
        "photographer": article.photographer,
        "script": article.script,
        "body": article.body,
        "body_simplified": article.body_simplified,
        "body_hash": body_hash,
        "flags": sorted(article.flags),
        "attachments": [asdict(a) for a in article.attachments],
        "extractor_version": article.extractor_version,
        "title_source": article.title_source,
        "date_source": article.date_source,
    }


def save_extractions(session: Session, run_id: str, rows: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Stage extracted articles, keyed by page; a re-extraction replaces the page's row."""
    if not rows:
        return
    values = [{"page_id": page_id, "run_id": run_id, **row} for page_id, row in rows]
    statement = insert_for(session, Extraction).values(values)
    columns = ("run_id", *ARTICLE_FIELDS)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["page_id"],
            set_={c: statement.excluded[c] for c in columns},
            where=changed(Extraction, statement.excluded, columns),
        )
    )


def drop_extraction(session: Session, page_id: int) -> None:
    """A page that no longer extracts to an article (now rejected) leaves the staging table."""
    session.execute(Extraction.__table__.delete().where(Extraction.page_id == page_id))


def staged_for_dedupe(session: Session, run_id: str, urls: tuple[str, str] | None = None) -> list[Row[Any]]:
    """What dedupe reads of the run's staged articles (``urls``: a canonical URL range, one dedupe
    slice): plain rows, not the whole extraction, as a slice holds ~10 MB of body text."""
    query = (select(Extraction.page_id, Extraction.canonical_url, Extraction.site, Extraction.script,
                    Extraction.published_at, Extraction.body_hash, Extraction.body_simplified,
                    Extraction.duplicate_of, Extraction.duplicate_reason)
             .where(Extraction.run_id == run_id).order_by(Extraction.page_id))
    if urls is not None:
        query = query.where(Extraction.canonical_url.between(*urls))
    return list(session.execute(query))


def dedupe_slices(session: Session, run_id: str, size: int) -> list[tuple[str, str]]:
    """Split the run's staged articles into ranges of about ``size`` canonical URLs (first, last),
    so that the copies of one URL are always deduped together."""
    urls = session.scalars(select(Extraction.canonical_url).distinct()
                           .where(Extraction.run_id == run_id).order_by(Extraction.canonical_url)).all()
    return [(urls[i], urls[min(i + size, len(urls)) - 1]) for i in range(0, len(urls), size)]


def stored_body_hashes(session: Session, hashes: Iterable[str]) -> dict[str, str]:
    """Body hash -> canonical URL of the stored original article with that body."""
    wanted = list(set(hashes))
    if not wanted:
        return {}
    rows = session.execute(
        select(Article.body_hash, Article.canonical_url)
        .where(Article.body_hash.in_(wanted), Article.duplicate_of_id.is_(None))
        .order_by(Article.published_at, Article.id)
    )
    found: dict[str, str] = {}
    for body_hash, url in rows:
        found.setdefault(body_hash, url)
    return found


def save_decisions(session: Session, staged: Sequence[Row[Any]], decisions: Sequence[Decision]) -> None:
    """Record each staged article's exact-dedupe decision; rows already so decided are not touched."""
    current = {row.page_id: (row.duplicate_of, row.duplicate_reason) for row in staged}
    changed = [{"page_id": d.key, "duplicate_of": d.duplicate_of, "duplicate_reason": d.reason}
               for d in decisions if current[d.key] != (d.duplicate_of, d.reason)]
    if changed:
        session.execute(update(Extraction), changed)
