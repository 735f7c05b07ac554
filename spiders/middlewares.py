"""Downloader middlewares: a site's proxy; anti-bot challenges become failures; retries back off."""

from __future__ import annotations

from scrapy import Request
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.httpobj import urlparse_cached

from pipeline.antibot import challenge_reason
from spiders.faults import AfterBlock, Blocked, backoff


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
    """Sits nearer the downloader than RetryMiddleware, so a challenge is never retried; after the
    first one, the site's queued requests are dropped (one instance per crawler, i.e. per site)."""

    def __init__(self) -> None:
        self.blocked = False

    def process_request(self, request: Request) -> None:
        if self.blocked:
            raise AfterBlock("the site answered with an anti-bot challenge before")

    def process_response(self, request: Request, response: Response) -> Response:
        headers = {key.decode("latin-1").lower(): [v.decode("latin-1") for v in response.headers.getlist(key)]
                   for key in response.headers}
        protection = challenge_reason(response.status, headers, response.body)
        if protection:
            self.blocked = True
            raise Blocked(protection, response.status)
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's retries, and each retry doubles the host's delay (AutoThrottle lowers it again
    only as healthy 200 responses come back)."""

    def _retry(self, request: Request, reason: str | Exception | type[Exception]) -> Request | None:
        retry = super()._retry(request, reason)
        slot = self.crawler.engine.downloader.slots.get(request.meta.get("download_slot", "")) \
            if self.crawler.engine else None
        if retry is not None and slot is not None:
            settings = self.crawler.settings
            slot.delay = backoff(slot.delay, settings.getfloat("GOVNEWS_BACKOFF_BASE"),
                                 settings.getfloat("GOVNEWS_BACKOFF_MAX"))
        return retry
