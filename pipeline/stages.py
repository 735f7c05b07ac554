"""The stages as functions over a run id: crawl -> extract -> dedupe -> load -> report.

Each stage reads what the previous one stored and writes with upserts, so any stage can be re-run
on its own (from the CLI or an Airflow task) and leaves the same rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from pipeline import store
from pipeline.dedupe import Candidate, body_hash, canonical_url, decide
from pipeline.records import Article, Rejected
from pipeline.settings import PROJECT_ROOT, Settings

BATCH_SIZE = 100


class CrawlError(RuntimeError):
    """The crawl process itself failed (not a site: site failures are recorded per item)."""


def crawl(settings: Settings, run_id: str, sites: Sequence[str], max_pages: int | None = None) -> None:
    """Crawl the sites in a fresh Scrapy process, so that crawls never share a Twisted reactor."""
    command = [sys.executable, "-m", "spiders.runner", "--run-id", run_id, *sites]
    if max_pages is not None:
        command += ["--max-pages", str(max_pages)]
    env = {**os.environ, **_settings_env(settings)}
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise CrawlError(f"crawl of {', '.join(sites)} failed (exit {done.returncode}):\n{done.stderr[-4000:]}")


def _settings_env(settings: Settings) -> dict[str, str]:
    values = settings.model_dump(include={"database_url", "registry", "fixture_origin", "user_agent",
                                          "download_timeout"})
    return {f"GOVNEWS_{key.upper()}": str(value) for key, value in values.items()}


@dataclass
class ExtractCounts:
    articles: int = 0
    rejected: dict[str, int] = field(default_factory=dict)


def extract(
    sessions: sessionmaker[Session], run_id: str | None, sites: Sequence[str] | None = None,
    record_as: str | None = None,
) -> ExtractCounts:
    """Extract stored pages (one run's, or all with ``run_id=None``) into the staging table.

    Rejections are recorded under ``record_as`` (default: the run id).
    """
    from pipeline.extract import extract as extract_page  # trafilatura is heavy: import when used

    counts = ExtractCounts()
    run = record_as or run_id or "reextract"
    with sessions() as reader:
        batch: list[tuple[int, Article | Rejected]] = []
        for page_id, page in store.pages_of_run(reader, run_id, sites):
            batch.append((page_id, extract_page(page)))
            if len(batch) >= BATCH_SIZE:
                _save_extracted(sessions, run, batch, counts)
                batch = []
        _save_extracted(sessions, run, batch, counts)
    return counts


def _save_extracted(
    sessions: sessionmaker[Session], run_id: str, batch: list[tuple[int, Article | Rejected]],
    counts: ExtractCounts,
) -> None:
    articles = []
    rejections = []
    with sessions.begin() as session:
        for page_id, result in batch:
            if isinstance(result, Rejected):
                rejections.append(result)
                store.drop_extraction(session, page_id)
                counts.rejected[result.reason] = counts.rejected.get(result.reason, 0) + 1
            else:
                url = canonical_url(result.url)
                articles.append((page_id, store.article_row(result, url, body_hash(result.body_simplified))))
        store.save_extractions(session, run_id, articles)
        store.save_rejections(session, run_id, rejections)
    counts.articles += len(articles)


def dedupe(session: Session, run_id: str) -> int:
    """Decide which staged articles of the run repeat another; returns how many do."""
    staged = store.extractions_of_run(session, run_id)
    candidates = [Candidate(e.page_id, e.canonical_url, e.body_hash, e.published_at) for e in staged]
    stored = store.stored_body_hashes(session, (c.body_hash for c in candidates))
    own_urls = {c.canonical_url for c in candidates}
    # A stored original that is being re-loaded in this batch is judged again with the batch.
    stored = {h: url for h, url in stored.items() if url not in own_urls}
    decisions = decide(candidates, stored)
    store.save_decisions(session, decisions)
    return sum(d.duplicate_of is not None for d in decisions)


def load(session: Session, run_id: str, now: datetime) -> None:
    store.load_run(session, run_id, now)


def report(session: Session, run_id: str, now: datetime) -> dict[str, object]:
    """Per-site counts and failures of the run, stored with the run and returned."""
    counts = store.run_counts(session, run_id)
    failures = [
        {"site": site, "url": url, "reason": reason, "detail": detail}
        for site, url, reason, detail in store.rejection_reasons(session, run_id)
    ]
    summary: dict[str, object] = {"sites": counts, "failures": failures}
    store.finish_run(session, run_id, json.loads(json.dumps(summary)), now)
    return summary
