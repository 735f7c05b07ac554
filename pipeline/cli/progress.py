"""Progress of the long commands on standard error: redrawn live on a terminal (rich), a plain line
every few seconds otherwise (cron mail, a pipe, a log file)."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console, Group, RenderableType
from rich.live import Live
from rich.spinner import Spinner
from rich.table import Table

from pipeline.progress import Extracted, LogLines, Progress, SiteCrawl

PLAIN_EVERY = 5.0  # seconds between plain lines


def progress_reporter() -> Progress:
    if sys.stderr.isatty():
        return LiveProgress(Console(stderr=True))
    return LogLines(write=lambda line: print(line, file=sys.stderr, flush=True), interval=PLAIN_EVERY)


class LiveProgress(Progress):
    """One live view per stage: a table of sites while crawling, counts while extracting, a
    spinner with the elapsed time otherwise. What it last drew stays on the screen."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.name, self.started = "", 0.0
        self.sites: dict[str, SiteCrawl] = {}
        self.counts: Extracted | None = None

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.name, self.started, self.sites, self.counts = name, time.monotonic(), {}, None
        with Live(console=self.console, get_renderable=self.view, refresh_per_second=4, transient=True):
            yield
        self.console.print(self.view(running=False))

    def crawled(self, site: SiteCrawl) -> None:
        self.sites[site.site] = site

    def extracted(self, counts: Extracted) -> None:
        self.counts = counts

    def view(self, running: bool = True) -> RenderableType:
        elapsed = f"{time.monotonic() - self.started:.0f} s"
        title = f"{self.name} · {elapsed}" + ("" if running else " · done")
        heading: RenderableType = Spinner("dots", title) if running else f"[bold]{title}[/bold]"
        if self.sites:
            table = Table("site", "requests / budget", "pages stored", "failed", "state", box=None)
            for site in sorted(self.sites.values(), key=lambda s: s.site):
                table.add_row(site.site, f"{site.requests} / {site.budget}", str(site.stored), str(site.failures),
                              "done" if site.done else "crawling")
            return Group(heading, table)
        if self.counts is not None:
            return Group(heading, f"  {self.counts.summary()}")
        return heading
