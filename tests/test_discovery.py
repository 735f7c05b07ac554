"""The discovery strategies as pure functions over the markup the notes document."""

from __future__ import annotations

import json
from datetime import date

import pytest

from pipeline.discovery import Link, Listing, discover, plan, trs_paging, url_date
from pipeline.sites import parse_registry

BASE = "http://www.example.gov.cn"


def site(style: str, article_url: str, **extra: str):  # type: ignore[no-untyped-def]
    lines = [f"- name: s1\n  start_urls: [{BASE}/]\n  article_url: '{article_url}'",
             f"  pagination: {{style: {style}, max_pages: 50}}", *(f"  {k}: {v}" for k, v in extra.items())]
    return parse_registry("\n".join(lines)).get("s1")


@pytest.mark.parametrize(("script", "url", "expected"), [
    pytest.param('createPageHTML(25, 0, "index", "shtml");', "/xw/index.shtml", (25, 0, "index", "shtml"), id="classic"),
    pytest.param("createPageHTML('page_div', 5, 1, 'fg', 'shtml', 89);", "/zc/fg.shtml", (5, 0, "fg", "shtml"),
                 id="page_div"),
    pytest.param("var currentPage = 3;//所在页从0开始\nvar countPage = 67//共多少页", "/xw/index_3.html",
                 (67, 3, "index", "html"), id="inline"),
    pytest.param("function createPageHTML(_nPageCount, _nCurrIndex, _sPageName, _sPageExt){}", "/x/index.html",
                 None, id="definition-only"),
])
def test_trs_page_count_in_its_three_forms(script: str, url: str, expected: tuple | None) -> None:
    paging = trs_paging(f"<script>{script}</script>", BASE + url)
    assert (None if paging is None else (paging.count, paging.current, paging.prefix, paging.ext)) == expected


def test_trs_list_gives_dated_articles_and_the_next_page() -> None:
    html = ('<li><a href="./202607/t20260718_1444258.html">一</a><span>2026-07-18</span></li>'
            '<li><a href="./202607/t20260717_1444100.html">二</a><span>2026/07/17</span></li>'
            '<li><a href="/other/">栏目</a></li><script>createPageHTML(3, 1, "index", "html");</script>')
    listing = discover(site("trs", r"/t\d{8}_\d+\.html$"), f"{BASE}/xwzx/index_1.html", html)
    assert listing == Listing((Link(f"{BASE}/xwzx/202607/t20260718_1444258.html", date(2026, 7, 18), "一"),
                               Link(f"{BASE}/xwzx/202607/t20260717_1444100.html", date(2026, 7, 17), "二")),
                              (f"{BASE}/xwzx/index_2.html",))
    last = discover(site("trs", r"/t\d{8}_\d+\.html$"), f"{BASE}/xwzx/index_2.html", html.replace("(3, 1,", "(3, 2,"))
    assert last.next_pages == ()


HANWEB_COLUMN = """<script type="text/xml"><datastore><nextgroup><![CDATA[<a href="/module/web/jpage/dataproxy.jsp?page=1&appid=1&webid=110&path=/&columnid=12377&unitid=38486&webname=%25E5%25B8%2582&permissiontype=0"></a>]]></nextgroup><recordset><record><![CDATA[<li><a href="/art/2022/1/20/art_12377_1486865.html" title="标题">标题</a><b>2022-01-20</b></li>]]></record></recordset></datastore></script>"""


def test_hanweb_column_then_data_proxy_until_totalpage() -> None:
    entry = site("hanweb", r"/art/\d{4}/\d+/\d+/art_12377_\d+\.html$")
    column = discover(entry, f"{BASE}/col/col12377/index.html", HANWEB_COLUMN)
    assert column.articles == (Link(f"{BASE}/art/2022/1/20/art_12377_1486865.html", date(2022, 1, 20), "标题"),)
    [proxy] = column.next_pages
    assert proxy.startswith(f"{BASE}/module/web/jpage/dataproxy.jsp?page=2&")
    assert "webname=%25E5%25B8%2582" in proxy, "the twice-encoded webname is passed on as the page wrote it"
    record = "<record><![CDATA[<li><a href='/art/2022/1/2/art_12377_1.html'>x</a></li>]]></record>"
    answer = f"<datastore><totalrecord>45</totalrecord><totalpage>3</totalpage><recordset>{record}</recordset></datastore>"
    second = discover(entry, proxy, answer)
    assert len(second.articles) == 1 and "page=3" in second.next_pages[0]
    assert discover(entry, proxy.replace("page=2", "page=3"), answer).next_pages == ()


