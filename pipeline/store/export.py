"""Reading articles (with cluster ids and earlier versions) and raw pages for export, streamed.

Rows come from server-side cursors in batches, so memory stays flat however many rows there are.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from itertools import chain
from typing import IO, Any

from sqlalchemy import BigInteger, Select, Text, cast, func, literal, select
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session

from pipeline.store.models import Article, ArticleVersion, Page, StoryMember, Timestamp

BATCH = 1000
VERSION_FIELDS = ("version", "title", "body", "body_hash", "seen_at", "superseded_at", "run_id")
# Article columns that are exported as they are (the staged fields, then what the load adds).
ARTICLE_COLUMNS = tuple(c.name for c in Article.__table__.columns)
EXPORTED_FIELDS = (*ARTICLE_COLUMNS, "cluster_id", "versions")


# How ``copy_articles_csv`` writes the columns that CSV has no type for.
CSV_MICROSECONDS = frozenset(c.name for c in Article.__table__.columns if isinstance(c.type, Timestamp))
CSV_JSON = frozenset({"flags", "attachments", "versions"})


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


def copy_articles_csv(session: Session, out: IO[bytes], site: str | None = None,
                      since: datetime | None = None, limit: int | None = None) -> None:
    """The rows of ``article_rows`` (the same columns, in the same order) as CSV with a header, which
    PostgreSQL's COPY writes into ``out`` as fast as ``out`` takes it: no Python object per value.
    Times (``CSV_MICROSECONDS``) are microseconds since the epoch, UTC; ``CSV_JSON`` columns are JSON;
    NULL is an empty unquoted field, an empty string a quoted one. ``limit``: the first so many."""
    version = func.json_build_object(*chain.from_iterable((literal(f), getattr(ArticleVersion, f))
                                                          for f in VERSION_FIELDS))
    versions = (select(cast(func.json_agg(aggregate_order_by(version, ArticleVersion.version)), Text))
                .where(ArticleVersion.article_id == Article.id).scalar_subquery())
    columns = []
    for column in Article.__table__.columns:
        if column.name in CSV_MICROSECONDS:
            value = cast(func.extract("epoch", column) * 1_000_000, BigInteger)
        elif column.name == "body_simplified":
            value = func.nullif(column, Article.body)
        elif column.name in CSV_JSON:
            value = cast(column, Text)
        else:
            value = column
        columns.append(value.label(column.name))
    statement = _filtered(
        select(*columns, StoryMember.cluster_id, func.coalesce(versions, "[]").label("versions"))
        .outerjoin(StoryMember, StoryMember.canonical_url == Article.canonical_url), site, since,
    ).order_by(Article.id).limit(limit)
    compiled = statement.compile(dialect=session.get_bind().dialect)
    cursor = session.connection().connection.cursor()
    query = cursor.mogrify(str(compiled), compiled.params).decode()
    cursor.copy_expert(f"COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER true)", out)


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
