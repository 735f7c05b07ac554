"""Fault injection on the fixture farm: one crawl of six sites, each with its faults; the expected
outcome per page, the other sites unharmed, nothing lost or stored twice. Then a crawl killed
mid-run and started again ends with the rows of an uninterrupted one."""

from __future__ import annotations

import signal
import time
from collections.abc import Iterator

import pytest

from pipeline.fixtures.farm import Farm, Fault, standard_farm
from pipeline.records import RawPage
from pipeline.settings import Settings
from tests.conftest import empty_database
from tests.crawling import article_hits, crawl, crawl_process, crawl_state, farm_settings, pages, rejections

ARTICLES, PAGE_SIZE = 25, 10
# farm-trs: article index -> (fault, expected outcome: "stored" or the rejection reason)
ARTICLE_FAULTS = {
    0: (Fault("burst_5xx", frozenset({0}), times=2), "stored"),  # two 503s, then the page: retried
    1: (Fault("burst_5xx", frozenset({1}), times=1), "stored"),
    2: (Fault("slow", frozenset({2}), seconds=5.0), "timeout"),  # slower than the 3 s time-out
    3: (Fault("burst_5xx", frozenset({3})), "http_503"),  # never recovers: recorded after retries
    4: (Fault("reset", frozenset({4})), "download_failed"),
    5: (Fault("truncated", frozenset({5})), "truncated_body"),
    6: (Fault("not_found", frozenset({6})), "http_404"),
    7: (Fault("empty", frozenset({7})), "empty_body"),
    8: (Fault("wrong_charset", frozenset({8})), "stored"),  # stored; extraction decodes by the bytes
}
SITE_FAULTS = {
    "farm-hanweb": (Fault("challenge_412", on_lists=True), "anti_bot_challenge"),  # RuiShu on the column
    "farm-json_api": (Fault("challenge_js"), "anti_bot_challenge"),  # 加速乐 on the articles
    "farm-sitemap": (Fault("challenge_aliyun"), "anti_bot_challenge"),  # Aliyun WAF on the articles
    "farm-trs_div": (Fault("robots_disallow"), "robots_disallowed"),
}
HEALTHY = "farm-trs_inline"


@pytest.fixture(scope="module")
def farm() -> Iterator[Farm]:
    with standard_farm(articles=ARTICLES, page_size=PAGE_SIZE) as farm:
        yield farm


@pytest.fixture(scope="module")
def faulty_run(postgres_url: str, fixture_origin: str, farm: Farm, tmp_path_factory) -> Settings:
    farm.reset()
    farm.set_faults("farm-trs", *(fault for fault, _ in ARTICLE_FAULTS.values()))
    for site, (fault, _) in SITE_FAULTS.items():
        farm.set_faults(site, fault)
    base = Settings(database_url=empty_database(postgres_url), fixture_origin=fixture_origin, registry="")
    tmp = tmp_path_factory.mktemp("faults")
    settings = farm_settings(base, farm, tmp)
    crawl(settings, "faults-1", ["farm-trs", HEALTHY, *SITE_FAULTS], tmp_path=tmp)
    return settings


@pytest.mark.parametrize("index", sorted(ARTICLE_FAULTS), ids=[ARTICLE_FAULTS[i][0].kind + f"-{i}" for i in sorted(ARTICLE_FAULTS)])
def test_article_fault_has_its_expected_outcome(faulty_run: Settings, farm: Farm, index: int) -> None:
    url = farm.article_urls("farm-trs")[index]
    expected = ARTICLE_FAULTS[index][1]
    stored, rejected = pages(faulty_run, "farm-trs"), rejections(faulty_run, "farm-trs")
    if expected == "stored":
        assert url in stored and url not in rejected, f"article {index} should have been stored"
    else:
        assert url not in stored, f"article {index} ({expected}) must not be stored"
        assert rejected[url].reason == expected, rejected[url].detail