def test_json_api_fields_from_the_entry() -> None:
    entry = site("json_api", r"/post_\d+\.html$",
                 json_api="{items: data.list, url: link, date: time, total_pages: data.pages}")
    answer = json.dumps({"data": {"pages": 2, "list": [{"link": "/gkmlpt/content/1/2/post_12.html", "time": "2026-07-01 09:00"},
                                                      {"link": "/gkmlpt/content/1/3/post_13.html", "time": 1782871200}]}})
    first = discover(entry, f"{BASE}/gkmlpt/api/all/5?page=1&sid=757", answer)
    assert [a.published for a in first.articles] == [date(2026, 7, 1), date(2026, 7, 1)]
    assert first.next_pages == (f"{BASE}/gkmlpt/api/all/5?page=2&sid=757",)
    assert discover(entry, first.next_pages[0], answer).next_pages == ()


def test_sitemap_index_and_urlset_with_lastmod() -> None:
    entry = site("sitemap", r"/content_\d+\.htm$")
    ns = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
    index = f'<?xml version="1.0"?><sitemapindex {ns}><sitemap><loc>{BASE}/s1.xml</loc></sitemap></sitemapindex>'
    assert discover(entry, f"{BASE}/sitemap.xml", index) == Listing((), (f"{BASE}/s1.xml",))
    urlset = (f'<urlset {ns}><url><loc>{BASE}/a/content_1.htm</loc><lastmod>2026-07-01T08:00:00+08:00</lastmod></url>'
              f"<url><loc>{BASE}/about.htm</loc></url></urlset>")
    assert discover(entry, f"{BASE}/s1.xml", urlset).articles == (Link(f"{BASE}/a/content_1.htm", date(2026, 7, 1)),)


@pytest.mark.parametrize("feed", [
    pytest.param('<rss version="2.0"><channel><item><link>/a/content_1.htm</link>'
                 "<pubDate>Wed, 01 Jul 2026 10:00:00 +0800</pubDate></item></channel></rss>", id="rss"),
    pytest.param('<feed xmlns="http://www.w3.org/2005/Atom"><entry><link href="/a/content_1.htm"/>'
                 "<updated>2026-07-01T10:00:00+08:00</updated></entry></feed>", id="atom"),
])
def test_feed_items(feed: str) -> None:
    listing = discover(site("feed", r"/content_\d+\.htm$"), f"{BASE}/rss.xml", feed)
    assert listing.articles == (Link(f"{BASE}/a/content_1.htm", date(2026, 7, 1)),)


def test_links_fallback_follows_list_pages() -> None:
    entry = site("links", r"/content_\d+\.htm$", list_url=r"home_\d+\.htm$")
    html = '<a href="2026-07/01/content_5.htm">a</a> <a href="home_1.htm">下一页</a> <a href="/x.htm">x</a>'
    listing = discover(entry, f"{BASE}/yw/home.htm", html)
    assert listing == Listing((Link(f"{BASE}/yw/2026-07/01/content_5.htm", date(2026, 7, 1), "a"),), (f"{BASE}/yw/home_1.htm",))


def test_url_dates_of_the_families() -> None:
    assert url_date("/xwzx/202607/t20260718_1.html") == date(2026, 7, 18)
    assert url_date("/art/2022/1/20/art_12377_1.html") == date(2022, 1, 20)
    assert url_date("/zhengce/content/2019-06/03/content_5397093.htm") == date(2019, 6, 3)
    assert url_date("/t20261341_1.html") is None


LISTING = Listing((Link("a", date(2026, 7, 18)), Link("b", date(2026, 7, 10)), Link("c", date(2026, 7, 1))), ("next",))


@pytest.mark.parametrize(("known", "since", "recrawl", "resume", "fetch", "refetch", "keep"), [
    pytest.param(set(), None, False, False, "abc", "", True, id="all-new"),
    pytest.param({"a"}, None, False, False, "bc", "", True, id="some-new"),
    pytest.param({"a", "b", "c"}, None, False, False, "", "", False, id="nothing-new-stops"),
    pytest.param({"a", "b", "c"}, None, False, True, "", "", True, id="unfinished-last-crawl-resumes"),
    pytest.param({"a"}, date(2026, 7, 5), True, False, "b", "a", True, id="window-refetches-known"),
    pytest.param(set(), date(2026, 7, 19), False, False, "", "", False, id="past-window-stops"),
])
def test_plan(known, since, recrawl, resume, fetch, refetch, keep) -> None:  # type: ignore[no-untyped-def]
    decided = plan(LISTING, known, since, recrawl, resume)
    assert "".join(a.url for a in decided.fetch) == fetch
    assert "".join(a.url for a in decided.refetch) == refetch
    assert decided.keep_paging is keep
