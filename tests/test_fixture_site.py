"""The fixture sites over real HTTP: what the crawler and the extractor are tested against."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html import escape
from pathlib import Path
from urllib.error import HTTPError
from urllib.parse import urljoin, urlsplit
from urllib.request import ProxyHandler, build_opener

import pytest

from pipeline.fixtures.seed_sites import MANIFEST, SEEDS, FixtureArticle, load_manifest, serve_fixtures
from pipeline.sites import load_registry

ARTICLES = load_manifest()
BY_SEED = {article.seed[:3]: article for article in ARTICLES}
LIST_PAGES = {"fixture-songjiang": "/songjiang/xwzx/index.html", "fixture-yancheng": "/yancheng/col/szyw/index.html"}
REPEATED_HEADLINE = BY_SEED["003"].title

# Chrome lines that sit inside <div class="TRS_Editor">, exactly where the seed has them.
CHROME_IN_BODY = {
    "000": [],
    "001": [],
    "002": [],
    "003": [REPEATED_HEADLINE] * 6 + ["攝影:陳正寶", "編輯:林欣"],
    "004": ["(來(lái)源:鹽阜大眾報(bào)報(bào)業(yè)集團(tuán))"],  # the seed's inline pinyin included
}


@pytest.fixture(scope="module")
def origin() -> Iterator[str]:
    with serve_fixtures() as origin:
        yield origin


def fetch(url: str, proxy: str | None = None) -> tuple[int, str, bytes]:
    """GET a fixture URL: on the server's own origin, or under a .test host through it as the proxy."""
    opener = build_opener(ProxyHandler({"http": proxy} if proxy else {}))
    try:
        with opener.open(url, timeout=5) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def page_text(origin: str, article: FixtureArticle) -> str:
    return fetch(origin + article.path)[2].decode(article.encoding)


def editor_div(html: str) -> str:
    match = re.search(r'<div class="TRS_Editor">(.*?)</div>', html, re.DOTALL)
    assert match, 'the article page has no <div class="TRS_Editor">; check the article template'
    return match.group(1)


def meta(html: str, name: str) -> str | None:
    match = re.search(rf'<meta name="{name}" content="([^"]*)"', html)
    return match.group(1) if match else None


def article_id(article: FixtureArticle) -> str:
    return article.seed[:3]


@pytest.mark.parametrize("article", ARTICLES, ids=article_id)
def test_manifest_entry_matches_its_seed(article: FixtureArticle) -> None:
    lines = article.seed_lines()
    empty = [n for n in article.body_lines if not 0 < n <= len(lines) or not lines[n - 1].strip()]
    assert not empty, f"{MANIFEST}: {article.seed} body_lines {empty} are empty or outside the seed"
    assert article.published_at.utcoffset() is not None, f"{MANIFEST}: {article.seed} published_at needs +08:00"
    body = "\n".join(article.body)
    leaking = [line for line in article.chrome if line in body]
    assert not leaking, f"{article.seed}: chrome lines {leaking} also occur in the body; mark them as body"


def test_manifest_covers_every_seed_once() -> None:
    assert sorted(a.seed for a in ARTICLES) == sorted(p.name for p in SEEDS.glob("*.txt"))
    assert len({a.path for a in ARTICLES}) == len(ARTICLES), "two manifest entries share a path"


@pytest.mark.parametrize("article", ARTICLES, ids=article_id)
def test_article_is_served_in_its_declared_encoding(origin: str, article: FixtureArticle) -> None:
    status, content_type, body = fetch(origin + article.path)
    assert status == 200, f"{article.path} is not served; is it in {MANIFEST}?"
    assert content_type.lower() == f"text/html; charset={article.encoding}"
    html = body.decode(article.encoding)  # strict: the bytes are what the header declares
    assert f'charset={article.encoding}"' in html.lower(), "the meta charset must match the header"
    missing = [p[:20] for p in article.body if escape(p) not in html]
    assert not missing, f"{article.seed}: body paragraphs missing from the page: {missing}"


@pytest.mark.parametrize("article", [a for a in ARTICLES if a.encoding == "gbk"], ids=article_id)
def test_gbk_page_is_not_utf8_and_keeps_the_pinyin(origin: str, article: FixtureArticle) -> None:
    body = fetch(origin + article.path)[2]
    with pytest.raises(UnicodeDecodeError):
        body.decode("utf-8")
    assert "導(dǎo)" in body.decode("gbk"), "the inline pinyin annotations must survive in the HTML"


