"""Retention: remove the raw bodies that no article is built from, once they are old enough.

A ``pages`` row is the latest fetch of its URL (a re-fetch replaces it in place). The latest fetch of
an article is the page its current text was extracted from: the row whose URL is the article's
``url``. Every other body is no article's latest fetch: a page extraction rejected (too short, not an
article) and another URL of an article that was loaded from elsewhere (a URL duplicate, such as a
tracking-query variant). Pruning removes such a body once it was fetched more than the retention
period ago; its URL, status, headers, hash and times stay, so the incremental crawl still knows the
page, and articles and their versions are never touched. Re-extraction reads what is kept: every
article's latest page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from pipeline.store.models import Article, Page


@dataclass(frozen=True, slots=True)
class Pruned:
    pages: int  # bodies removed
    bytes: int  # their size as fetched (the database keeps them compressed, so it frees less)


def prune_pages(session: Session, keep_days: int, now: datetime) -> Pruned:
    """Remove the bodies fetched before ``now - keep_days`` that are no article's latest fetch."""
    cutoff = now - timedelta(days=keep_days)
    prunable = (Page.body.is_not(None), Page.fetched_at < cutoff,
                ~exists(select(Article.id).where(Article.url == Page.url)))
    size = session.scalar(select(func.coalesce(func.sum(func.length(Page.body)), 0)).where(*prunable))
    pruned = session.execute(update(Page).where(*prunable).values(body=None, pruned_at=now)
                             .execution_options(synchronize_session=False))
    return Pruned(pruned.rowcount, int(size or 0))
