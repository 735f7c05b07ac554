"""Reading articles (with cluster ids and earlier versions) and raw pages for export, streamed.

Rows come from server-side cursors in batches, so memory stays flat however many rows there are.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

from psycopg2.extensions import BYTES, register_type
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from pipeline.store.models import Article, ArticleVersion, Page, StoryMember

BATCH = 1000
VERSION_FIELDS = ("version", "title", "body", "body_hash", "seen_at", "superseded_at", "run_id")
# Article columns that are exported as they are (the staged fields, then what the load adds).
ARTICLE_COLUMNS = tuple(c.name for c in Article.__table__.columns)
EXPORTED_FIELDS = (*ARTICLE_COLUMNS, "cluster_id", "versions")
ID = ARTICLE_COLUMNS.index("id")


def _filtered(statement: Select[Any], site: str | None, since: datetime | None) -> Select[Any]:
    if site is not None:
        statement = statement.where(Article.site == site)
    if since is not None:
        statement = statement.where(Article.published_at >= since)
    return statement


def article_rows(session: Session, site: str | None = None, since: datetime | None = None,
                 text_as_bytes: bool = False) -> Iterator[tuple[Any, ...]]:
    """Articles by id as tuples in the order of ``EXPORTED_FIELDS``: the story cluster id (None while
    not deduped) and the list of earlier versions (dicts of ``VERSION_FIELDS``, oldest first).
    ``body_simplified`` is None where it is the body itself (a Simplified article): half the bytes.
    ``text_as_bytes``: the articles' text columns as UTF-8 bytes where the driver gives them so
    (PostgreSQL, client encoding UTF8), for a writer that stores them as they are: decoding each
    body into a str only for it to be encoded again was a quarter of the reading's CPU."""
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
    pending = _streamed(session, versions)
    next_version = next(pending, None)
    for row in _streamed(session, articles, text_as_bytes):
        own = []
        while next_version is not None and next_version[0] <= row[ID]:
            if next_version[0] == row[ID]:
                own.append(dict(zip(VERSION_FIELDS, next_version[1:], strict=True)))
            next_version = next(pending, None)
        yield (*row, own)


def _streamed(session: Session, statement: Select[Any], text_as_bytes: bool = False) -> Iterator[Sequence[Any]]:
    """The rows of ``statement``, read ``BATCH`` at a time from a server-side cursor. On PostgreSQL
    psycopg2's own cursor, the rows as psycopg2 makes them: SQLAlchemy's processing of each row
    changes nothing there (times come aware, JSON decoded) and was a third of the reading's CPU.
    psycopg2 adapts the parameters (a site, an aware time) itself."""
    bind = session.get_bind()
    if bind.dialect.driver != "psycopg2":
        yield from session.execute(statement, execution_options={"yield_per": BATCH, "stream_results": True})
        return
    compiled = statement.compile(dialect=bind.dialect)
    connection = session.connection().connection.dbapi_connection
    cursor = connection.cursor(name=f"export_{uuid.uuid4().hex}")
    if text_as_bytes and connection.encoding == "UTF8":
        register_type(BYTES, cursor)
    cursor.execute(str(compiled), compiled.params)
    while rows := cursor.fetchmany(BATCH):
        yield from rows
    # Read to the end. A reader that stops early leaves the cursor to the end of the transaction,
    # which closes it (psycopg2 refuses to once the transaction is over).
    cursor.close()


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
