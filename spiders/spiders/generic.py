"""The one generic spider: a registry entry names the site's lists and its discovery strategy."""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy.http import Response
from scrapy.utils.defer import maybe_deferred_to_future
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from pipeline.discovery import Link, discover, plan
from pipeline.records import RawPage, Rejected
from pipeline.sites import Site, load_registry
from spiders.faults import AfterBlock, Blocked, Challenged, charset_mismatch, rejection_for_failure
from spiders.pipelines import STORE_FAILED
from spiders.state import CrawlBook, SiteState, conditional_headers


class GenericSpider(scrapy.Spider):
    name = "generic"

    def __init__(self, site: Site | str, run_id: str | None = None, max_pages: int | str | None = None,
                 recrawl_since: date | str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site_entry = site
        self.run_id = run_id
        self.max_pages = int(max_pages) if max_pages is not None else None
        self.since = date.fromisoformat(recrawl_since) if isinstance(recrawl_since, str) else recrawl_since
        self.state = SiteState()
        self.requests_made = 0
        self.requested: set[str] = set()  # a URL listed twice costs one request of the budget
        self.outcome = "complete"
        self.unchanged: list[str] = []

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> GenericSpider:  # type: ignore[no-untyped-def]
        spider = super().from_crawler(crawler, *args, **kwargs)
        if isinstance(spider.site_entry, str):  # `scrapy crawl generic -a site=NAME`
            registry = load_registry(
                crawler.settings.getlist("GOVNEWS_REGISTRY_PATHS"),
                crawler.settings.getdict("GOVNEWS_REGISTRY_VARIABLES"),
            )
            spider.site_entry = registry.get(spider.site_entry)  # a SiteError names the site
        spider.run_id = spider.run_id or crawler.settings.get("GOVNEWS_RUN_ID")
        spider.allowed_domains = list(spider.site.allowed_domains)
        spider.budget = spider.site.budget or crawler.settings.getint("GOVNEWS_REQUEST_BUDGET")
        # Settings are still open here: the site's own delay, none for our own loopback farm.
        delay = site_delay(spider.site, crawler.settings.getfloat("DOWNLOAD_DELAY"))
        for name in ("DOWNLOAD_DELAY", "AUTOTHROTTLE_START_DELAY"):
            crawler.settings.set(name, delay, priority="spider")
        if crawler.settings.getbool("GOVNEWS_STORE", True):
            spider.book = CrawlBook(crawler.settings["GOVNEWS_DATABASE_URL"],
                                    crawler.settings.getfloat("GOVNEWS_DB_RETRY_SECONDS"))
        else:
            spider.book = None  # the fetch-only benchmark baseline
        return spider

    @property
    def site(self) -> Site:
        assert isinstance(self.site_entry, Site)
        return self.site_entry

    @property
    def page_limit(self) -> int:
        return self.max_pages or self.site.pagination.max_pages

    async def start(self) -> AsyncIterator[scrapy.Request | Rejected]:
        if self.book:  # in a thread: hundreds of crawlers share this process's event loop
            self.state = await maybe_deferred_to_future(deferToThread(self.book.open, self.site.name, self.run_id))
        for url in self.site.start_urls:
            for item in self._request(url, self.parse_list, page=0):
                yield item

    def final_outcome(self, reason: str) -> str:
        """How the site's crawl ended: "complete", "challenged" (some articles answered with a challenge),
        "budget", "blocked", "store_failed" (a batch of pages could not be stored, even when that was the
        last one), or Scrapy's close reason."""
        if self.crawler.stats.get_value(STORE_FAILED):
            return STORE_FAILED
        return self.outcome if reason == "finished" else reason

    async def closed(self, reason: str) -> None:
        outcome = self.final_outcome(reason)
        self.logger.info("site %s: crawl ended (%s), %d requests", self.site.name, outcome, self.requests_made)
        if self.book:  # in a thread, as when it opened; the crawl ends when this has
            await maybe_deferred_to_future(deferToThread(self.book.close, self.site.name, outcome, self.unchanged))

    def _request(self, url: str, callback: Any, page: int | None = None, headers: dict[str, str] | None = None,
                 link: Link | None = None) -> Iterator[scrapy.Request | Rejected]:
        """A request within the site's budget, with its robots policy (the proxy: SiteProxyMiddleware)."""
        if url in self.requested or self.outcome == "blocked":
            return
        if self.requests_made >= self.budget:
            if self.outcome != "budget":
                self.outcome = "budget"
                yield Rejected(url=url, site=self.site.name, stage="fetch", reason="request_budget_exhausted",
                               detail=f"site {self.site.name!r} used its {self.budget} requests; the next run "
                               "continues where this one stopped (raise 'budget' in its entry to go faster)")
            return
        self.requests_made += 1
        self.requested.add(url)
        meta: dict[str, Any] = {"dont_obey_robotstxt": not self.site.robots.obey}
        if page is not None:
            meta["list_page"] = page
        if headers:
            meta["handle_httpstatus_list"] = [304]
        if link is not None:  # what the list showed for the article, for extraction to weigh
            meta["listed_title"], meta["listed_date"] = link.title, link.published
        cb_kwargs = {"page": page} if page is not None else {}
        yield scrapy.Request(url, callback=callback, errback=self.failed, headers=headers, meta=meta,
                             cb_kwargs=cb_kwargs)

    def parse_list(self, response: Response, page: int) -> Iterator[scrapy.Request | Rejected]:
        listing = discover(self.site, response.url, response.text)
        decided = plan(listing, self.state.known, self.since, recrawl=self.since is not None,
                       resume=self.state.resume)
        self.crawler.stats.inc_value("govnews/links_found", len(listing.articles))  # for the site's health
        self.crawler.stats.inc_value("govnews/new_links", len(decided.fetch))
        for link in decided.fetch:
            yield from self._request(link.url, self.parse_article, link=link)
        for link in decided.refetch:
            yield from self._refetch(link)
        if decided.keep_paging and page + 1 < self.page_limit:
            for url in listing.next_pages:
                yield from self._request(url, self.parse_list, page=page + 1)

    def _refetch(self, link: Link) -> Iterator[scrapy.Request | Rejected]:
        headers = conditional_headers(self.state.known[link.url])
        if headers:
            yield from self._request(link.url, self.parse_article, headers=headers, link=link)
        else:
            self.logger.debug("site %s: %s has no validators; refetched in full", self.site.name, link.url)
            yield from self._request(link.url, self.parse_article, link=link)

    def parse_article(self, response: Response) -> Iterator[RawPage | Rejected]:
        if response.status == 304:
            self.unchanged.append(response.url)
            self.crawler.stats.inc_value("govnews/unchanged")
            return
        headers = {k.decode("latin-1").lower(): b", ".join(v).decode("latin-1") for k, v in response.headers.items()}
        if not response.body.strip():
            yield Rejected(url=response.url, site=self.site.name, stage="fetch", reason="empty_body",
                           detail="HTTP 200 with an empty body; the next run fetches it again")
            return
        if declared := charset_mismatch(headers.get("content-type", ""), response.body):
            # Stored all the same: extraction decodes by what the bytes are, not what was declared.
            self.crawler.stats.inc_value("govnews/charset_mismatch")
            self.logger.warning("site %s: %s is not valid %s", self.site.name, response.url, declared)
        yield RawPage(url=response.url, site=self.site.name, status=response.status, headers=headers,
                      body=response.body, fetched_at=datetime.now(UTC), encoding=self.site.encoding,
                      listed_title=response.meta.get("listed_title"), listed_date=response.meta.get("listed_date"))

    def failed(self, failure: Failure) -> Iterator[Rejected]:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(AfterBlock):
            return
        listed = request.meta.get("redirect_urls", [request.url])[0]  # the URL the site listed
        rejection = rejection_for_failure(failure, listed, self.site.name)
        if rejection.reason == "http_404" and request.meta.get("list_page", 0) > 0:
            return  # the page after the last list page: the natural end of paging
        self.logger.warning("site %s: %s %s (%s)", self.site.name, rejection.reason, request.url,
                            rejection.detail)
        yield rejection
        # The crawl of a blocked site ends once its scheduled retries are done (ChallengeMiddleware).
        if failure.check(Blocked):
            self.outcome = "blocked"
        elif failure.check(Challenged) and self.outcome == "complete":
            self.outcome = "challenged"  # not complete: the next run reads every list page again


def site_delay(site: Site, default: float) -> float:
    if site.delay is not None:
        return site.delay
    host = urlsplit(site.start_urls[0]).hostname or ""
    try:
        return 0.0 if ipaddress.ip_address(host).is_loopback else default
    except ValueError:
        return default
