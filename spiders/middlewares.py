"""Downloader middlewares: a site's proxy; anti-bot challenges become failures; retries back off."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from pipeline.antibot import ChallengeWatch, challenge_reason
from spiders.faults import AfterBlock, Blocked, Challenged, backoff


class SiteProxyMiddleware:
    """The registry entry's proxy for every request to the site's hosts, robots.txt included:
    Scrapy's robots.txt requests carry none of the spider's meta."""

    def __init__(self, crawler) -> None:  # type: ignore[no-untyped-def]
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        site = getattr(self.crawler.spider, "site", None)
        if site is None or not site.proxy or "proxy" in request.meta:
            return
        if urlparse_cached(request).hostname in site.allowed_domains:
            request.meta["proxy"] = site.proxy


class ChallengeMiddleware:
    """Sits nearer the downloader than RetryMiddleware, so a challenge is never retried. A challenged
    article is that page's failure and slows the crawl down; once the site is blocked
    (``ChallengeWatch``), its queued requests are dropped, all but the retries already scheduled
    (after a 503, say): those still go, and the crawl ends when they are done. Stopping the spider
    instead (CloseSpider) would clear them with the rest. One instance per crawler, i.e. per site."""

    def __init__(self, crawler) -> None:  # type: ignore[no-untyped-def]
        self.crawler = crawler
        self.watch = ChallengeWatch(crawler.settings.getint("GOVNEWS_BLOCK_AFTER_CHALLENGES"))

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        if self.watch.blocked and not request.meta.get("retry_times"):
            raise AfterBlock("the site answered with anti-bot challenges before")

    def process_response(self, request: Request, response: Response) -> Response:
        headers = {key.decode("latin-1").lower(): [v.decode("latin-1") for v in response.headers.getlist(key)]
                   for key in response.headers}
        protection = challenge_reason(response.status, headers, response.body)
        self.watch = self.watch.answered(response.status, protection is not None, "list_page" in request.meta)
        if protection is None:
            return response
        if self.watch.blocked:
            raise Blocked(protection, response.status)
        slow_down(self.crawler, request)
        raise Challenged(protection, response.status)


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, and each retry doubles the host's delay (AutoThrottle lowers it again
    only as healthy 200 responses come back)."""

    def _retry(self, request: Request, reason: str | Exception | type[Exception]) -> Request | None:
        retry = super()._retry(request, reason)
        if retry is not None:
            slow_down(self.crawler, request)
        return retry


def slow_down(crawler, request: Request) -> None:  # type: ignore[no-untyped-def]
    """Double the delay between requests to the request's host (its download slot), within bounds."""
    slot = crawler.engine.downloader.slots.get(request.meta.get("download_slot", "")) if crawler.engine else None
    if slot is not None:
        settings = crawler.settings
        slot.delay = backoff(slot.delay, settings.getfloat("GOVNEWS_BACKOFF_BASE"),
                             settings.getfloat("GOVNEWS_BACKOFF_MAX"))
