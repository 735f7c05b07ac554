"""Raw pages from outside a crawl: a saved file or a URL fetched once (for `govnews extract`)."""

from __future__ import annotations

import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from pipeline.records import RawPage
from pipeline.settings import Settings


def read_page(source: str, settings: Settings) -> RawPage:
    """The bytes as they are: a file has no HTTP headers, so its charset comes from the page itself."""
    now = datetime.now(UTC)
    if source.startswith(("http://", "https://")):
        request = urllib.request.Request(source, headers={"User-Agent": settings.user_agent})
        try:
            with urllib.request.urlopen(request, timeout=settings.download_timeout) as response:
                status, headers, body = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:  # a 412 challenge is a page to judge, not a crash
            status, headers, body = error.code, error.headers, error.read()
        return RawPage(url=source, site="cli", status=status, fetched_at=now, body=body,
                       headers={k.lower(): v for k, v in headers.items()})
    path = Path(source)
    return RawPage(url=path.resolve().as_uri(), site="cli", status=200, headers={}, body=path.read_bytes(),
                   fetched_at=now)
