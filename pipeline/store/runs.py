"""Runs: their parameters, their per-site counts and failures, and the stored report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from pipeline.store.clusters import near_duplicate_counts
from pipeline.store.engine import insert_for
from pipeline.store.models import Article, ArticleVersion, Extraction, Page, Rejection, Run


def start_run(session: Session, run_id: str, params: dict[str, Any], now: datetime) -> None:
    statement = insert_for(session, Run).values(run_id=run_id, started_at=now, params=params)
    session.execute(statement.on_conflict_do_nothing(index_elements=["run_id"]))


def run_sites(session: Session, run_id: str) -> list[str]:
    """The sites a run was asked to crawl, as its parameters recorded them."""
    params = session.scalar(select(Run.params).where(Run.run_id == run_id)) or {}
    return list(params.get("sites") or [])


def finish_run(session: Session, run_id: str, report: dict[str, Any], now: datetime) -> None:
    session.execute(update(Run).where(Run.run_id == run_id).values(finished_at=now, report=report))


COUNTS = ("pages", "articles", "updated", "versions", "duplicates", "near_duplicates", "cross_script", "failures")


def run_counts(session: Session, run_id: str) -> dict[str, dict[str, int]]:
    """Per-site counts of one run: pages fetched, new articles, stored articles the run changed (any
    field: a re-extraction's count), new versions (changed bodies, the old one kept), exact (URL or
    body) duplicates, near-duplicates and cross-script copies that joined a story, failures."""
    counts: dict[str, dict[str, int]] = {}
    queries = {
        "pages": select(Page.site, func.count()).where(Page.run_id == run_id).group_by(Page.site),
        "articles": select(Article.site, func.count())
        .where(Article.first_run_id == run_id, Article.duplicate_of_id.is_(None)).group_by(Article.site),
        "updated": select(Article.site, func.count())
        .where(Article.last_run_id == run_id, Article.first_run_id != run_id).group_by(Article.site),
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
