"""The one generic spider: a registry entry says where a site's lists are and what an article is."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import scrapy
from scrapy.http import Response
from twisted.python.failure import Failure

from pipeline.records import RawPage, Rejected
from pipeline.sites import Site, load_registry
from spiders.faults import rejection_for_failure

TRS_INDEX = re.compile(r"^(?P<stem>.*/index)(?:_\d+)?(?P<ext>\.s?html?)$")


class GenericSpider(scrapy.Spider):
    name = "generic"

    def __init__(self, site: Site | str, run_id: str | None = None, max_pages: int | str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.site_entry = site
        self.run_id = run_id
        self.max_pages = int(max_pages) if max_pages is not None else None

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any) -> GenericSpider:  # type: ignore[no-untyped-def]
        spider = super().from_crawler(crawler, *args, **kwargs)
        if isinstance(spider.site_entry, str):  # `scrapy crawl generic -a site=NAME`
            registry = load_registry(
                crawler.settings.getlist("GOVNEWS_REGISTRY_PATHS"),
                crawler.settings.getdict("GOVNEWS_REGISTRY_VARIABLES"),
            )
            spider.site_entry = registry.get(spider.site_entry)  # a SiteError names the site
        spider.run_id = spider.run_id or crawler.settings.get("GOVNEWS_RUN_ID")
        spider.allowed_domains = list(spider.site.allowed_domains)
        return spider

    @property
    def site(self) -> Site:
        assert isinstance(self.site_entry, Site)
        return self.site_entry

    @property
    def page_limit(self) -> int:
        return self.max_pages or self.site.pagination.max_pages

    async def start(self) -> AsyncIterator[scrapy.Request]:
        for url in self.site.start_urls:
            yield self._list_request(url, page=0)

    def _list_request(self, url: str, page: int) -> scrapy.Request:
        return scrapy.Request(url, callback=self.parse_list, errback=self.failed,
                              cb_kwargs={"page": page}, meta={"list_page": page})

    def parse_list(self, response: Response, page: int) -> Iterator[scrapy.Request]:
        links = response.css("a::attr(href)").getall()
        articles = [u for u in map(response.urljoin, links) if re.search(self.site.article_url, u)]
        for url in articles:
            yield scrapy.Request(url, callback=self.parse_article, errback=self.failed)
        if not articles or page + 1 >= self.page_limit:
            return
        for url in self._next_list_urls(response, links, page):
            yield self._list_request(url, page + 1)

    def _next_list_urls(self, response: Response, links: list[str], page: int) -> list[str]:
        if self.site.pagination.style == "trs_index":
            match = TRS_INDEX.match(response.url.split("?")[0])
            return [f"{match['stem']}_{page + 1}{match['ext']}"] if match else []
        assert self.site.list_url is not None
        return [u for u in map(response.urljoin, links) if re.search(self.site.list_url, u)]

    def parse_article(self, response: Response) -> Iterator[RawPage]:
        yield RawPage(
            url=response.url,
            site=self.site.name,
            status=response.status,
            headers={k.decode("latin-1").lower(): b", ".join(v).decode("latin-1")
                     for k, v in response.headers.items()},
            body=response.body,
            fetched_at=datetime.now(UTC),
            encoding=self.site.encoding,
        )

    def failed(self, failure: Failure) -> Iterator[Rejected]:
        request = failure.request  # type: ignore[attr-defined]
        rejection = rejection_for_failure(failure, request.url, self.site.name)
        if rejection.reason == "http_404" and request.meta.get("list_page", 0) > 0:
            return  # the page after the last list page: the natural end of paging
        self.logger.warning("site %s: %s %s (%s)", self.site.name, rejection.reason, request.url,
                            rejection.detail)
        yield rejection
