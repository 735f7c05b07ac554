"""Reading articles (with cluster ids and earlier versions) and raw pages for export, streamed.

Rows come from server-side cursors in batches, so memory stays flat however many rows there are.
On PostgreSQL the articles can also come as JSON built by the server (``article_json_batches``):
no Python object per value, and the server works while the reader parses the batch before.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Select, Text, cast, func, literal_column, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
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


def _exported_columns() -> list[Any]:
    """The article columns as exported: ``body_simplified`` is None where it is the body itself."""
    return [c if c.name != "body_simplified" else func.nullif(c, Article.body).label(c.name)
            for c in Article.__table__.columns]


def article_rows(session: Session, site: str | None = None, since: datetime | None = None
                 ) -> Iterator[tuple[Any, ...]]:
    """Articles by id as tuples in the order of ``EXPORTED_FIELDS``: the story cluster id (None while
    not deduped) and the list of earlier versions (dicts of ``VERSION_FIELDS``, oldest first).
    ``body_simplified`` is None where it is the body itself (a Simplified article): half the bytes."""
    articles = _filtered(
        select(*_exported_columns(), StoryMember.cluster_id)
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


def article_json_batches(session: Session, site: str | None = None, since: datetime | None = None,
                         size: int = BATCH) -> Iterator[bytes]:
    """PostgreSQL only: the articles of :func:`article_rows`, each one JSON object of
    ``EXPORTED_FIELDS`` made by the server (times with their offset, ``versions`` a list of
    objects), ``size`` lines a batch."""
    version = func.json_build_object(*(x for f in VERSION_FIELDS for x in (f, getattr(ArticleVersion, f))))
    versions = (select(func.coalesce(func.json_agg(aggregate_order_by(version, ArticleVersion.version)),
                                     literal_column("'[]'::json")))
                .where(ArticleVersion.article_id == Article.id).scalar_subquery())
    row = _filtered(
        select(*_exported_columns(), StoryMember.cluster_id, versions.label("versions"))
        .outerjoin(StoryMember, StoryMember.canonical_url == Article.canonical_url), site, since,
    ).subquery("row")
    # as text: the driver would parse json into Python objects
    statement = select(cast(func.row_to_json(literal_column("row")), Text)).select_from(row).order_by(row.c.id)
    lines = session.execute(statement, execution_options={"yield_per": size, "stream_results": True})
    for batch in lines.scalars().partitions():
        yield "\n".join(batch).encode()


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
