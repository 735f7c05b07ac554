"""Hostile and broken pages: each one a per-page outcome, the good articles stored, the crawl's
memory bounded, nothing sent to a private address (benchmarks.chaos.pages runs the crawls)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from benchmarks.chaos import MEMORY_BOUND_MB, Outcome
from benchmarks.chaos.pages import hostile_site
from pipeline.addresses import private_address
from pipeline.dedupe import body_hash
from pipeline.extract import extract
from pipeline.fixtures import hostile
from pipeline.fixtures.farm import FarmSite
from pipeline.fixtures.farm_pages import article_html, article_path
from pipeline.records import Article, RawPage

ROWS = [p.kind for p in hostile.PAGES] + ["private_start_url", "good_articles"]


@pytest.fixture(scope="module")
def outcomes(postgres_url: str) -> Iterator[dict[str, Outcome]]:
    yield {o.scenario: o for o in hostile_site()}


@pytest.mark.parametrize("name", ROWS)
def test_each_hostile_page_has_its_outcome(outcomes: dict[str, Outcome], name: str) -> None:
    row = outcomes[name]
    assert row.held, f"{name}: {row}; see pipeline/fixtures/hostile.py for the outcome owed"


@pytest.mark.parametrize("page", [p for p in hostile.PAGES if p.outcome not in ("stored", "bounded")],
                         ids=lambda p: p.kind)
def test_a_rejected_page_names_its_reason(outcomes: dict[str, Outcome], page: hostile.HostilePage) -> None:
    assert outcomes[page.kind].outcome == f"rejected ({page.stage}): {page.outcome}", outcomes[page.kind]


def test_the_changing_page_was_fetched_each_night_and_kept_one_version(outcomes: dict[str, Outcome]) -> None:
    assert outcomes["view_counter"].outcome.startswith("stored, 1 version(s) after 2 fetches")


def test_the_endless_column_is_read_up_to_its_max_pages(outcomes: dict[str, Outcome]) -> None:
    assert f"{hostile.MAX_PAGES} list pages read" in outcomes["endless_pages"].outcome


def test_the_crawl_stays_within_the_memory_bound(outcomes: dict[str, Outcome]) -> None:
    peak = outcomes["gzip_bomb"].peak_mb
    assert 0 < peak <= MEMORY_BOUND_MB, f"the crawl peaked at {peak} MB with a {hostile.BOMB_MB} MB gzip bomb"


@pytest.mark.parametrize(("host", "refused"), [
    ("127.0.0.1", True), ("127.8.9.10", True), ("10.0.0.1", True), ("172.16.5.4", True), ("172.31.255.255", True),
    ("192.168.0.1", True), ("169.254.169.254", True), ("::1", True), ("[::1]", True), ("::ffff:127.0.0.1", True),
    ("localhost", True), ("LocalHost.", True), ("api.localhost", True), ("2130706433", True), ("0x7f.1", True),
    ("0.0.0.0", True), ("fe80::1", True), ("fd00::1", True),
    ("172.32.0.1", False), ("8.8.8.8", False), ("www.gov.cn", False), ("localhost.gov.cn", False),
])
def test_private_addresses_are_refused_and_public_ones_are_not(host: str, refused: bool) -> None:
    assert (private_address(host) is not None) == refused, private_address(host)


def _page(body: str | bytes) -> RawPage:
    site = FarmSite(hostile.SITE, "trs")
    return RawPage(url="http://www.example.gov.cn" + article_path(site, 8), site=hostile.SITE, status=200,
                   headers={"content-type": "text/html; charset=UTF-8"},
                   body=body if isinstance(body, bytes) else body.encode(), fetched_at=datetime(2026, 7, 18, tzinfo=UTC))


def test_counters_and_clocks_do_not_change_the_body_hash() -> None:
    site = FarmSite(hostile.SITE, "trs")
    plain = article_html(site, 8).encode()
    bodies = set()
    for visit in (1, 2, 61):
        *_, body = hostile.answer("view_counter", "", 0, site, 8, frozenset(), visit, 200, {}, plain)
        article = extract(_page(body))
        assert isinstance(article, Article)
        assert "浏览" not in article.body and "当前时间" not in article.body and "阅读" not in article.body
        bodies.add(body_hash(article.body_simplified))
    unchanged = extract(_page(plain))
    assert isinstance(unchanged, Article) and bodies == {body_hash(unchanged.body_simplified)}


@pytest.mark.parametrize("line", ["关于系统维护期间暂停办理业务的公告", "今日，我区召开防汛工作会议，部署防汛工作。",
                                  "阅读理解能力提升行动"])
def test_lines_that_only_look_like_counters_or_errors_are_kept(line: str) -> None:
    text = "".join(f"<p>{s}</p>" for s in ("会议强调，要坚持以人民为中心的发展思想，扎实推进各项民生实事项目落地见效。",
                                           line, "各部门要进一步压实工作责任，细化任务分工，确保年度目标任务按期完成。"))
    article = extract(_page("<html><head><title>关于近期工作的通报</title></head><body><h1>关于近期工作的通报</h1>"
                            f"<div class=\"TRS_Editor\">{text}</div></body></html>"))
    assert isinstance(article, Article), article
    assert line in article.body.splitlines()


@pytest.mark.parametrize("page", [
    hostile.SOFT_404,
    "<html><head><title>系统维护</title></head><body><p>系统维护中，请稍后访问。</p></body></html>",
    "<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1></body></html>",
])
def test_error_pages_served_with_200_are_rejected(page: str) -> None:
    rejected = extract(_page(page))
    assert getattr(rejected, "reason", None) == "error_page", rejected


def test_nul_and_invalid_bytes_leave_no_nul_in_the_text() -> None:
    site = FarmSite(hostile.SITE, "trs")
    *_, body = hostile.answer("nul_bytes", "", 0, site, 8, frozenset(), 1, 200, {}, article_html(site, 8).encode())
    article = extract(_page(body))
    assert isinstance(article, Article)
    assert "\x00" not in article.body + article.title and "召开" in article.title
