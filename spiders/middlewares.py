"""Downloader middlewares: a site's proxy; anti-bot challenges become failures; retries back off;
no request reaches a private address; redirects end at a loop."""

from __future__ import annotations

from typing import Any

from scrapy import Request
from scrapy.downloadermiddlewares.redirect import MetaRefreshMiddleware, RedirectMiddleware
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.httpobj import urlparse_cached

from pipeline.addresses import on_domains, origin, private_address
from pipeline.antibot import ChallengeWatch, challenge_reason
from spiders.faults import AfterBlock, Blocked, Challenged, PrivateAddress, RedirectLoop, backoff


class CrawlerMiddleware:
    """A middleware that reads its crawler (its spider, settings, engine) when it acts."""

    def __init__(self, crawler) -> None:  # type: ignore[no-untyped-def]
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        return cls(crawler)


class SiteProxyMiddleware(CrawlerMiddleware):
    """The registry entry's proxy for every request to the site's hosts, robots.txt included:
    Scrapy's robots.txt requests carry none of the spider's meta."""

    def process_request(self, request: Request) -> None:
        site = getattr(self.crawler.spider, "site", None)
        if site is None or not site.proxy or "proxy" in request.meta:
            return
        if urlparse_cached(request).hostname in site.allowed_domains:
            request.meta["proxy"] = site.proxy


class ChallengeMiddleware(CrawlerMiddleware):
    """Sits nearer the downloader than RetryMiddleware, so a challenge is never retried. A challenged
    article is that page's failure and slows the crawl down; once the site is blocked
    (``ChallengeWatch``), its queued requests are dropped, all but the retries already scheduled
    (after a 503, say): those still go, and the crawl ends when they are done. Stopping the spider
    instead (CloseSpider) would clear them with the rest. One instance per crawler, i.e. per site."""

    def __init__(self, crawler) -> None:  # type: ignore[no-untyped-def]
        super().__init__(crawler)
        self.watch = ChallengeWatch(crawler.settings.getint("GOVNEWS_BLOCK_AFTER_CHALLENGES"))

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


class PrivateAddressMiddleware(CrawlerMiddleware):
    """Refuses a request to this machine or a private network (``pipeline/addresses.py``) before any
    connection: nearest the downloader, so that it sees redirects, robots.txt requests and the proxy
    chosen. A fixture entry (``fixture: true``, written only by the fixture generators) may reach
    its own origins, nothing else. A host name cannot be judged before it resolves: its response is
    refused when it came from such an address (unless through the site's proxy), so that nothing
    from there is stored or followed."""

    def process_request(self, request: Request) -> None:
        site = getattr(self.crawler.spider, "site", None)
        if site is not None and site.fixture and origin(request.url) in {origin(url) for url in site.start_urls}:
            return
        reason = private_address(urlparse_cached(request).hostname or "")
        if reason:
            raise PrivateAddress(f"{request.url} not fetched: {reason}")

    def process_response(self, request: Request, response: Response) -> Response:
        site = getattr(self.crawler.spider, "site", None)
        if (site is not None and site.fixture) or "proxy" in request.meta or response.ip_address is None:
            return response
        reason = private_address(str(response.ip_address))
        if reason:
            raise PrivateAddress(f"{request.url} refused: its host resolved to {response.ip_address}; {reason}")
        return response


class LoopSafeRedirect:
    """A redirect (HTTP or meta refresh) back to a URL of its own chain is a loop, and one off the
    site's domains is offsite: both refused here. Other redirects skip the duplicate filter (and so
    Scrapy's offsite filter, hence the check here), so that a page redirected to one already fetched
    still ends in an outcome of its own; REDIRECT_MAX_TIMES bounds the chain."""

    crawler: Any

    def _redirect(self, redirected: Request, request: Request, reason: Any) -> Request:
        chain = [*request.meta.get("redirect_urls", []), request.url]
        if redirected.url in chain:
            raise RedirectLoop(f"{chain[0]} redirects in a loop: {' -> '.join([*chain, redirected.url])}")
        domains = getattr(self.crawler.spider, "allowed_domains", None)
        host = urlparse_cached(redirected).hostname or ""
        if domains and not on_domains(host, domains):
            raise IgnoreRequest(f"Filtered offsite request to {host!r}: {chain[0]} redirects off the site")
        redirected = super()._redirect(redirected, request, reason)  # type: ignore[misc]
        redirected.dont_filter = True
        return redirected


class LoopSafeRedirectMiddleware(LoopSafeRedirect, RedirectMiddleware):
    pass


class LoopSafeMetaRefreshMiddleware(LoopSafeRedirect, MetaRefreshMiddleware):
    pass
