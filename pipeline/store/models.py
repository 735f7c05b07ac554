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
- ``article_versions``: earlier bodies of articles whose page changed when re-crawled;
- ``crawl_stats``, ``site_metrics``, ``site_alerts``: per-site health of each run (what the crawl
  saw, the measured metrics, the drift alerts raised on them; ``pipeline/health/``).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
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


# Made by migrations and not described here: an index over an expression, which autogenerate cannot
# compare (ix_articles_search, PostgreSQL's full-text search index: store/search.py).
EXPRESSION_INDEXES = frozenset({"ix_articles_search"})


def described(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic's ``include_object``: what the models describe (all but ``EXPRESSION_INDEXES``)."""
    return not (type_ == "index" and name in EXPRESSION_INDEXES)


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
    # What the list page that linked to the article showed: the link's text (or title attribute)
    # and the date beside it; extraction weighs them against the page's own statements.
    listed_title: Mapped[str | None] = mapped_column(Text)
    listed_date: Mapped[date | None] = mapped_column(Date)


class CrawlState(Base):
    """Per site, the last crawl: a crawl that did not finish makes the next one page past known
    articles (a killed crawl resumes instead of stopping at what it already stored)."""

    __tablename__ = "crawl_state"

    site: Mapped[str] = mapped_column(String(63), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(250))
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime | None] = mapped_column(Timestamp)
    outcome: Mapped[str | None] = mapped_column(String(40))  # "complete" | "challenged" | "budget" | "blocked" | ...


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
    # Where the title and the date came from ("meta", "heading", "title", ...; "label", "url", ...).
    title_source: Mapped[str] = mapped_column(String(20), default="", server_default="")
    date_source: Mapped[str] = mapped_column(String(20), default="", server_default="")


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
    __table_args__ = (UniqueConstraint("canonical_url"), Index("ix_articles_body_hash", "body_hash"),
                      Index("ix_articles_site_published_at", "site", "published_at"),
                      Index("ix_articles_published_at", "published_at"))

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



