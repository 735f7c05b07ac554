"""The only module that writes to the database. Every write is an upsert, so re-runs add nothing.

Functions take a ``Session`` and leave the transaction to the caller (one transaction per batch).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, Row, create_engine, event, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, sessionmaker

from pipeline.dedupe import Decision
from pipeline.models import Article, ArticleVersion, CrawlState, Extraction, Page, Rejection, Run
from pipeline.records import Article as ArticleRecord
from pipeline.records import RawPage, Rejected
from pipeline.store_clusters import near_duplicate_counts

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def make_engine(database_url: str) -> Engine:
    engine = create_engine(database_url, future=True)
    if engine.dialect.name == "sqlite":
        # SQLite enforces foreign keys only when asked, per connection; wait rather than fail when
        # the crawl subprocess and this process write at the same time.
        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

    return engine


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest migration (safe to call on every start)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), "head")


def alembic_config(connection: Connection) -> Config:
    """Alembic's configuration for running the migrations over ``connection``."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = connection
    return config


def session_factory(database_url: str) -> sessionmaker[Session]:
    engine = make_engine(database_url)
    migrate(engine)
    return sessionmaker(engine, expire_on_commit=False)


def _insert(session: Session, model: type) -> Any:
    dialect = session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)


def _changed(model: type, excluded: Any, columns: Iterable[str]) -> Any:
    """Only rows whose values differ are updated: no dead tuples for unchanged re-runs."""
    return or_(*(getattr(model, c).is_distinct_from(getattr(excluded, c)) for c in columns))


# --- runs -------------------------------------------------------------------------------------


def start_run(session: Session, run_id: str, params: dict[str, Any], now: datetime) -> None:
    statement = _insert(session, Run).values(run_id=run_id, started_at=now, params=params)
    session.execute(statement.on_conflict_do_nothing(index_elements=["run_id"]))


def run_sites(session: Session, run_id: str) -> list[str]:
    """The sites a run was asked to crawl, as its parameters recorded them."""
    params = session.scalar(select(Run.params).where(Run.run_id == run_id)) or {}
    return list(params.get("sites") or [])


def finish_run(session: Session, run_id: str, report: dict[str, Any], now: datetime) -> None:
    session.execute(update(Run).where(Run.run_id == run_id).values(finished_at=now, report=report))


# --- crawl ------------------------------------------------------------------------------------


def save_pages(session: Session, run_id: str, pages: Sequence[RawPage]) -> None:
    if not pages:
        return
    rows = {
        page.url: {
            "url": page.url,
            "site": page.site,
            "run_id": run_id,
            "status": page.status,
            "headers": dict(page.headers),
            "body": page.body,
            "body_sha1": hashlib.sha1(page.body).hexdigest(),
            "fetched_at": page.fetched_at,
            "encoding": page.encoding,
        }
        for page in pages
    }
    statement = _insert(session, Page).values(list(rows.values()))
    columns = ("site", "run_id", "status", "headers", "body", "body_sha1", "fetched_at", "encoding")
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["url"], set_={c: statement.excluded[c] for c in columns}
        )
    )


def save_rejections(session: Session, run_id: str, rejections: Sequence[Rejected]) -> None:
    if not rejections:
        return
    rows = {
        (r.url, r.stage): {
            "run_id": run_id,
            "site": r.site,
            "url": r.url,
            "stage": r.stage,
            "reason": r.reason,
            "detail": r.detail,
        }
        for r in rejections
    }
    statement = _insert(session, Rejection).values(list(rows.values()))
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["run_id", "url", "stage"],
            set_={"reason": statement.excluded.reason, "detail": statement.excluded.detail},
        )
    )


def pages_of_run(session: Session, run_id: str | None, sites: Sequence[str] | None = None) -> Any:
    """Stored pages to extract: one run's, or all (``run_id=None``), optionally of some sites."""
    query = select(Page).order_by(Page.id).execution_options(yield_per=200)
    if run_id is not None:
        query = query.where(Page.run_id == run_id)
    if sites:
        query = query.where(Page.site.in_(sites))
    for page in session.scalars(query):
        yield page.id, RawPage(
            url=page.url,
            site=page.site,
            status=page.status,
            headers=page.headers,
            body=page.body,
            fetched_at=page.fetched_at,
            encoding=page.encoding,
        )


# --- incremental crawl state -------------------------------------------------------------------


