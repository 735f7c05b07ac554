"""Each discovery strategy on the fixture farm, crawled by Scrapy over real HTTP into PostgreSQL:
every article of a paginated column found, paging stops on known URLs, the date window respected."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest

from pipeline.fixtures.farm import Farm, Fault, standard_farm
from pipeline.fixtures.farm_pages import title as farm_title
from pipeline.settings import Settings
from tests.crawling import article_hits, crawl, crawl_state, farm_settings, pages, rejections

ARTICLES, PAGE_SIZE = 25, 10  # three list pages per column, the last one short
SITES = ["farm-trs", "farm-trs_div", "farm-trs_inline", "farm-hanweb", "farm-json_api", "farm-sitemap"]


@pytest.fixture(scope="module")
def farm() -> Iterator[Farm]:
    with standard_farm(articles=ARTICLES, page_size=PAGE_SIZE) as farm:
        yield farm


@pytest.fixture
def farmed(settings: Settings, farm: Farm, tmp_path) -> Settings:
    farm.reset()
    return farm_settings(settings, farm, tmp_path)


def test_every_article_of_every_strategy_is_found(farmed: Settings, farm: Farm, tmp_path) -> None:
    stats = crawl(farmed, "full-1", [*SITES, "farm-sitemap-feed"], tmp_path=tmp_path)
    # The feed lists the newest page of the sitemap site's articles: a page belongs to whichever of
    # the two entries stored it last.
    shared = pages(farmed, "farm-sitemap-feed")
    for site in SITES:
        stored = pages(farmed, site) | (shared if site == "farm-sitemap" else {})
        assert sorted(stored) == sorted(farm.article_urls(site)), f"{site}: articles missed or extra"
        assert all(p.status == 200 for p in stored.values())
        assert crawl_state(farmed, site).outcome == "complete"
    assert stats["farm-sitemap-feed"]["item_scraped_count"] == PAGE_SIZE


def test_the_list_title_and_date_are_stored_with_each_page(farmed: Settings, farm: Farm, tmp_path) -> None:
    """What a list showed for a link (title attribute or text, date) reaches the stored page, where
    extraction weighs it; a sitemap shows dates only."""
    listed = ["farm-trs", "farm-trs_div", "farm-hanweb", "farm-json_api"]
    crawl(farmed, "listed-1", [*listed, "farm-sitemap"], tmp_path=tmp_path)
    for site in farm.sites:
        if site.name not in (*listed, "farm-sitemap"):
            continue
        stored = pages(farmed, site.name)
        for index, url in enumerate(farm.article_urls(site.name)):
            expected_title = None if site.name == "farm-sitemap" else farm_title(site, index)
            assert (stored[url].listed_title, stored[url].listed_date) == (expected_title, site.article_date(index))


def test_second_run_stops_paging_at_known_articles(farmed: Settings, farm: Farm, tmp_path) -> None:
    crawl(farmed, "inc-1", SITES, tmp_path=tmp_path)
    farm.reset()
    stats = crawl(farmed, "inc-2", SITES, tmp_path=tmp_path)
    for site in SITES:
        assert article_hits(farm, site) == 0, f"{site}: a known article was fetched again"
        assert stats[site].get("item_scraped_count", 0) == 0
    list_hits = {site: sum(n for (name, path), n in farm.hits.items() if name == site and path != "/robots.txt")
                 for site in SITES}
    # One list page (sitemaps: the index and its children, which are not pages in sequence).
    assert {s: n for s, n in list_hits.items() if s != "farm-sitemap"} == {s: 1 for s in SITES if s != "farm-sitemap"}


def test_new_articles_on_the_first_page_are_fetched_and_paging_stops(farmed: Settings, farm: Farm, tmp_path) -> None:
    crawl(farmed, "new-1", ["farm-trs"], tmp_path=tmp_path)
    # Three articles "appear": their stored pages are removed, as if they were never fetched.
    from sqlalchemy import delete

    from pipeline import store
    from pipeline.store.models import Page

    fresh = farm.article_urls("farm-trs")[:3]
    with store.session_factory(farmed.database_url).begin() as session:
        session.execute(delete(Page).where(Page.url.in_(fresh)))
    farm.reset()
    crawl(farmed, "new-2", ["farm-trs"], tmp_path=tmp_path)
    assert article_hits(farm, "farm-trs") == 3
    assert farm.hits[("farm-trs", "/xwzx/index_1.html")] == 1, "page 1 brought news: page 2 is read"
    assert farm.hits[("farm-trs", "/xwzx/index_2.html")] == 0, "page 2 brought nothing new: paging stopped"
    assert sorted(pages(farmed, "farm-trs")) == sorted(farm.article_urls("farm-trs"))


SINCE = date(2026, 7, 10)  # articles 0..8 of each column (one a day back from 2026-07-18)


def test_backfill_window_fetches_only_the_window_and_stops_paging(farmed: Settings, farm: Farm, tmp_path) -> None:
    crawl(farmed, "window-1", ["farm-trs", "farm-hanweb"], "--recrawl-since", SINCE.isoformat(), tmp_path=tmp_path)
    for site in ("farm-trs", "farm-hanweb"):
        urls = farm.article_urls(site)
        assert sorted(pages(farmed, site)) == sorted(urls[:9]), f"{site}: the window is articles 0..8"
    assert farm.hits[("farm-trs", "/xwzx/index_1.html")] == 1, "page 2 starts past the window: read once"
    assert farm.hits[("farm-trs", "/xwzx/index_2.html")] == 0, "past the window: paging stopped"


def test_recrawl_since_sends_validators_and_records_304_as_unchanged(farmed: Settings, farm: Farm, tmp_path) -> None:
    farm.set_faults("farm-trs", Fault("etag"))
    crawl(farmed, "etag-1", ["farm-trs"], tmp_path=tmp_path)
    before = pages(farmed, "farm-trs")
    assert all(p.headers.get("etag") for p in before.values())
    stats = crawl(farmed, "etag-2", ["farm-trs"], "--recrawl-since", SINCE.isoformat(), tmp_path=tmp_path)
    assert stats["farm-trs"]["govnews/unchanged"] == 9
    after = pages(farmed, "farm-trs")
    window = set(farm.article_urls("farm-trs")[:9])
    assert {u for u, p in after.items() if p.checked_at is not None} == window
    assert {u: (p.run_id, p.body_sha1) for u, p in after.items()} == \
        {u: (p.run_id, p.body_sha1) for u, p in before.items()}, "a 304 leaves the stored page as it was"


def test_request_budget_stops_the_site_and_the_next_run_continues(settings: Settings, farm: Farm, tmp_path) -> None:
    farm.reset()
    tight = farm_settings(settings, farm, tmp_path, request_budget=8, contact="ops@example.org")
    crawl(tight, "budget-1", ["farm-trs"], tmp_path=tmp_path)
    assert len(pages(tight, "farm-trs")) == 7, "one list page and seven articles make the budget of 8"
    [rejection] = rejections(tight, "farm-trs").values()
    assert rejection.reason == "request_budget_exhausted" and "8 requests" in rejection.detail
    assert crawl_state(tight, "farm-trs").outcome == "budget"
    assert farm.agents == {"govnews/0.1 (+https://github.com/govnews/govnews; ops@example.org)"}
    farm.reset()
    crawl(farm_settings(settings, farm, tmp_path), "budget-2", ["farm-trs"], tmp_path=tmp_path)
    assert sorted(pages(tight, "farm-trs")) == sorted(farm.article_urls("farm-trs"))
    assert article_hits(farm, "farm-trs") == ARTICLES - 7, "the stored articles are not fetched again"
