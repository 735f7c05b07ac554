"""What went wrong with a request, as a countable reason; the pure parts of fault handling."""

from __future__ import annotations

import codecs

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadCancelledError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    IgnoreRequest,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.defer import CancelledError
from twisted.python.failure import Failure

from pipeline.antibot import BLOCKED_MESSAGE
from pipeline.clean.encoding import header_charset
from pipeline.records import Rejected


class Challenged(IgnoreRequest):
    """The page answered with an anti-bot challenge: not retried, recorded, asked for again next run."""

    def __init__(self, protection: str, status: int) -> None:
        super().__init__(f"{BLOCKED_MESSAGE[protection]} (HTTP {status})")
        self.protection = protection


class Blocked(Challenged):
    """A challenge that blocks the whole site (see ``pipeline.antibot.ChallengeWatch``): its crawl stops."""


class AfterBlock(IgnoreRequest):
    """A request of a site already found blocked: dropped, not recorded again."""


class PrivateAddress(IgnoreRequest):
    """A request to this machine or a private network, refused before any connection."""


class RedirectLoop(IgnoreRequest):
    """A redirect back to a URL already in the request's redirect chain."""


# Scrapy's own download errors, the same whichever download handler (Twisted or asyncio) ran.
REASONS = {
    CannotResolveHostError: "dns_error",
    DownloadConnectionRefusedError: "connection_refused",
    DownloadTimeoutError: "timeout",
    ResponseDataLossError: "truncated_body",
    DownloadFailedError: "download_failed",
    # Larger than DOWNLOAD_MAXSIZE: announced (Content-Length), or while the body arrived.
    DownloadCancelledError: "too_large",
    CancelledError: "too_large",
    PrivateAddress: "private_address",
    RedirectLoop: "redirect_loop",
}
# IgnoreRequest messages of Scrapy's middlewares, by what they say.
IGNORED = {
    "DOWNLOAD_MAXSIZE": "too_large",  # HttpCompressionMiddleware: inflated past it (a gzip bomb)
    "max redirections reached": "too_many_redirects",
    "Filtered offsite request": "offsite",
}


def rejection_for_failure(failure: Failure, url: str, site: str) -> Rejected:
    if failure.check(HttpError):
        status = failure.value.response.status
        return Rejected(url=url, site=site, stage="fetch", reason=f"http_{status}",
                        detail=f"the server answered HTTP {status}")
    if failure.check(Blocked):
        return Rejected(url=url, site=site, stage="fetch", reason="anti_bot_challenge",
                        detail=f"site {site!r} is blocked: {failure.value}")
    if failure.check(Challenged):
        return Rejected(url=url, site=site, stage="fetch", reason="anti_bot_page",
                        detail=f"this page of site {site!r} answered with a challenge ({failure.value}); its other "
                        "pages answer, so the crawl went on slower and the next run asks for this page again")
    if failure.check(IgnoreRequest) and "robots.txt" in str(failure.value):
        return Rejected(url=url, site=site, stage="fetch", reason="robots_disallowed",
                        detail="robots.txt forbids this URL; add a robots override with a reason "
                        "to the registry entry only if the site allowed it")
    for error_type, reason in REASONS.items():
        if failure.check(error_type):
            return Rejected(url=url, site=site, stage="fetch", reason=reason, detail=str(failure.value))
    if failure.check(IgnoreRequest):
        for marker, reason in IGNORED.items():
            if marker in str(failure.value):
                return Rejected(url=url, site=site, stage="fetch", reason=reason, detail=str(failure.value))
    return Rejected(url=url, site=site, stage="fetch", reason="fetch_error",
                    detail=f"{failure.type.__name__}: {failure.value}")


def backoff(delay: float, base: float, cap: float) -> float:
    """The next delay between requests to a host after a retryable failure: doubled, within bounds."""
    return min(cap, max(base, delay * 2))


def charset_mismatch(content_type: str, body: bytes) -> str | None:
    """The declared charset if the bytes are not valid in it (extraction then decodes by detection)."""
    declared = header_charset(content_type)
    if not declared:
        return None
    try:
        name = codecs.lookup(declared).name
    except LookupError:
        return declared
    if name in ("gb2312", "gbk"):
        name = "gb18030"  # GB pages routinely use characters beyond what they declare
    try:
        body.decode(name)
    except UnicodeDecodeError:
        return declared
    return None