def known_pages(session: Session, site: str) -> dict[str, tuple[str | None, str | None]]:
    """Stored URLs of a site with the validators to re-fetch them conditionally: (ETag, Last-Modified)."""
    rows = session.execute(
        select(Page.url, Page.headers["etag"].as_string(), Page.headers["last-modified"].as_string())
        .where(Page.site == site)
    )
    return {url: (etag, modified) for url, etag, modified in rows}


def mark_unchanged(session: Session, urls: Sequence[str], now: datetime) -> None:
    """Re-fetches answered 304 Not Modified: the stored page stands, checked now."""
    if urls:
        session.execute(update(Page).where(Page.url.in_(list(urls))).values(checked_at=now))


def last_crawl(session: Session, site: str) -> CrawlState | None:
    return session.get(CrawlState, site)


def begin_crawl(session: Session, site: str, run_id: str, now: datetime) -> None:
    """Mark the site's crawl as running; a crawl killed before :func:`end_crawl` stays unfinished."""
    values = {"site": site, "run_id": run_id, "started_at": now, "finished_at": None, "outcome": None}
    statement = _insert(session, CrawlState).values(values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["site"], set_={c: statement.excluded[c] for c in values if c != "site"}))


def end_crawl(session: Session, site: str, outcome: str, now: datetime) -> None:
    """``outcome`` "complete" lets the next crawl stop at known articles; anything else resumes."""
    session.execute(update(CrawlState).where(CrawlState.site == site)
                    .values(finished_at=now if outcome == "complete" else None, outcome=outcome))


# --- extract ----------------------------------------------------------------------------------

ARTICLE_FIELDS = (
    "url", "canonical_url", "site", "title", "published_at", "source", "author", "editor",
    "photographer", "script", "body", "body_simplified", "body_hash", "flags", "attachments",
    "extractor_version",
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
    }


def save_extractions(session: Session, run_id: str, rows: Sequence[tuple[int, dict[str, Any]]]) -> None:
    """Stage extracted articles, keyed by page; a re-extraction replaces the page's row."""
    if not rows:
        return
    values = [{"page_id": page_id, "run_id": run_id, **row} for page_id, row in rows]
    statement = _insert(session, Extraction).values(values)
    columns = ("run_id", *ARTICLE_FIELDS)
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["page_id"],
            set_={c: statement.excluded[c] for c in columns},
            where=_changed(Extraction, statement.excluded, columns),
        )
    )


def drop_extraction(session: Session, page_id: int) -> None:
    """A page that no longer extracts to an article (now rejected) leaves the staging table."""
    session.execute(Extraction.__table__.delete().where(Extraction.page_id == page_id))


# --- dedupe -----------------------------------------------------------------------------------


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


# --- report -----------------------------------------------------------------------------------

COUNTS = ("pages", "articles", "versions", "duplicates", "near_duplicates", "cross_script", "failures")


def run_counts(session: Session, run_id: str) -> dict[str, dict[str, int]]:
    """Per-site counts of one run: pages fetched, new articles, new versions, exact (URL or body)
    duplicates, near-duplicates and cross-script copies that joined a story, failures."""
    counts: dict[str, dict[str, int]] = {}
    queries = {
        "pages": select(Page.site, func.count()).where(Page.run_id == run_id).group_by(Page.site),
        "articles": select(Article.site, func.count())
        .where(Article.first_run_id == run_id, Article.duplicate_of_id.is_(None)).group_by(Article.site),
        "versions": select(Article.site, func.count()).join(ArticleVersion, ArticleVersion.article_id == Article.id)
        .where(ArticleVersion.run_id == run_id).group_by(Article.site),
        "duplicates": select(Extraction.site, func.count())
        .where(Extraction.run_id == run_id, Extraction.duplicate_of.is_not(None)).group_by(Extraction.site),
        "failures": select(Rejection.site, func.count()).where(Rejection.run_id == run_id).group_by(Rejection.site),
        **near_duplicate_counts(run_id),
    }
    for key, query in queries.items():
        for site, n in session.execute(query):
            counts.setdefault(site, dict.fromkeys(COUNTS, 0))[key] += n
    return counts


def rejection_reasons(session: Session, run_id: str) -> list[tuple[str, str, str, str]]:
    rows = session.execute(
        select(Rejection.site, Rejection.url, Rejection.reason, Rejection.detail)
        .where(Rejection.run_id == run_id)
        .order_by(Rejection.site, Rejection.url)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]
