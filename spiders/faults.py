"""What went wrong with a request, as a countable reason."""

from __future__ import annotations

from scrapy.exceptions import (
    CannotResolveHostError,
    DownloadConnectionRefusedError,
    DownloadFailedError,
    DownloadTimeoutError,
    ResponseDataLossError,
)
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from pipeline.records import Rejected

# Scrapy's own download errors, the same whichever download handler (Twisted or asyncio) ran.
REASONS = {
    CannotResolveHostError: "dns_error",
    DownloadConnectionRefusedError: "connection_refused",
    DownloadTimeoutError: "timeout",
    ResponseDataLossError: "truncated_body",
    DownloadFailedError: "download_failed",
}


def rejection_for_failure(failure: Failure, url: str, site: str) -> Rejected:
    if failure.check(HttpError):
        status = failure.value.response.status
        return Rejected(url=url, site=site, stage="fetch", reason=f"http_{status}",
                        detail=f"the server answered HTTP {status}")
    for error_type, reason in REASONS.items():
        if failure.check(error_type):
            return Rejected(url=url, site=site, stage="fetch", reason=reason, detail=str(failure.value))
    return Rejected(url=url, site=site, stage="fetch", reason="fetch_error",
                    detail=f"{failure.type.__name__}: {failure.value}")
