"""What the crawl writes and reads: raw pages, per-item rejections, and each site's crawl state."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pipeline.records import RawPage, Rejected
from pipeline.store.engine import insert_for
from pipeline.store.models import CrawlState, Page, Rejection


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
            "listed_title": page.listed_title,
            "listed_date": page.listed_date,
        }
        for page in pages
    }
    statement = insert_for(session, Page).values(list(rows.values()))
    columns = ("site", "run_id", "status", "headers", "body", "body_sha1", "fetched_at", "encoding")
    # A page fetched again without a list page (a re-crawl of a known URL) keeps what the list showed.
    listed = {c: func.coalesce(statement.excluded[c], getattr(Page, c)) for c in ("listed_title", "listed_date")}
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["url"], set_={**{c: statement.excluded[c] for c in columns}, **listed}
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
    statement = insert_for(session, Rejection).values(list(rows.values()))
    session.execute(
        statement.on_conflict_do_update(
            index_elements=["run_id", "url", "stage"],
            set_={"reason": statement.excluded.reason, "detail": statement.excluded.detail},
        )
    )


def pages_of_run(session: Session, run_id: str | None, sites: Sequence[str] | None = None, after: int = 0,
                 limit: int = 100) -> list[tuple[int, RawPage]]:
    """Stored pages to extract, the next ``limit`` after the page id ``after``: one run's, or all
    (``run_id=None``), optionally of some sites; a pruned page (no body) is left out."""
    query = select(Page).where(Page.body.is_not(None), Page.id > after).order_by(Page.id).limit(limit)
    if run_id is not None:
        query = query.where(Page.run_id == run_id)
    if sites:
        query = query.where(Page.site.in_(sites))
    return [(page.id, RawPage(url=page.url, site=page.site, status=page.status, headers=page.headers, body=page.body,
                              fetched_at=page.fetched_at, encoding=page.encoding, listed_title=page.listed_title,
                              listed_date=page.listed_date))
            for page in session.scalars(query)]


# The <title> sits in the first few kilobytes of a page.
HEAD_BYTES = 16_384


def page_heads(session: Session, site: str, limit: int = 50) -> list[tuple[bytes, str]]:
    """The beginnings of a site's most recent stored pages, with their Content-Type headers: enough
    to read their ``<title>``s and learn the site's name from them."""
    rows = session.execute(
        select(func.substr(Page.body, 1, HEAD_BYTES), Page.headers["content-type"].as_string())
        .where(Page.site == site, Page.status == 200, Page.body.is_not(None))
        .order_by(Page.fetched_at.desc()).limit(limit)
    )
    return [(bytes(head), content_type or "") for head, content_type in rows]


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
    statement = insert_for(session, CrawlState).values(values)
    session.execute(statement.on_conflict_do_update(
        index_elements=["site"], set_={c: statement.excluded[c] for c in values if c != "site"}))


def end_crawl(session: Session, site: str, outcome: str, now: datetime) -> None:
    """``outcome`` "complete" lets the next crawl stop at known articles; anything else resumes."""
    session.execute(update(CrawlState).where(CrawlState.site == site)
                    .values(finished_at=now if outcome == "complete" else None, outcome=outcome))
