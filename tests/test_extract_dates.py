"""Publication dates: a labelled date near the headline, then publish metas, then the URL, then
the list page; impossible candidates rejected; the winning source recorded."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipeline.clean.dates import SHANGHAI, url_date
from tests.synthetic import PARAGRAPHS, Page, article

NO_LABEL = Page(info="")


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "info",
    [
        "发布时间：2026-10-28 09:30",
        "发布日期：2026年10月28日",
        "时间：2026/10/28 来源：某某市人民政府",
        "日期：2026-10-28",
        "来源：某某日报 2026年10月28日 09:30",
        "2026-10-28 09:30:00 来源：某某市政府办公室",
    ],
)
def test_a_labelled_date_near_the_headline_beats_a_rewritten_meta(info: str) -> None:
    page = Page(info=f'<div class="info">{info}</div>', metas={"PubDate": "2025-03-01 10:00"})
    result = article(page)
    assert (result.published_at.date(), result.date_source) == (date(2026, 10, 28), "label")


def test_the_meta_gives_the_time_of_a_labelled_day() -> None:
    page = Page(info='<div class="info">发布日期：2026-10-28</div>', metas={"PubDate": "2026-10-28 15:45"})
    result = article(page)
    assert (result.published_at, result.date_source) == (at(2026, 10, 28, 15, 45), "label")


@pytest.mark.parametrize(
    ("metas", "expected"),
    [
        pytest.param({"PubDate": "2026-10-27 08:00"}, at(2026, 10, 27, 8), id="pubdate"),
        pytest.param({"article:published_time": "2026-10-27T08:00:00+08:00"}, at(2026, 10, 27, 8), id="open-graph"),
        pytest.param({"firstpublishedtime": "2026-10-27-08:00:00"}, at(2026, 10, 27, 8), id="first-published"),
        pytest.param({"og:release_date": "2026-10-27 08:00"}, at(2026, 10, 27, 8), id="release-date"),
        pytest.param({"ExpireDate": "2026-12-31 23:59:59", "PubDate": "2026-10-27 08:00"}, at(2026, 10, 27, 8),
                     id="expiry-is-not-publication"),
    ],
)
def test_publish_metas_without_a_label(metas: dict[str, str], expected: datetime) -> None:
    result = article(NO_LABEL.but(metas=metas))
    assert (result.published_at, result.date_source) == (expected, "meta")


URL_WITH_DATE = "http://www.example.gov.cn/xwzx/202610/t20261026_12345.html"


@pytest.mark.parametrize(
    "meta",
    [
        pytest.param("2026-10-31 23:59:59", id="index-time-23-59-59"),
        pytest.param("2027-03-01 10:00", id="after-the-fetch"),
        pytest.param("1900-01-01 00:00", id="cms-zero-date"),
        pytest.param("1970-01-01 08:00", id="unix-epoch"),
        pytest.param("1989-12-31", id="before-1990"),
    ],
)
def test_impossible_candidates_are_rejected(meta: str) -> None:
    result = article(NO_LABEL.but(metas={"PubDate": meta}), url=URL_WITH_DATE)
    assert (result.published_at, result.date_source) == (at(2026, 10, 26), "url")


def test_a_copyright_year_is_no_date() -> None:
    page = NO_LABEL.but(footer="<p>Copyright © 2003-2026 某某市人民政府 版权所有</p>")
    result = article(page, url=URL_WITH_DATE)
    assert (result.published_at, result.date_source) == (at(2026, 10, 26), "url")


@pytest.mark.parametrize(
    ("url", "day"),
    [
        ("http://www.example.gov.cn/xwzx/202610/t20261026_12345.html", date(2026, 10, 26)),
        ("http://www.example.gov.cn/art/2026/10/26/art_1229_5.html", date(2026, 10, 26)),
        ("http://www.example.gov.cn/zhengce/content/2026-10/26/content_5.htm", date(2026, 10, 26)),
        ("http://news.example.com.cn/c/2026-10-26/doc-abc.shtml", date(2026, 10, 26)),
        ("http://www.example.com.cn/n1/2026/1026/c1001-1.html", date(2026, 10, 26)),
        ("http://www.example.com.cn/news/20261026/1674843.shtml", date(2026, 10, 26)),
        ("http://www.example.gov.cn/xwzx/t20261341_1.html", None),
        ("http://www.example.gov.cn/xwzx/content_1.html", None),
    ],
)
def test_dates_in_urls(url: str, day: date | None) -> None:
    assert url_date(url) == day


def test_the_list_page_date_when_page_and_url_have_none() -> None:
    result = article(NO_LABEL, listed_date=date(2026, 10, 20))
    assert (result.published_at, result.date_source) == (at(2026, 10, 20), "listed")


def test_the_url_date_beats_the_list_date() -> None:
    result = article(NO_LABEL, url=URL_WITH_DATE, listed_date=date(2026, 10, 20))
    assert (result.published_at.date(), result.date_source) == (date(2026, 10, 26), "url")


def test_a_date_in_the_text_far_from_the_headline_does_not_win() -> None:
    notice = ("关于举办秋季运动会的通知", "时间：2026年11月1日 9:00", "地点：市体育中心", *PARAGRAPHS)
    page = Page(paragraphs=notice)
    result = article(page)
    assert (result.published_at, result.date_source) == (at(2026, 10, 28, 9, 30), "label")


def test_a_labelled_date_below_the_article_when_nothing_else_has_one() -> None:
    page = NO_LABEL.but(paragraphs=PARAGRAPHS * 4, footer='<div class="bottom"><span>时间：2026-10-25 16:20</span></div>')
    result = article(page)
    assert (result.published_at, result.date_source) == (at(2026, 10, 25, 16, 20), "page")


def test_no_date_anywhere_is_flagged() -> None:
    result = article(NO_LABEL)
    assert result.published_at is None and result.date_source == "" and "no_date" in result.flags


def test_a_labelled_date_far_from_an_unshown_headline_is_weaker_than_the_meta() -> None:
    page = Page(headline="", info="", chrome='<div class="top">更新时间：2026-10-31</div>',
                metas={"PubDate": "2026-10-27 08:00"})
    result = article(page)
    assert (result.published_at, result.date_source) == (at(2026, 10, 27, 8), "meta")
