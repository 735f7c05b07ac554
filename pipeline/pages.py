"""Raw pages from outside a crawl: a saved file or a URL fetched once (for `govnews extract`)."""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from pipeline.records import RawPage
from pipeline.settings import Settings


class UnreadablePage(Exception):
    """A saved page or URL that cannot be read; the message names it and says why."""


def read_page(source: str, settings: Settings) -> RawPage:
    """The bytes as they are: a file has no HTTP headers, so its charset comes from the page itself."""
    now = datetime.now(UTC)
    if source.startswith(("http://", "https://")):
        return _fetch(source, settings, now)
    path = Path(source)
    try:
        body = path.read_bytes()
    except FileNotFoundError:
        raise UnreadablePage(f"{source}: no such file") from None
    except IsADirectoryError:
        raise UnreadablePage(f"{source}: a directory, not a saved page") from None
    except PermissionError:
        raise UnreadablePage(f"{source}: permission denied") from None
    except OSError as error:
        raise UnreadablePage(f"{source}: cannot be read ({error.strerror or error})") from None
    return RawPage(url=path.resolve().as_uri(), site="cli", status=200, headers={}, body=body, fetched_at=now)


def _fetch(url: str, settings: Settings, now: datetime) -> RawPage:
    request = urllib.request.Request(url, headers={"User-Agent": settings.user_agent})
    try:
        with urllib.request.urlopen(request, timeout=settings.download_timeout) as response:
            status, headers, body = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:  # a 412 challenge is a page to judge, not a crash
        status, headers, body = error.code, error.headers, error.read()
    except urllib.error.URLError as error:
        raise UnreadablePage(f"{url}: unreachable ({error.reason})") from None
    except (OSError, http.client.HTTPException) as error:
        raise UnreadablePage(f"{url}: unreachable ({error})") from None
    return RawPage(url=url, site="cli", status=status, fetched_at=now, body=body,
                   headers={k.lower(): v for k, v in headers.items()})
