"""Item pipelines, one job each: store raw pages; store per-item failures."""

from __future__ import annotations

from typing import Any

from pipeline import store
from pipeline.records import RawPage, Rejected

FLUSH_EVERY = 20  # small batches: a crawl killed mid-way loses at most this many pages


class _BufferedStore:
    record_type: type
    write: Any

    def __init__(self, database_url: str) -> None:
        self.database_url = database_url
        self.buffer: list[Any] = []

    @classmethod
    def from_crawler(cls, crawler):  # type: ignore[no-untyped-def]
        return cls(crawler.settings["GOVNEWS_DATABASE_URL"])

    def open_spider(self, spider) -> None:  # type: ignore[no-untyped-def]
        self.sessions = store.session_factory(self.database_url)

    def process_item(self, item, spider):  # type: ignore[no-untyped-def]
        if isinstance(item, self.record_type):
            self.buffer.append(item)
            if len(self.buffer) >= FLUSH_EVERY:
                self.flush(spider.run_id)
        return item

    def close_spider(self, spider) -> None:  # type: ignore[no-untyped-def]
        self.flush(spider.run_id)
        self.sessions.kw["bind"].dispose()

    def flush(self, run_id: str) -> None:
        with self.sessions.begin() as session:
            type(self).write(session, run_id, self.buffer)
        self.buffer = []


class StorePages(_BufferedStore):
    record_type = RawPage
    write = staticmethod(store.save_pages)


class StoreRejections(_BufferedStore):
    record_type = Rejected
    write = staticmethod(store.save_rejections)
