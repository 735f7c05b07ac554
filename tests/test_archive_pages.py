"""The archive's pages over what the real stages stored: sites, a site, an article with versions and
its story, search; crawled strings escaped; read-only. (Airflow's login in front of them, and a
person using them in Chromium, are in tests/test_archive_ui.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

import pytest
from fastapi.testclient import TestClient

from benchmarks.common import throwaway_database
from pipeline import store
from pipeline.archive.app import create_app
from pipeline.records import shown_time
from tests.archive_data import DATE_ALERT, HOSTILE_TITLE, Archive, fill
from tests.stories import NOW

SITES = ["fixture-songjiang", "fixture-yancheng", "fixture-reprints"]


@pytest.fixture(scope="module")
def database() -> Iterator[str]:
    """One archive for the module: the pages only read it."""
    with throwaway_database("govnews_pages") as url:
        yield url


@pytest.fixture(scope="module")
def archive(database: str) -> Archive:
    return fill(store.session_factory(database))


@pytest.fixture(scope="module")
def client(database: str, archive: Archive) -> TestClient:
    return TestClient(create_app(cache(lambda: store.session_factory(database)), lambda: SITES))


def test_sites_page_lists_every_site_with_its_nights(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200
    for site in SITES:
        assert f'href="http://testserver/sites/{site}"' in page.text
    assert page.text.count("<svg") == 3  # one chart per site
    assert '<td class="ok">ok</td>' in page.text  # fixture-reprints
    assert '<td class="bad">1 open alert<div' in page.text and "date_fill_drop since" in page.text  # songjiang
    assert "new articles, median body" in page.text  # each night's tooltip


def test_site_page_shows_articles_runs_and_rejections_escaped(client: TestClient, archive: Archive) -> None:
    page = client.get("/sites/fixture-songjiang")
    assert page.status_code == 200
    assert f'href="http://testserver/articles/{archive.hostile}"' in page.text
    assert "<script>alert" not in page.text and "&lt;script&gt;alert(&#34;title&#34;)&lt;/script&gt;" in page.text
    assert "anti_bot_challenge" in page.text and "&lt;b&gt;412&lt;/b&gt;" in page.text
    assert "crawl-1" in page.text and "crawl-2" in page.text
    assert DATE_ALERT in page.text
    per_run = page.text.split("Health per run")[1].split("</table>")[0]
    assert per_run.count("<tr>") == 1 + 8 and "100% / 100% / 0%" in per_run  # 8 measured runs
    assert client.get("/sites/no-such-site").status_code == 404


def test_article_page_escapes_the_hostile_article(client: TestClient, archive: Archive) -> None:
    page = client.get(f"/articles/{archive.hostile}")
    assert page.status_code == 200
    assert "<script>" not in page.text.split("</style>")[1]
    assert "onerror=alert" not in page.text.replace("onerror=alert(&#34;body&#34;)", "")
    assert "&lt;img src=x onerror=alert(&#34;body&#34;)&gt;" in page.text
    assert "javascript:" not in page.text.split("<h2>Attachments")[1].split("</ul>")[0].split('href="')[1]
    assert 'href="http://www.songjiang.gov.cn/a/pumps.xls"' in page.text
    sources = page.text.split("Where each field came from")[1].split("<h2>")[0]
    assert "<dt>title</dt><dd>heading</dd>" in sources and "<dt>date</dt><dd>label</dd>" in sources


def test_article_page_shows_versions_and_the_story(client: TestClient, archive: Archive) -> None:
    page = client.get(f"/articles/{archive.corrected}")
    assert "version 1 → 2" in page.text
    assert '<p class="added">（更正：本文第二段中的日期有誤，已於次日更正。）</p>' in page.text
    story = client.get(f"/articles/{archive.seed}").text
    assert f'href="http://testserver/articles/{archive.reprint}"' in story and "(canonical)" in story
    assert client.get("/articles/999999").status_code == 404


def test_search_page_finds_with_a_traditional_query_and_marks_it(client: TestClient, archive: Archive) -> None:
    page = client.get("/search", params={"q": "防汛工作會議", "site": "fixture-songjiang"})
    assert page.status_code == 200
    assert f'href="http://testserver/articles/{archive.hostile}"' in page.text
    assert "<mark>防汛工作会议</mark>" in page.text
    assert "&lt;script&gt;" in page.text and HOSTILE_TITLE not in page.text
    assert "at least 2 characters" in client.get("/search", params={"q": "汛"}).text


def test_times_show_china_time_with_its_offset_as_the_command_line_does(client: TestClient, archive: Archive) -> None:
    shown = shown_time(NOW)  # the hostile article was published at NOW (02:00 in Shanghai)
    assert shown == "2026-11-30 02:00+08:00"
    article = client.get(f"/articles/{archive.hostile}").text
    assert f"<dt>published</dt><dd>{shown}</dd>" in article
    assert f"<td>{shown}</td>" in client.get("/sites/fixture-songjiang").text
    found = client.get("/search", params={"q": "防汛工作会议", "site": "fixture-songjiang"}).text
    assert f"fixture-songjiang · {shown}" in found
    assert re.search(r"<td>\d{4}-\d\d-\d\d \d\d:\d\d\+08:00</td>", client.get("/").text), "a run's start time"


def test_the_archive_is_read_only(client: TestClient, archive: Archive) -> None:
    assert client.post("/").status_code == 405
    assert client.delete(f"/articles/{archive.seed}").status_code == 405