@pytest.mark.parametrize("article", ARTICLES, ids=article_id)
def test_article_meta_tags(origin: str, article: FixtureArticle) -> None:
    html = page_text(origin, article)
    assert meta(html, "ArticleTitle") == escape(article.title)
    assert meta(html, "PubDate") == article.published_at.strftime("%Y-%m-%d %H:%M")
    assert meta(html, "ContentSource") == escape(article.source)
    assert meta(html, "ColumnName") == escape(article.column)
    assert meta(html, "SiteName") and meta(html, "Keywords")
    assert f"<title>{escape(article.title)} _ {meta(html, 'SiteName')}</title>" in html
    assert f">{escape(article.title)}</h1>" in html


@pytest.mark.parametrize("article", ARTICLES, ids=article_id)
def test_body_div_holds_the_body_and_only_the_expected_chrome(origin: str, article: FixtureArticle) -> None:
    div = editor_div(page_text(origin, article))
    texts = [re.sub(r"<[^>]+>", "", p) for p in re.findall(r"<p[^>]*>(.*?)</p>", div)]
    body = [escape(p) for p in article.body]
    assert [t for t in texts if t in body] == body, "body paragraphs must be in the div, in seed order"
    assert [t for t in texts if t not in body] == [escape(c) for c in CHROME_IN_BODY[article_id(article)]]


@pytest.mark.parametrize("article", ARTICLES, ids=article_id)
def test_every_seed_chrome_line_is_on_the_page(origin: str, article: FixtureArticle) -> None:
    text = re.sub(r"<[^>]+>", "", page_text(origin, article))
    missing = [line for line in article.chrome if escape(line) not in text]
    assert not missing, f"{article.seed}: chrome lines not placed on the page: {missing}"


def crawl_list(origin: str, start: str) -> tuple[list[str], set[str]]:
    """Follow the plain 下一页 links from a column's first page; return list pages and article links."""
    pages, links, url = [], set(), origin + start
    while url and len(pages) < 10:
        status, content_type, body = fetch(url)
        assert status == 200, f"list page {url} returned {status}"
        html, pages = body.decode(content_type.split("charset=")[1]), [*pages, urlsplit(url).path]
        index = len(pages) - 1
        assert re.search(rf'createPageHTML\(2, {index}, "index", "html"\)', html), f"no TRS pager script on {url}"
        links |= {urljoin(url, href) for href in re.findall(r'href="(\./\d{6}/t\d{8}_\d+\.html[^"]*)"', html)}
        following = re.search(r'<a href="([^"]+)">下一[页頁]</a>', html)
        next_url = urljoin(url, following.group(1)) if following else None
        url = next_url if next_url and urlsplit(next_url).path not in pages else None
    return pages, links


@pytest.mark.parametrize("site", sorted(LIST_PAGES))
def test_list_pages_link_every_article_across_pagination(origin: str, site: str) -> None:
    pages, links = crawl_list(origin, LIST_PAGES[site])
    expected = {origin + a.path for a in ARTICLES if a.site == site}
    assert len(pages) == 2, f"{site}: expected 2 list pages, got {pages}"
    assert {link.split("?")[0] for link in links} == expected
    tracked = [link for link in links if "?source=share" in link]
    assert tracked, f"{site}: a list page must repeat one article link with ?source=share"
    assert fetch(tracked[0])[0] == 200


@pytest.mark.parametrize(
    "path",
    ["/songjiang/xwzx/index_2.html", "/songjiang/xwzx/202004/t20200407_9999.html", "/yancheng/col/szyw/x.html",
     "/inline/songjiang/xwzx/index_2.html"],
)
def test_unknown_path_is_404(origin: str, path: str) -> None:
    assert fetch(origin + path)[0] == 404


def test_the_root_is_an_index_of_the_sites(origin: str) -> None:
    status, content_type, body = fetch(origin + "/")
    assert status == 200 and content_type == "text/html; charset=utf-8"
    assert all(f'href="{path}"' in body.decode() for path in LIST_PAGES.values())


@pytest.mark.parametrize("site", sorted(LIST_PAGES))
def test_registry_entry_describes_the_fixture_site(origin: str, site: str) -> None:
    registry = load_registry([Path(SEEDS / "sites.yaml")], {"FIXTURE_ORIGIN": origin})
    entry = registry.get(site)
    assert entry.proxy == origin, "the fixture sites are reached through the fixture server as their proxy"
    assert [fetch(url, entry.proxy)[0] for url in entry.start_urls] == [200] * len(entry.start_urls)
    host = entry.start_urls[0].split("/")[2]
    unmatched = [a.path for a in ARTICLES
                 if a.site == site and not re.search(entry.article_url, f"http://{host}{a.path}")]
    assert not unmatched, f"{site}: article_url {entry.article_url!r} misses {unmatched}"
