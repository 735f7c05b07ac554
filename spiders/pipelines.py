"""Item pipelines, one job each: store raw pages; store per-item failures."""

from __future__ import annotations

from typing import Any

from scrapy.utils.defer import deferred_from_coro, maybe_deferred_to_future
from twisted.internet.defer import Deferred, DeferredList
from twisted.internet.threads import deferToThread
from twisted.python.failure import Failure

from pipeline import store
from pipeline.records import RawPage, Rejected

FLUSH_EVERY = 20  # small batches: a crawl killed mid-way loses at most a few of them
STORE_FAILED = "store_failed"  # the close reason (and stats key) of a site whose batch could not be stored


class _BufferedStore:
    """Buffers its records and writes each full batch in a worker thread, so the crawl's event loop
    keeps fetching while the database works; closing waits for every write."""

    record_type: type
    write: Any

    def __init__(self, crawler) -> None:  # type: ignore[no-untyped-def]
        self.crawler = crawler
        self.database_url = crawler.settings["GOVNEWS_DATABASE_URL"]
        self.retry_seconds = crawler.settings.getfloat("GOVNEWS_DB_RETRY_SECONDS")
        self.buffer: list[Any] = []
        self.writing: set[Deferred[None]] = set()

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        return cls(crawler)

    def open_spider(self) -> None:
        self.sessions = store.shared_session_factory(self.database_url)

    async def process_item(self, item: Any) -> Any:
        if isinstance(item, self.record_type):
            self.buffer.append(item)
            if len(self.buffer) >= FLUSH_EVERY:
                await maybe_deferred_to_future(self._flush())
        return item

    async def close_spider(self) -> None:
        self._flush()
        await maybe_deferred_to_future(DeferredList(list(self.writing), fireOnOneErrback=True, consumeErrors=True))

    def _flush(self) -> Deferred[None]:
        batch, self.buffer = self.buffer, []
        written = deferToThread(self._write, self.crawler.spider.run_id, batch)
        self.writing.add(written)
        written.addBoth(self._written, written)
        return written

    def _write(self, run_id: str, batch: list[Any]) -> None:
        if batch:
            store.in_transaction(self.sessions, lambda session: type(self).write(session, run_id, batch),
                                 self.retry_seconds)

    def _written(self, result: Any, written: Deferred[None]) -> Any:
        self.writing.discard(written)
        if isinstance(result, Failure):
            # The batch was not stored (the database stayed away): the site's crawl stops unfinished,
            # so that the next one resumes it, and the crawl process fails (spiders.runner).
            self.crawler.stats.set_value(STORE_FAILED, result.getErrorMessage())
            deferred_from_coro(self.crawler.engine.close_spider_async(reason=STORE_FAILED))
        return result


class StorePages(_BufferedStore):
    record_type = RawPage
    write = staticmethod(store.save_pages)


class StoreRejections(_BufferedStore):
    record_type = Rejected
    write = staticmethod(store.save_rejections)
