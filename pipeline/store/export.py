"""Reading articles (with cluster ids and earlier versions) and raw pages for export, streamed.

Rows come from server-side cursors in batches, so memory stays flat however many rows there are.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from pipeline.store.models import Article, ArticleVersion, Page, StoryMember

BATCH = 1000
VERSION_FIELDS = ("version", "title", "body", "body_hash", "seen_at", "superseded_at", "run_id")
# Article columns that are exported as they are (the staged fields, then what the load adds).
ARTICLE_COLUMNS = tuple(c.name for c in Article.__table__.columns)
EXPORTED_FIELDS = (*ARTICLE_COLUMNS, "cluster_id", "versions")


def _filtered(statement: Select[Any], site: str | None, since: datetime | None) -> Select[Any]:
    if site is not None:
        statement = statement.where(Article.site == site)
    if since is not None:
        statement = statement.where(Article.published_at >= since)
    return statement


def article_rows(session: Session, site: str | None = None, since: datetime | None = None
                 ) -> Iterator[tuple[Any, ...]]:
    """Articles by id as tuples in the order of ``EXPORTED_FIELDS``: the story cluster id (None while
    not deduped) and the list of earlier versions (dicts of ``VERSION_FIELDS``, oldest first).
    ``body_simplified`` is None where it is the body itself (a Simplified article): half the bytes."""
    columns = [c if c.name != "body_simplified" else func.nullif(c, Article.body).label(c.name)
               for c in Article.__table__.columns]
    articles = _filtered(
        select(*columns, StoryMember.cluster_id)
        .outerjoin(StoryMember, StoryMember.canonical_url == Article.canonical_url), site, since,
    ).order_by(Article.id)
    versions = _filtered(
        select(ArticleVersion.article_id, *(getattr(ArticleVersion, f) for f in VERSION_FIELDS))
        .join(Article, Article.id == ArticleVersion.article_id), site, since,
    ).order_by(ArticleVersion.article_id, ArticleVersion.version)
    stream = {"yield_per": BATCH, "stream_results": True}
    pending = iter(session.execute(versions, execution_options=stream))
    next_version = next(pending, None)
    for row in session.execute(articles, execution_options=stream):
        own = []
        while next_version is not None and next_version[0] <= row.id:
            if next_version[0] == row.id:
                own.append(dict(zip(VERSION_FIELDS, next_version[1:], strict=True)))
            next_version = next(pending, None)
        yield (*row, own)


def page_rows(session: Session, site: str | None = None, since: datetime | None = None
              ) -> Iterator[tuple[str, int, dict[str, str], bytes, datetime]]:
    """Stored raw responses (url, status, headers, body, fetched_at), by id, fetched since ``since``."""
    statement = select(Page.url, Page.status, Page.headers, Page.body, Page.fetched_at).order_by(Page.id)
    if site is not None:
        statement = statement.where(Page.site == site)
    if since is not None:
        statement = statement.where(Page.fetched_at >= since)
    for row in session.execute(statement, execution_options={"yield_per": 200, "stream_results": True}):
        yield tuple(row)  # type: ignore[misc]
