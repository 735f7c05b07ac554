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
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from pipeline import store
from pipeline.dedupe import NEAR, Candidate, NearConfig, body_hash, canonical_url, decide
from pipeline.records import Article, Rejected
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.store.clusters import Staged, index_batch, link_clusters
from pipeline.store.load import load_run

BATCH_SIZE = 100
DEDUPE_SLICE = 1000  # articles per dedupe task: the index step of one slice takes ~1 s


class CrawlError(RuntimeError):
    """The crawl process itself failed (not a site: site failures are recorded per item)."""


def crawl(settings: Settings, run_id: str, sites: Sequence[str], max_pages: int | None = None,
          recrawl_since: date | None = None) -> None:
    """Crawl the sites in a fresh Scrapy process, so that crawls never share a Twisted reactor."""
    if not sites:
        return
    from spiders.command import crawl_command, crawl_env  # no Scrapy import: builds the command only

    command = [sys.executable, "-m", "spiders.runner", *crawl_command(run_id, sites, max_pages, recrawl_since)]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env={**os.environ, **crawl_env(settings)},
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise CrawlError(f"crawl of {', '.join(sites)} failed (exit {done.returncode}):\n{done.stderr[-4000:]}")


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


def near_config(settings: Settings) -> NearConfig:
    return NearConfig(threshold=settings.dedupe_threshold)


def dedupe_slices(session: Session, run_id: str, size: int = DEDUPE_SLICE) -> list[tuple[str, str]]:
    """Canonical URL ranges of about ``size`` staged articles each: one dedupe task per range."""
    return store.dedupe_slices(session, run_id, size)


def dedupe(session: Session, run_id: str, urls: tuple[str, str] | None = None, config: NearConfig = NEAR) -> int:
    """Decide which staged articles of the run (or of one URL range of it) repeat another: exact
    copies are marked, and every article is put in its story cluster. Returns how many repeat."""
    staged = store.staged_for_dedupe(session, run_id, urls)
    candidates = [Candidate(e.page_id, e.canonical_url, e.body_hash, e.published_at) for e in staged]
    stored = store.stored_body_hashes(session, (c.body_hash for c in candidates))
    own_urls = {c.canonical_url for c in candidates}
    # A stored original that is being re-loaded in this batch is judged again with the batch.
    stored = {h: url for h, url in stored.items() if url not in own_urls}
    decisions = {d.key: d for d in decide(candidates, stored)}
    store.save_decisions(session, staged, list(decisions.values()))
    articles = [Staged(e.canonical_url, e.site, e.script, e.published_at, len(e.body_simplified), e.body_hash,
                       e.body_simplified) for e in staged if decisions[e.page_id].reason != "url"]
    joined = index_batch(session, run_id, articles, config)
    return sum(d.reason == "url" for d in decisions.values()) + joined


def load(session: Session, run_id: str, now: datetime, urls: tuple[str, str] | None = None) -> None:
    """Merge the run's staged articles (or one canonical URL range of them: then :func:`link` follows
    once every range is merged)."""
    load_run(session, run_id, now, urls)


def link(session: Session, run_id: str) -> None:
    """Point the run's articles at their story's canonical article."""
    link_clusters(session, run_id)


def report(session: Session, run_id: str, now: datetime) -> dict[str, object]:
    """Per-site counts and failures of the run, stored with the run and returned."""
    counts = store.run_counts(session, run_id)
    for site in store.run_sites(session, run_id):  # a site that brought nothing new still has a row
        counts.setdefault(site, dict.fromkeys(store.COUNTS, 0))
    failures = [
        {"site": site, "url": url, "reason": reason, "detail": detail}
        for site, url, reason, detail in store.rejection_reasons(session, run_id)
    ]
    summary: dict[str, object] = {"sites": counts, "failures": failures}
    store.finish_run(session, run_id, json.loads(json.dumps(summary)), now)
    return summary
