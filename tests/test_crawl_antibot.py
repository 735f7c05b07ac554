"""Anti-bot challenges per page and per site, over real HTTP on the fixture farm: one challenged article
costs that page only (and the next run asks for it again); challenged articles in a row block the
site; a blocked site's scheduled retries still run."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from pipeline.fixtures.farm import Farm, FarmSite, Fault
from pipeline.settings import Settings
from tests.conftest import empty_database
from tests.crawling import article_hits, crawl, crawl_state, farm_settings, pages, rejections

ARTICLES, LIMIT = 12, 3  # LIMIT: GOVNEWS_BLOCK_AFTER_CHALLENGES, the default
LONE = "farm-lone"  # one challenged article, on the second list page; two articles answer 503 once
CHALLENGED, FLAKY = 10, frozenset({3, 11})
WALL = "farm-wall"  # every article challenged
# The first two articles fetched answer 503 once, the rest are challenged: the queue is last in, first
# out, and retries wait behind every other request, so the site is blocked while both wait for theirs.
DRAIN = "farm-drain"
RETRIED = frozenset({8, 9})


@pytest.fixture(scope="module")
def farm() -> Iterator[Farm]:
    with Farm([FarmSite(name, "trs", ARTICLES, page_size=10) for name in (LONE, WALL, DRAIN)]) as farm:
        yield farm


@pytest.fixture(scope="module")
def first_night(postgres_url: str, fixture_origin: str, farm: Farm, tmp_path_factory) -> Settings:
    farm.reset()
    farm.set_faults(LONE, Fault("challenge_js", frozenset({CHALLENGED})), Fault("burst_5xx", FLAKY, times=1))
    farm.set_faults(WALL, Fault("challenge_js"))
    farm.set_faults(DRAIN, Fault("burst_5xx", RETRIED, times=1),
                    Fault("challenge_aliyun", frozenset(range(ARTICLES)) - RETRIED))
    base = Settings(database_url=empty_database(postgres_url), fixture_origin=fixture_origin, registry="")
    tmp = tmp_path_factory.mktemp("antibot")
    settings = farm_settings(base, farm, tmp)
    crawl(settings, "antibot-1", [LONE, WALL, DRAIN], tmp_path=tmp)
    return settings


def test_one_challenged_article_costs_that_page_only(first_night: Settings, farm: Farm) -> None:
    urls = farm.article_urls(LONE)
    assert sorted(pages(first_night, LONE)) == sorted(u for i, u in enumerate(urls) if i != CHALLENGED), \
        "every good article (the 503s retried) is stored the night one article is challenged"
    rejected = rejections(first_night, LONE)
    assert {url: r.reason for url, r in rejected.items()} == {urls[CHALLENGED]: "anti_bot_page"}
    assert "the next run asks for this page again" in rejected[urls[CHALLENGED]].detail
    assert crawl_state(first_night, LONE).outcome == "challenged"


def test_the_next_run_asks_for_the_challenged_article_again(first_night: Settings, farm: Farm, tmp_path) -> None:
    urls = farm.article_urls(LONE)
    challenged = (LONE, urls[CHALLENGED].removeprefix(farm.origins[LONE]))
    asked, fetched = farm.hits[challenged], article_hits(farm, LONE)
    farm.set_faults(LONE)  # the site stops challenging
    crawl(first_night, "antibot-2", [LONE], tmp_path=tmp_path)
    assert farm.hits[challenged] == asked + 1
    assert article_hits(farm, LONE) == fetched + 1, "stored articles are not fetched again"
    assert sorted(pages(first_night, LONE)) == sorted(urls)
    assert crawl_state(first_night, LONE).outcome == "complete"


def test_challenges_in_a_row_block_the_site(first_night: Settings, farm: Farm) -> None:
    assert pages(first_night, WALL) == {}
    assert crawl_state(first_night, WALL).outcome == "blocked"
    reasons = [r.reason for r in rejections(first_night, WALL).values()]
    assert reasons.count("anti_bot_challenge") >= 1 and set(reasons) <= {"anti_bot_page", "anti_bot_challenge"}
    # The rest is not fetched: LIMIT challenges, and at most one more already under way.
    assert LIMIT <= article_hits(farm, WALL) <= LIMIT + 1


def test_a_blocked_site_still_retries_what_waited_for_a_retry(first_night: Settings, farm: Farm) -> None:
    urls = farm.article_urls(DRAIN)
    assert crawl_state(first_night, DRAIN).outcome == "blocked"
    assert sorted(pages(first_night, DRAIN)) == sorted(urls[i] for i in RETRIED), \
        "the pages waiting for a retry when the site was found blocked were dropped"
    assert article_hits(farm, DRAIN) <= 2 * len(RETRIED) + LIMIT + 1
