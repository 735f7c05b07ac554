"""The crawl's memory of a site between runs: stored URLs with their validators, and whether the
last crawl finished. Read once when the spider opens, written when it closes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy.orm import Session

from pipeline import store


@dataclass
class SiteState:
    known: dict[str, tuple[str | None, str | None]] = field(default_factory=dict)  # url -> (etag, modified)
    resume: bool = False  # the last crawl did not finish


class CrawlBook:
    def __init__(self, database_url: str, retry_seconds: float) -> None:
        self.sessions = store.shared_session_factory(database_url)
        self.retry_seconds = retry_seconds

    def open(self, site: str, run_id: str) -> SiteState:
        def begin(session: Session) -> SiteState:
            last = store.last_crawl(session, site)
            state = SiteState(store.known_pages(session, site), resume=last is not None and last.finished_at is None)
            store.begin_crawl(session, site, run_id, datetime.now(UTC))
            return state

        return store.in_transaction(self.sessions, begin, self.retry_seconds)

    def close(self, site: str, outcome: str, unchanged: Sequence[str]) -> None:
        def end(session: Session) -> None:
            store.mark_unchanged(session, unchanged, datetime.now(UTC))
            store.end_crawl(session, site, outcome, datetime.now(UTC))

        store.in_transaction(self.sessions, end, self.retry_seconds)


def conditional_headers(validators: tuple[str | None, str | None]) -> dict[str, str]:
    etag, modified = validators
    headers = {}
    if etag:
        headers["If-None-Match"] = etag
    if modified:
        headers["If-Modified-Since"] = modified
    return headers
