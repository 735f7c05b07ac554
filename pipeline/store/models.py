"""The schema, in one place: typed SQLAlchemy 2 models (migrations in ``migrations/``).

Tables, in the order the stages fill them:
- ``pages``: raw responses as crawled, one row per URL, a re-fetch replacing it (extraction re-runs
  from here without re-crawling; retention may remove the bodies no article is built from);
- ``rejections``: per-item failures and non-articles of a run (fetch errors, anti-bot pages, ...);
- ``extractions``: staging, one extracted article per page, with its dedupe decision;
- ``articles``: the loaded articles, one row per canonical URL, duplicates linked;
- ``runs``: one row per run with its parameters and per-site report;
- ``crawl_state``: per site, whether its last crawl finished (for incremental crawls);
- ``story_members``, ``story_bands``, ``story_clusters``: the near-duplicate index (MinHash LSH
  band keys) and the story clusters it builds, one canonical member each;
- ``article_versions``: earlier bodies of articles whose page changed when re-crawled.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Json = JSON().with_variant(JSONB(), "postgresql")


class Timestamp(TypeDecorator[datetime]):
    """Aware datetimes on every backend: stored in UTC, read back aware (SQLite keeps no offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: pass an aware one")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class Run(Base):
    __tablename__ = "runs"

    run_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    params: Mapped[dict[str, Any]] = mapped_column(Json, default=dict)
    report: Mapped[dict[str, Any] | None] = mapped_column(Json)


class Page(Base):
    __tablename__ = "pages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(Text, unique=True)
    site: Mapped[str] = mapped_column(String(63), index=True)
    run_id: Mapped[str] = mapped_column(String(250), index=True)  # the run that fetched it last
    status: Mapped[int] = mapped_column(Integer)
    headers: Mapped[dict[str, str]] = mapped_column(Json)
    # None once pruned (retention: ``store.prune_pages``); the hash and the metadata stay.
    body: Mapped[bytes | None] = mapped_column(LargeBinary)
    body_sha1: Mapped[str] = mapped_column(String(40))
    encoding: Mapped[str | None] = mapped_column(String(40))  # the registry's override, if any
    fetched_at: Mapped[datetime] = mapped_column(Timestamp)
    checked_at: Mapped[datetime | None] = mapped_column(Timestamp)  # last 304: unchanged since fetched
    pruned_at: Mapped[datetime | None] = mapped_column(Timestamp)


class CrawlState(Base):
    """Per site, the last crawl: a crawl that did not finish makes the next one page past known
    articles (a killed crawl resumes instead of stopping at what it already stored)."""

    __tablename__ = "crawl_state"

    site: Mapped[str] = mapped_column(String(63), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(250))
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    outcome: Mapped[str | None] = mapped_column(String(40))  # "complete" | "budget" | "blocked" | ...


class Rejection(Base):
    __tablename__ = "rejections"
    __table_args__ = (UniqueConstraint("run_id", "url", "stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[str] = mapped_column(String(250), index=True)
    site: Mapped[str] = mapped_column(String(63))
    url: Mapped[str] = mapped_column(Text)
    stage: Mapped[str] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(100))
    detail: Mapped[str] = mapped_column(Text, default="")


class ArticleColumns:
    """The columns an extracted article has, shared by the staging and the final table."""

    url: Mapped[str] = mapped_column(Text)
    canonical_url: Mapped[str] = mapped_column(Text)
    site: Mapped[str] = mapped_column(String(63))
    title: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime | None] = mapped_column(Timestamp)
    source: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    editor: Mapped[str | None] = mapped_column(Text)
    photographer: Mapped[str | None] = mapped_column(Text)
    script: Mapped[str] = mapped_column(String(20))
    body: Mapped[str] = mapped_column(Text)
    body_simplified: Mapped[str] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(String(40))
    flags: Mapped[list[str]] = mapped_column(Json)
    attachments: Mapped[list[dict[str, str]]] = mapped_column(Json)
    extractor_version: Mapped[str] = mapped_column(String(40))


class Extraction(ArticleColumns, Base):
    __tablename__ = "extractions"
    __table_args__ = (Index("ix_extractions_canonical_url", "canonical_url"),)  # dedupe slices

    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id", ondelete="CASCADE"), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(250), index=True)
    # Set by the dedupe stage: the canonical URL of the article this one repeats, and why.
    duplicate_of: Mapped[str | None] = mapped_column(Text)
    duplicate_reason: Mapped[str | None] = mapped_column(String(20))  # "url" | "body"


class Article(ArticleColumns, Base):
    __tablename__ = "articles"
    __table_args__ = (UniqueConstraint("canonical_url"), Index("ix_articles_body_hash", "body_hash"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("articles.id", ondelete="SET NULL"))
    first_run_id: Mapped[str] = mapped_column(String(250))
    last_run_id: Mapped[str] = mapped_column(String(250))
    first_seen_at: Mapped[datetime] = mapped_column(Timestamp)
    updated_at: Mapped[datetime] = mapped_column(Timestamp)
    # The current body is version ``version``, first seen at ``version_seen_at``; earlier ones are
    # in ``article_versions``.
    version: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    version_seen_at: Mapped[datetime | None] = mapped_column(Timestamp)


class ArticleVersion(Base):
    """A body an article had before a re-crawl found it changed: seen from ``seen_at`` until
    ``superseded_at`` (by the run ``run_id``)."""

    __tablename__ = "article_versions"

    article_id: Mapped[int] = mapped_column(ForeignKey("articles.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
    body_hash: Mapped[str] = mapped_column(String(40))
    seen_at: Mapped[datetime | None] = mapped_column(Timestamp)
    superseded_at: Mapped[datetime] = mapped_column(Timestamp)
    run_id: Mapped[str] = mapped_column(String(250), index=True)


class StoryMember(Base):
    """One article (by canonical URL) in the near-duplicate index, and the story cluster it is in.

    Filled by the dedupe stage from the staged extraction, so it exists before the article is loaded.
    """

    __tablename__ = "story_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    canonical_url: Mapped[str] = mapped_column(Text, unique=True)
    site: Mapped[str] = mapped_column(String(63))
    script: Mapped[str] = mapped_column(String(20))
    published_at: Mapped[datetime | None] = mapped_column(Timestamp)
    body_chars: Mapped[int] = mapped_column(Integer)
    body_hash: Mapped[str] = mapped_column(String(40))
    signature: Mapped[bytes] = mapped_column(LargeBinary)  # MinHash values, uint32 little-endian
    cluster_id: Mapped[int | None] = mapped_column(Integer, index=True)
    # The member whose similarity brought this one into its cluster (None: it founded it).
    matched_id: Mapped[int | None] = mapped_column(ForeignKey("story_members.id", ondelete="SET NULL"))
    similarity: Mapped[float | None] = mapped_column(Float)
    run_id: Mapped[str] = mapped_column(String(250), index=True)  # the run that indexed this body


class StoryBand(Base):
    """LSH: one row per band of a member's signature (``dedupe.band_keys``); members sharing a key
    are candidates. The primary key is the only index: probes are by key, and a member's rows are
    found again by the keys of its stored signature."""

    __tablename__ = "story_bands"

    band_key: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # No foreign key: checking one per row would double the cost of writing ~20 rows per body.
    member_id: Mapped[int] = mapped_column(Integer, primary_key=True)


class StoryCluster(Base):
    """A story: its id is its first member's; ``canonical_id`` follows ``dedupe.canonical_member``."""

    __tablename__ = "story_clusters"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    canonical_id: Mapped[int] = mapped_column(ForeignKey("story_members.id"))
    size: Mapped[int] = mapped_column(Integer)

