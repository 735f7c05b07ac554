"""Progress of long work, reported by the stages to whoever runs them.

The crawl process writes one line per site (:meth:`SiteCrawl.line`) on its standard output every
second; :func:`pipeline.stages.crawl` reads them back and hands them to a :class:`Progress`. The
command line draws them live on a terminal (``pipeline.cli.progress``); :class:`LogLines` writes
a plain line every few seconds, for Airflow task logs, cron mail and anything piped.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass

LINE_PREFIX = "govnews-progress "


@dataclass
class SiteCrawl:
    """One site's crawl so far."""

    site: str
    budget: int = 0  # requests the site may use in this run
    requests: int = 0  # made so far (lists and articles; robots.txt not counted)
    stored: int = 0  # article pages stored
    failures: int = 0
    done: bool = False

    def line(self) -> str:
        return LINE_PREFIX + json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_line(cls, line: str) -> SiteCrawl | None:
        """The record of a progress line; ``None`` for any other output of the crawl process."""
        if not line.startswith(LINE_PREFIX):
            return None
        try:
            return cls(**json.loads(line[len(LINE_PREFIX):]))
        except (ValueError, TypeError):
            return None

    def summary(self) -> str:
        return (f"{self.site}: {self.requests} of {self.budget} requests, {self.stored} pages stored, "
                f"{self.failures} failed{', done' if self.done else ''}")


@dataclass
class Extracted:
    pages: int = 0
    articles: int = 0
    rejected: int = 0

    def summary(self) -> str:
        return f"{self.pages} pages read, {self.articles} articles, {self.rejected} rejected"


class Progress:
    """What the stages report; this base reports nowhere."""

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        yield

    def crawled(self, site: SiteCrawl) -> None:
        pass

    def extracted(self, counts: Extracted) -> None:
        pass


class LogLines(Progress):
    """A plain line when a stage starts and ends, when a site's crawl ends, and otherwise at most
    every ``interval`` seconds."""

    def __init__(self, write: Callable[[str], None] = print, interval: float = 10.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.write, self.interval, self.clock = write, interval, clock
        self.name, self.started, self.last = "", 0.0, 0.0
        self.sites: dict[str, SiteCrawl] = {}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.name, self.started, self.last, self.sites = name, self.clock(), self.clock(), {}
        self.write(f"{name}: started")
        yield
        self.write(f"{name}: done in {self.clock() - self.started:.0f} s")

    def crawled(self, site: SiteCrawl) -> None:
        previous = self.sites.get(site.site)
        finished = site.done and (previous is None or not previous.done)
        self.sites[site.site] = site
        if finished:
            self.write(f"{self.name}: {site.summary()} ({self._elapsed()})")
        elif self._due():
            running = [s for s in self.sites.values() if not s.done]
            stored = sum(s.stored for s in self.sites.values())
            self.write(f"{self.name}: {stored} pages stored, {len(running)} sites crawling ({self._elapsed()}): "
                       + "; ".join(s.summary() for s in running))

    def extracted(self, counts: Extracted) -> None:
        if self._due():
            self.write(f"{self.name}: {counts.summary()} ({self._elapsed()})")

    def _due(self) -> bool:
        if self.clock() - self.last < self.interval:
            return False
        self.last = self.clock()
        return True

    def _elapsed(self) -> str:
        return f"{self.clock() - self.started:.0f} s"
