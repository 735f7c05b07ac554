"""The stages as functions over a run id: crawl -> extract -> dedupe -> load -> report.

Each stage reads what the previous one stored and writes with upserts, so any stage can be re-run
on its own (from the CLI or an Airflow task) and leaves the same rows.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session, sessionmaker

from pipeline import store
from pipeline.dedupe import NEAR, Candidate, NearConfig, body_hash, canonical_url, decide
from pipeline.health.assess import assess_run
from pipeline.health.drift import HealthConfig, SiteHealth
from pipeline.progress import Extracted, LogLines, Progress, SiteCrawl
from pipeline.records import Article, Rejected
from pipeline.settings import DB_RETRY_SECONDS, PROJECT_ROOT, Settings, masked
from pipeline.store.clusters import Staged, index_batch, link_clusters
from pipeline.store.load import load_run
from pipeline.store.search import merge_pending

BATCH_SIZE = 100


class CrawlError(RuntimeError):
    """The crawl process itself failed (not a site: site failures are recorded per item)."""


def crawl(settings: Settings, run_id: str, sites: Sequence[str], max_pages: int | None = None,
          recrawl_since: date | None = None, progress: Progress | None = None) -> None:
    """Crawl the sites in a fresh Scrapy process, so that crawls never share a Twisted reactor.

    The process reports each site's progress on its standard output (plain log lines by default)."""
    if not sites:
        return
    from spiders.command import crawl_command, crawl_env  # no Scrapy import: builds the command only

    progress = progress or LogLines()
    command = [sys.executable, "-m", "spiders.runner", "--progress",
               *crawl_command(run_id, sites, max_pages, recrawl_since)]
    with tempfile.TemporaryFile() as log, progress.stage("crawl"):  # the log is shown only on failure
        with subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, **crawl_env(settings)},
                              stdout=subprocess.PIPE, stderr=log, text=True) as process:
            for line in process.stdout or ():
                if site := SiteCrawl.from_line(line):
                    progress.crawled(site)
        if process.returncode != 0:
            log.seek(max(0, log.seek(0, os.SEEK_END) - 4000))
            tail = masked(log.read().decode("utf-8", "replace"))
            raise CrawlError(f"crawl of {', '.join(sites)} failed (exit {process.returncode}):\n{tail}")


@dataclass
class ExtractCounts:
    articles: int = 0
    rejected: dict[str, int] = field(default_factory=dict)
    read: int = 0  # pages saved so far, articles or not


def extract(
    sessions: sessionmaker[Session], run_id: str | None, sites: Sequence[str] | None = None,
    record_as: str | None = None, progress: Progress | None = None, retry_seconds: float = DB_RETRY_SECONDS,
) -> ExtractCounts:
    """Extract stored pages (one run's, or all with ``run_id=None``) into the staging table.

    Each site's name is learned first from the ``<title>``s of its stored pages, so that it can be
    told from the headline. Rejections are recorded under ``record_as`` (default: the run id).
    Pages are read and saved a batch at a time, each batch a unit of work retried over a lost
    connection (``retry_seconds``), so a restarted server costs at most the batch being saved.
    """
    from pipeline.extract import extract as extract_page  # trafilatura is heavy: import when used
    from pipeline.extract import learn_site_names

    counts = ExtractCounts()
    progress = progress or LogLines()
    run = record_as or run_id or "reextract"
    site_names: dict[str, frozenset[str]] = {}
    after = 0
    with progress.stage("extract"):
        while pages := store.in_transaction(
                sessions, lambda session: store.pages_of_run(session, run_id, sites, after, BATCH_SIZE), retry_seconds):
            batch: list[tuple[int, Article | Rejected]] = []
            for page_id, page in pages:
                if page.site not in site_names:
                    site_names[page.site] = store.in_transaction(
                        sessions, lambda session: learn_site_names(store.page_heads(session, page.site)), retry_seconds)
                batch.append((page_id, extract_page(page, site_names[page.site])))
                progress.extracted(Extracted(counts.read + len(batch), counts.articles, sum(counts.rejected.values())))
            store.in_transaction(sessions, lambda session: _save_extracted(session, run, batch), retry_seconds)
            _count(counts, batch)
            after = pages[-1][0]
    return counts


def _save_extracted(session: Session, run_id: str, batch: list[tuple[int, Article | Rejected]]) -> None:
    for page_id, result in batch:
        if isinstance(result, Rejected):
            store.drop_extraction(session, page_id)
    store.save_extractions(session, run_id, [(page_id, extraction_row(result)) for page_id, result in batch
                                             if isinstance(result, Article)])
    store.save_rejections(session, run_id, [result for _, result in batch if isinstance(result, Rejected)])


def _count(counts: ExtractCounts, batch: list[tuple[int, Article | Rejected]]) -> None:
    for _, result in batch:
        if isinstance(result, Rejected):
            counts.rejected[result.reason] = counts.rejected.get(result.reason, 0) + 1
        else:
            counts.articles += 1
    counts.read += len(batch)


def extraction_row(article: Article) -> dict[str, object]:
    """The staged row of an extracted article: keyed by its canonical URL, its body hashed as the
    normalized Simplified text, so a re-crawl that changed only spacing or script is no new version."""
    return store.article_row(article, canonical_url(article.url), body_hash(article.body_simplified))


def near_config(settings: Settings) -> NearConfig:
    return NearConfig(threshold=settings.dedupe_threshold)


def dedupe_slices(session: Session, run_id: str, size: int) -> list[tuple[str, str]]:
    """Canonical URL ranges of about ``size`` staged articles each: one dedupe and one load task per range."""
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
    once every range is merged), then their search index entries."""
    load_run(session, run_id, now, urls)
    if urls is None:
        merge_pending(session)


def link(session: Session, run_id: str) -> None:
    """Point the run's articles at their story's canonical article; merge the search index entries
    every range added."""
    link_clusters(session, run_id)
    merge_pending(session)


def health_config(settings: Settings) -> HealthConfig:
    return HealthConfig(window=settings.health_window, min_history=settings.health_min_history,
                        quiet_nights=settings.health_quiet_nights)


def health(session: Session, run_id: str, now: datetime, config: HealthConfig = HealthConfig()) -> list[SiteHealth]:
    """Each site's metrics of the run and the drift alerts open on it after the run (both stored)."""
    return assess_run(session, run_id, now, config)


def report(session: Session, run_id: str, now: datetime, config: HealthConfig = HealthConfig()) -> dict[str, object]:
    """Per-site counts, failures and open health alerts of the run, stored with the run and returned."""
    counts = store.run_counts(session, run_id)
    for site in store.run_sites(session, run_id):  # a site that brought nothing new still has a row
        counts.setdefault(site, dict.fromkeys(store.COUNTS, 0))
    failures = [
        {"site": site, "url": url, "reason": reason, "detail": detail}
        for site, url, reason, detail in store.rejection_reasons(session, run_id)
    ]
    alerts = [alert.as_report() for site in health(session, run_id, now, config) for alert in site.alerts]
    summary: dict[str, object] = {"sites": counts, "failures": failures, "alerts": alerts}
    store.finish_run(session, run_id, json.loads(json.dumps(summary)), now)
    return summary
