"""The crawl's progress for the process that started it (``python -m spiders.runner --progress``):
one :class:`pipeline.progress.SiteCrawl` line per site on standard output, every second while the
site crawls and once when it ends. Scrapy's own log goes to standard error."""

from __future__ import annotations

import sys
from typing import Any

from scrapy import signals
from twisted.internet.task import LoopingCall

from pipeline.progress import SiteCrawl
from pipeline.records import Rejected

EVERY = 1.0  # seconds


class ProgressLines:
    """An extension: one instance per crawler, i.e. per site."""

    def __init__(self) -> None:
        self.progress = SiteCrawl(site="")
        self.spider: Any = None
        self.ticker = LoopingCall(self.write)

    @classmethod
    def from_crawler(cls, crawler: Any) -> ProgressLines:
        extension = cls()
        crawler.signals.connect(extension.opened, signal=signals.spider_opened)
        crawler.signals.connect(extension.scraped, signal=signals.item_scraped)
        crawler.signals.connect(extension.closed, signal=signals.spider_closed)
        return extension

    def opened(self, spider: Any) -> None:
        self.spider = spider
        self.progress = SiteCrawl(site=spider.site.name, budget=spider.budget)
        self.ticker.start(EVERY, now=True)

    def scraped(self, item: object) -> None:
        if isinstance(item, Rejected):
            self.progress.failures += 1
        else:
            self.progress.stored += 1

    def closed(self) -> None:
        if self.spider is None:  # the spider never opened
            return
        if self.ticker.running:
            self.ticker.stop()
        self.progress.done = True
        self.write()

    def write(self) -> None:
        self.progress.requests = self.spider.requests_made
        sys.stdout.write(self.progress.line() + "\n")
        sys.stdout.flush()
