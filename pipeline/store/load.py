"""Loading staged articles into ``articles``: one server-side merge per run, versions, cluster links.

The functions take a ``Session`` and leave the transaction to the caller. ``benchmarks/load.py`` measures this path against a raw ``COPY`` of the same rows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import case, literal, or_, select, true
from sqlalchemy.orm import Session

from pipeline.store.clusters import link_clusters
from pipeline.store.engine import changed, insert_for
from pipeline.store.models import Article, ArticleVersion, Extraction, Timestamp
from pipeline.store.staging import ARTICLE_FIELDS

# Compared to tell a changed article from an unchanged one; the body is compared by its hash, so an
# unchanged re-run reads no body and writes no row (no dead tuples).
COMPARED = tuple(f for f in ARTICLE_FIELDS if f not in ("body", "body_simplified"))


def _staged(run_id: str, urls: tuple[str, str] | None) -> Any:
    """The run's staged articles to load (of one canonical URL range, if given): a URL duplicate
    is the same article, not loaded again."""
    query = select(Extraction).where(
        Extraction.run_id == run_id,
        or_(Extraction.duplicate_reason.is_(None), Extraction.duplicate_reason != "url"),
    )
    if urls is not None:
        query = query.where(Extraction.canonical_url.between(*urls))
    return query.subquery()


def load_run(session: Session, run_id: str, now: datetime, urls: tuple[str, str] | None = None) -> None:
    """Merge the run's staged articles into ``articles`` with one ``INSERT ... SELECT ... ON CONFLICT
    DO UPDATE ... WHERE changed`` (all in the server); a changed body first keeps the old one as a
    version. Then link each article to its story cluster's canonical member.

    With ``urls`` (one dedupe slice) only that range is merged, and the links are left to
    :func:`link_clusters` once every slice is in: slices are merged in parallel, and a story may
    span several of them."""
    save_versions(session, run_id, now, urls)
    staged = _staged(run_id, urls)
    statement = insert_for(session, Article).from_select(
        [*ARTICLE_FIELDS, "first_run_id", "last_run_id", "first_seen_at", "updated_at", "version",
         "version_seen_at"],
        select(*(staged.c[f] for f in ARTICLE_FIELDS), literal(run_id), literal(run_id),
               literal(now, Timestamp), literal(now, Timestamp), literal(1), literal(now, Timestamp))
        .where(true()),  # SQLite needs a WHERE before ON CONFLICT to parse INSERT ... SELECT
    )
    new_body = Article.body_hash != statement.excluded.body_hash
    session.execute(statement.on_conflict_do_update(
        index_elements=["canonical_url"],
        set_={**{f: statement.excluded[f] for f in ARTICLE_FIELDS},
              "last_run_id": statement.excluded.last_run_id, "updated_at": statement.excluded.updated_at,
              "version": Article.version + case((new_body, 1), else_=0),
              "version_seen_at": case((new_body, statement.excluded.version_seen_at),
                                      else_=Article.version_seen_at)},
        where=changed(Article, statement.excluded, COMPARED),
    ))
    if urls is None:
        link_clusters(session, run_id)


def save_versions(session: Session, run_id: str, now: datetime, urls: tuple[str, str] | None = None) -> None:
    """Keep the current body of each article the run re-crawled with a changed body as a version."""
    staged = _staged(run_id, urls)
    current = (
        select(Article.id, Article.version, Article.title, Article.body, Article.body_hash,
               Article.version_seen_at, literal(now, Timestamp), literal(run_id))
        .join(staged, staged.c.canonical_url == Article.canonical_url)
        .where(staged.c.body_hash != Article.body_hash)
    )
    columns = ["article_id", "version", "title", "body", "body_hash", "seen_at", "superseded_at", "run_id"]
    statement = insert_for(session, ArticleVersion).from_select(columns, current)
    session.execute(statement.on_conflict_do_nothing(index_elements=["article_id", "version"]))


