"""A Scrapy extension that keeps what a site's crawl saw for its health metrics (list pages read,
article links found and new, requests, retries, latency) and writes it to ``crawl_stats`` when the
site's spider closes. One crawler per site, so one instance per site."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from scrapy import Request, signals
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread

from pipeline import store
from pipeline.health.metrics import CrawlStats, latency_summary
from pipeline.store.health import save_crawl_stats


class CrawlHealth:
    def __init__(self, crawler: Any) -> None:
        self.crawler = crawler
        self.sessions = store.shared_session_factory(crawler.settings["GOVNEWS_DATABASE_URL"])
        self.latencies: list[float] = []
        self.list_pages = 0
        crawler.signals.connect(self.response_received, signal=signals.response_received)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Any) -> CrawlHealth:
        if not crawler.settings.getbool("GOVNEWS_STORE", True):
            raise NotConfigured("a fetch-only crawl stores nothing")
        return cls(crawler)

    def response_received(self, response: Response, request: Request, spider: Any) -> None:
        if "download_latency" in request.meta:
            self.latencies.append(request.meta["download_latency"])
        if "list_page" in request.meta:
            self.list_pages += 1

    async def spider_closed(self, spider: Any, reason: str) -> None:
        scrapy_stats = self.crawler.stats.get_stats()
        stats = crawl_stats(scrapy_stats, spider.final_outcome(reason), self.list_pages, self.latencies)
        started = scrapy_stats.get("start_time") or datetime.now(UTC)
        # In a thread, off the event loop the other sites' crawlers share; Scrapy waits for it.
        await maybe_deferred_to_future(
            deferToThread(self._save, spider.run_id, spider.site.name, stats, started, datetime.now(UTC)))

    def _save(self, run_id: str, site: str, stats: CrawlStats, started: datetime, ended: datetime) -> None:
        store.in_transaction(self.sessions, lambda session: save_crawl_stats(session, run_id, site, stats, started, ended),
                             self.crawler.settings.getfloat("GOVNEWS_DB_RETRY_SECONDS"))


def crawl_stats(scrapy_stats: Mapping[str, Any], outcome: str, list_pages: int,
                latencies: Sequence[float]) -> CrawlStats:
    """One site's crawl stats from Scrapy's stats (and the spider's ``govnews/`` counters)."""
    median_ms, p95_ms = latency_summary(latencies)
    return CrawlStats(
        outcome=outcome, list_pages=list_pages,
        links_found=scrapy_stats.get("govnews/links_found", 0), new_links=scrapy_stats.get("govnews/new_links", 0),
        requests=scrapy_stats.get("downloader/request_count", 0), retries=scrapy_stats.get("retry/count", 0),
        latency_median_ms=median_ms, latency_p95_ms=p95_ms,
        response_bytes=scrapy_stats.get("downloader/response_bytes", 0),
    )