class CrawlStat(Base):
    """One site's crawl in one run as its spider saw it, written when the site's spider closes
    (``spiders/health.py``). A crawl killed before it closed leaves no row."""

    __tablename__ = "crawl_stats"

    run_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    site: Mapped[str] = mapped_column(String(63), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(Timestamp)
    finished_at: Mapped[datetime] = mapped_column(Timestamp)
    outcome: Mapped[str] = mapped_column(String(40))  # "complete", "challenged", "budget", "blocked", Scrapy's reason
    list_pages: Mapped[int] = mapped_column(Integer)  # list pages (API answers, sitemaps, feeds) read
    links_found: Mapped[int] = mapped_column(Integer)  # article links they named
    new_links: Mapped[int] = mapped_column(Integer)  # of those, not stored before: fetched this run
    requests: Mapped[int] = mapped_column(Integer)  # HTTP requests sent, retries and robots.txt included
    retries: Mapped[int] = mapped_column(Integer)
    latency_median_ms: Mapped[float | None] = mapped_column(Float)  # None: no response at all
    latency_p95_ms: Mapped[float | None] = mapped_column(Float)
    response_bytes: Mapped[int] = mapped_column(BigInteger)


class SiteMetrics(Base):
    """The health of one site in one run: one row per (run, site), written by the run's report and
    re-written (upserted) if it is made again. The UI charts these per night.

    ``run_started_at`` orders a site's history. Columns that are ``None`` were not measurable in
    that run: the crawl columns when no crawl stats exist (a re-extraction, a killed crawl); shares
    and the median when nothing was extracted (``extracted`` = 0) or fetched. Shares are 0..1.

    - crawl: ``crawl_outcome``, ``list_pages``, ``links_found``, ``new_links``, ``requests``,
      ``retries``, ``latency_median_ms``, ``latency_p95_ms`` (copied from ``crawl_stats``);
    - stages: ``pages`` fetched, ``new_articles`` (rows the run added to ``articles``, duplicates and
      reprints included: unlike the report's ``articles``), new ``versions``, ``extracted`` articles,
      ``rejections`` as ``{stage: {reason: count}}``, ``fetch_errors`` (fetch rejections other than
      anti-bot, robots.txt and the request budget), ``blocked_pages`` (anti-bot challenges),
      ``extract_rejects``; ``error_rate`` = fetch_errors / (list_pages + pages + fetch_errors),
      ``reject_rate`` = extract_rejects / (extracted + extract_rejects);
    - extracted articles: ``title_fill``, ``date_fill``, ``source_fill`` (share with the field),
      ``date_sources`` (``{date_source: share}``, ``"none"`` for no date; shares add up to 1),
      ``body_chars_median``, ``mojibake_rate`` (flagged "mojibake"), ``boilerplate_rate`` (share
      whose body is the same text as two or more other articles' of the site in the run: a page
      template, not an article).
    """

    __tablename__ = "site_metrics"
    __table_args__ = (Index("ix_site_metrics_site_run_started_at", "site", "run_started_at"),)

    run_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    site: Mapped[str] = mapped_column(String(63), primary_key=True)
    run_started_at: Mapped[datetime] = mapped_column(Timestamp)
    measured_at: Mapped[datetime] = mapped_column(Timestamp)
    crawl_outcome: Mapped[str | None] = mapped_column(String(40))
    list_pages: Mapped[int | None] = mapped_column(Integer)
    links_found: Mapped[int | None] = mapped_column(Integer)
    new_links: Mapped[int | None] = mapped_column(Integer)
    requests: Mapped[int | None] = mapped_column(Integer)
    retries: Mapped[int | None] = mapped_column(Integer)
    latency_median_ms: Mapped[float | None] = mapped_column(Float)
    latency_p95_ms: Mapped[float | None] = mapped_column(Float)
    pages: Mapped[int] = mapped_column(Integer)
    new_articles: Mapped[int] = mapped_column(Integer)
    versions: Mapped[int] = mapped_column(Integer)
    extracted: Mapped[int] = mapped_column(Integer)
    rejections: Mapped[dict[str, dict[str, int]]] = mapped_column(Json)
    fetch_errors: Mapped[int] = mapped_column(Integer)
    blocked_pages: Mapped[int] = mapped_column(Integer)
    extract_rejects: Mapped[int] = mapped_column(Integer)
    error_rate: Mapped[float | None] = mapped_column(Float)
    reject_rate: Mapped[float | None] = mapped_column(Float)
    title_fill: Mapped[float | None] = mapped_column(Float)
    date_fill: Mapped[float | None] = mapped_column(Float)
    source_fill: Mapped[float | None] = mapped_column(Float)
    date_sources: Mapped[dict[str, float]] = mapped_column(Json)
    body_chars_median: Mapped[int | None] = mapped_column(Integer)
    mojibake_rate: Mapped[float | None] = mapped_column(Float)
    boilerplate_rate: Mapped[float | None] = mapped_column(Float)


class SiteAlert(Base):
    """A drift alert open on a site after a run: one row per (run, site, alert name).

    A site's open alerts are those of its latest ``site_metrics`` run. ``since_run_id`` and
    ``opened_at`` (that run's start) say since when the alert has been open without a break: the
    alert is new in ``run_id`` when ``since_run_id == run_id``. ``judged`` is false when the run had
    too little data to judge this check (e.g. no article extracted) and the alert of the run before
    was carried over. ``value``, ``baseline`` (the median of the site's recent runs) and
    ``threshold`` are in the unit of the measure the alert watches (``pipeline.health.drift.ALERTS``).
    """

    __tablename__ = "site_alerts"
    __table_args__ = (Index("ix_site_alerts_site", "site"),)

    run_id: Mapped[str] = mapped_column(String(250), primary_key=True)
    site: Mapped[str] = mapped_column(String(63), primary_key=True)
    alert: Mapped[str] = mapped_column(String(40), primary_key=True)
    message: Mapped[str] = mapped_column(Text)
    value: Mapped[float | None] = mapped_column(Float)
    baseline: Mapped[float | None] = mapped_column(Float)
    threshold: Mapped[float | None] = mapped_column(Float)
    judged: Mapped[bool] = mapped_column(Boolean)
    since_run_id: Mapped[str] = mapped_column(String(250))
    opened_at: Mapped[datetime] = mapped_column(Timestamp)