def test_pages_without_faults_are_all_stored_once(faulty_run: Settings, farm: Farm) -> None:
    failed = {i for i, (_, outcome) in ARTICLE_FAULTS.items() if outcome != "stored"}
    urls = farm.article_urls("farm-trs")
    assert sorted(pages(faulty_run, "farm-trs")) == sorted(u for i, u in enumerate(urls) if i not in failed)
    assert crawl_state(faulty_run, "farm-trs").outcome == "complete"


def test_wrong_charset_page_extracts_correctly(faulty_run: Settings, farm: Farm) -> None:
    from pipeline.extract import extract

    page = pages(faulty_run, "farm-trs")[farm.article_urls("farm-trs")[8]]
    raw = RawPage(url=page.url, site=page.site, status=page.status, headers=page.headers, body=page.body,
                  fetched_at=page.fetched_at)
    assert extract(raw).title == "farm-trs召开第9次重点工作推进会"


@pytest.mark.parametrize("site", sorted(SITE_FAULTS))
def test_site_fault_is_recorded_and_stores_nothing(faulty_run: Settings, farm: Farm, site: str) -> None:
    reasons = {r.reason: r for r in rejections(faulty_run, site).values()}
    expected = SITE_FAULTS[site][1]
    # Articles challenged before the one that blocks the site are each their page's rejection.
    assert set(reasons) - {"anti_bot_page"} == {expected}
    assert pages(faulty_run, site) == {}, "a challenge or a disallowed page is never stored"
    if expected == "anti_bot_challenge":
        assert crawl_state(faulty_run, site).outcome == "blocked"
        assert f"site {site!r} is blocked" in reasons[expected].detail
        # Not retried in a loop: the crawl stops after three challenged articles (one in flight aside),
        # or at once on a challenged list page.
        assert article_hits(farm, site) <= Settings().block_after_challenges + 1
        assert all(n == 1 for (name, path), n in farm.hits.items() if name == site and path != "/robots.txt"
                   and "/api/" not in path), "a challenged URL was requested again"


def test_robots_disallow_fetches_nothing_but_robots_txt(faulty_run: Settings, farm: Farm) -> None:
    assert {path for (name, path) in farm.hits if name == "farm-trs_div"} == {"/robots.txt"}


def test_one_failing_site_spares_the_others(faulty_run: Settings, farm: Farm) -> None:
    assert sorted(pages(faulty_run, HEALTHY)) == sorted(farm.article_urls(HEALTHY))
    assert rejections(faulty_run, HEALTHY) == {}


def test_killed_crawl_resumes_without_loss_or_duplicates(settings: Settings, farm: Farm, tmp_path) -> None:
    farm.reset()
    # Scrapy's queue is last in, first out: the first list page's articles are fetched last. Five of
    # them are very slow, so the crawl is killed after the first batch of 20 pages was stored.
    farm.set_faults("farm-trs", Fault("slow", frozenset(range(5)), seconds=30.0))
    farmed = farm_settings(settings, farm, tmp_path, download_timeout=60.0)
    process = crawl_process(farmed, "killed-1", ["farm-trs"], log=tmp_path / "killed.log")
    deadline = time.monotonic() + 120
    while len(pages(farmed, "farm-trs")) < 20 and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.1)
    process.send_signal(signal.SIGKILL)
    process.wait()
    stored = pages(farmed, "farm-trs")
    assert 0 < len(stored) < ARTICLES, "the crawl should have been killed half-way; slow the farm more"
    assert crawl_state(farmed, "farm-trs").finished_at is None
    farm.reset()
    crawl(farmed, "killed-2", ["farm-trs"], tmp_path=tmp_path)
    resumed = pages(farmed, "farm-trs")
    assert sorted(resumed) == sorted(farm.article_urls("farm-trs")), "the resumed crawl lost articles"
    assert article_hits(farm, "farm-trs") == ARTICLES - len(stored), "stored articles were fetched again"
    assert all(resumed[url].body_sha1 == page.body_sha1 for url, page in stored.items())
    assert crawl_state(farmed, "farm-trs").outcome == "complete"
