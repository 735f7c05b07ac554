"""Discovery strategies: a list page (or API answer, sitemap, feed) -> the articles it names and the
list pages to fetch next. Pure functions over text; the spider fetches, these read.

Each CMS family's knowledge lives here once: ``trs`` (static index_N lists, page count from
``createPageHTML``/``countPage``), ``hanweb`` (``<datastore>`` records, then the jpage XML data proxy
until ``totalpage``), ``json_api`` (a list API, fields named in the entry), ``sitemap``, ``feed``
(RSS/Atom) and ``links`` (link patterns).
"""

from __future__ import annotations

import json
import re
from collections.abc import Container, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parsedate_to_datetime
from html import unescape
from urllib.parse import parse_qsl, quote, urljoin, urlsplit, urlunsplit
from xml.etree import ElementTree

from pipeline.clean.dates import url_date
from pipeline.records import SHANGHAI
from pipeline.sites import Site


@dataclass(frozen=True, slots=True)
class Link:
    url: str  # absolute
    published: date | None = None  # as the list (or the URL) states it
    title: str | None = None  # the link's title attribute or text, as the list shows it


@dataclass(frozen=True, slots=True)
class Listing:
    articles: tuple[Link, ...]
    next_pages: tuple[str, ...] = ()  # list URLs to fetch after this one (next page, child sitemaps)


@dataclass(frozen=True, slots=True)
class TrsPaging:
    count: int
    current: int  # from 0
    prefix: str
    ext: str


# --- dates and links ----------------------------------------------------------------------------

_DATE = re.compile(r"(20\d\d|19\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_TAG = re.compile(r"<[^>]+>")
_LINK_END = re.compile(r"</a\s*>", re.IGNORECASE)
_TITLE_ATTRIBUTE = re.compile(r"\btitle\s*=\s*([\"'])(?P<value>.*?)\1", re.IGNORECASE | re.DOTALL)
_ANCHOR = re.compile(r"<a\b(?P<attributes>[^>]*?\bhref\s*=\s*[\"']?(?P<href>[^\"' >]+)[^>]*)>"
                     r"(?P<after>.*?)(?=<a\b|</li>|</tr>|$)",
                     re.IGNORECASE | re.DOTALL)


def parse_date(text: str) -> date | None:
    match = _DATE.search(text)
    if not match:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def _plain(html: str) -> str:
    return " ".join(unescape(_TAG.sub(" ", html)).split())


def link_title(attributes: str, after: str) -> str | None:
    """What a list shows for a link: its title attribute, or its text when that is longer (a title
    attribute may be a site default, a link text is often cut short with an ellipsis)."""
    attribute = _TITLE_ATTRIBUTE.search(attributes)
    titled = _plain(attribute["value"]) if attribute else ""
    text = _plain(_LINK_END.split(after, maxsplit=1)[0])
    return max(titled, text, key=len) or None


def dated_links(html: str, base: str, article_url: str) -> list[Link]:
    """Article links of an HTML fragment, each with the date written after it (or in its URL) and
    the title the list shows for it."""
    links: dict[str, Link] = {}
    for anchor in _ANCHOR.finditer(html):
        url = urljoin(base, unescape(anchor["href"].strip()))
        if re.search(article_url, url) and url not in links:
            when = parse_date(_TAG.sub(" ", anchor["after"])) or url_date(url)
            links[url] = Link(url, when, link_title(anchor["attributes"], anchor["after"]))
    return list(links.values())


def list_links(html: str, base: str, pattern: str) -> list[str]:
    urls = (urljoin(base, unescape(anchor["href"].strip())) for anchor in _ANCHOR.finditer(html))
    return list(dict.fromkeys(u for u in urls if re.search(pattern, u)))


# --- TRS ----------------------------------------------------------------------------------------

_CREATE_PAGE = re.compile(  # createPageHTML(25, 0, "index", "shtml")
    r"createPageHTML\(\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")
_CREATE_PAGE_DIV = re.compile(  # createPageHTML('page_div', 5, 1, 'fg', 'shtml', 89): current from 1
    r"createPageHTML\(\s*[\"'][\w-]+[\"']\s*,\s*(\d+)\s*,\s*(\d+)\s*,\s*[\"'](\w+)[\"']\s*,\s*[\"'](\w+)[\"']")
_COUNT_PAGE = re.compile(r"\bcountPage\s*=\s*(\d+)")
_CURRENT_PAGE = re.compile(r"\bcurrentPage\s*=\s*(\d+)")
_TRS_NAME = re.compile(r"^(?P<dir>.*/)(?P<prefix>[A-Za-z]+)(?:_(?P<n>\d+))?\.(?P<ext>s?html?)$")


def trs_paging(html: str, url: str) -> TrsPaging | None:
    """Page count and position as the TRS page script writes them, in its three known forms."""
    if match := _CREATE_PAGE_DIV.search(html):
        count, current, prefix, ext = match.groups()
        return TrsPaging(int(count), int(current) - 1, prefix, ext)
    if match := _CREATE_PAGE.search(html):
        count, current, prefix, ext = match.groups()
        return TrsPaging(int(count), int(current), prefix, ext)
    if match := _COUNT_PAGE.search(html):
        name = _TRS_NAME.match(urlsplit(url).path)
        current = _CURRENT_PAGE.search(html)
        return TrsPaging(int(match[1]), int(current[1]) if current else 0,
                         name["prefix"] if name else "index", name["ext"] if name else "html")
    return None


def trs_page_url(url: str, paging: TrsPaging, number: int) -> str:
    """URL of list page ``number`` (from 0): ``index.html``, ``index_1.html``, ..."""
    name = f"{paging.prefix}.{paging.ext}" if number == 0 else f"{paging.prefix}_{number}.{paging.ext}"
    return urljoin(url, name)


def trs(site: Site, url: str, text: str) -> Listing:
    articles = tuple(dated_links(text, url, site.article_url))
    paging = trs_paging(text, url)
    if not articles:
        return Listing(())
    if paging is None:  # no page script: try the next index_N (a 404 ends the column)
        name = _TRS_NAME.match(urlsplit(url).path)
        if not name:
            return Listing(articles)
        paging = TrsPaging(10**6, int(name["n"] or 0), name["prefix"], name["ext"])
    following = paging.current + 1
    return Listing(articles, (trs_page_url(url, paging, following),) if following < paging.count else ())


# --- Hanweb -------------------------------------------------------------------------------------

_CDATA = re.compile(r"<record>\s*<!\[CDATA\[(.*?)\]\]>\s*</record>", re.DOTALL)
_NEXTGROUP = re.compile(r"<nextgroup>\s*<!\[CDATA\[.*?href=[\"']([^\"']+)[\"']", re.DOTALL)
_TOTAL_PAGE = re.compile(r"<totalpage>\s*(\d+)\s*</totalpage>")
DATAPROXY = "/module/web/jpage/dataproxy.jsp"


def with_query(url: str, **params: str | int) -> str:
    """``url`` with some query parameters set; the others kept byte for byte (Hanweb's ``webname``
    is encoded twice and must stay so)."""
    parts = urlsplit(url)
    pairs = [p for p in parts.query.split("&") if p and p.split("=", 1)[0] not in params]
    pairs += [f"{key}={quote(str(value))}" for key, value in params.items()]
    if parts.query:  # keep the page parameter where the site put it
        order = [p.split("=", 1)[0] for p in parts.query.split("&")]
        pairs.sort(key=lambda p: order.index(p.split("=", 1)[0]) if p.split("=", 1)[0] in order else len(order))
    return urlunsplit(parts._replace(query="&".join(pairs)))


def hanweb(site: Site, url: str, text: str) -> Listing:
    """Records of a column page's embedded ``<datastore>`` or of a data proxy answer, then the
    proxy's next page. The column page holds page 1; the proxy serves page 2 up to ``totalpage``."""
    records = "\n".join(_CDATA.findall(text))
    articles = tuple(dated_links(records, url, site.article_url))
    if DATAPROXY in urlsplit(url).path:
        page = int(dict(parse_qsl(urlsplit(url).query)).get("page", "1"))
        total = _TOTAL_PAGE.search(text)
        if articles and total and page < int(total[1]):
            return Listing(articles, (with_query(url, page=page + 1),))
        return Listing(articles)
    proxy = _NEXTGROUP.search(text)
    if not proxy or DATAPROXY not in proxy[1]:
        return Listing(articles)
    return Listing(articles, (with_query(urljoin(url, unescape(proxy[1])), page=2),))


# --- JSON list APIs -----------------------------------------------------------------------------


def pluck(data: object, path: str) -> object:
    """``a.b.c`` into nested dicts; None when a step is missing."""
    for key in filter(None, path.split(".")):
        data = data.get(key) if isinstance(data, Mapping) else None
    return data


def json_api(site: Site, url: str, text: str) -> Listing:
    api = site.json_api
    assert api is not None, "the registry requires json_api settings for this strategy"
    data = json.loads(text)
    items = pluck(data, api.items)
    links = []
    for item in items if isinstance(items, list) else []:
        href = pluck(item, api.url)
        if isinstance(href, str) and re.search(site.article_url, urljoin(url, href)):
            raw = pluck(item, api.date) if api.date else None
            title = pluck(item, api.title) if api.title else None
            links.append(Link(urljoin(url, href), _item_date(raw) or url_date(href),
                              _plain(title) or None if isinstance(title, str) else None))
    page = int(dict(parse_qsl(urlsplit(url).query)).get(api.page_param, "1"))
    total = pluck(data, api.total_pages) if api.total_pages else None
    more = links and (not isinstance(total, int) or page < total)
    return Listing(tuple(links), (with_query(url, **{api.page_param: page + 1}),) if more else ())


def _item_date(raw: object) -> date | None:
    if isinstance(raw, (int, float)):  # epoch seconds or milliseconds
        seconds = raw / 1000 if raw > 10**11 else raw
        return datetime.fromtimestamp(seconds, UTC).astimezone(SHANGHAI).date()
    return parse_date(raw) if isinstance(raw, str) else None


# --- sitemaps and feeds -------------------------------------------------------------------------


def _xml(text: str) -> ElementTree.Element:
    return ElementTree.fromstring(text.encode("utf-8") if text.lstrip().startswith("<?xml") else text)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _child(element: ElementTree.Element, name: str) -> str:
    found = next((c for c in element if _local(c.tag) == name), None)
    return (found.text or "").strip() if found is not None else ""


def sitemap(site: Site, url: str, text: str) -> Listing:
    root = _xml(text)
    if _local(root.tag) == "sitemapindex":
        return Listing((), tuple(urljoin(url, _child(s, "loc")) for s in root if _child(s, "loc")))
    locs = ((urljoin(url, _child(u, "loc")), _child(u, "lastmod")) for u in root if _child(u, "loc"))
    links = [Link(loc, parse_date(lastmod) or url_date(loc)) for loc, lastmod in locs
             if re.search(site.article_url, loc)]
    return Listing(tuple(links))


def feed(site: Site, url: str, text: str) -> Listing:
    root = _xml(text)
    links = []
    for entry in root.iter():
        if _local(entry.tag) == "item":  # RSS
            link, when = _child(entry, "link"), _rfc822(_child(entry, "pubDate"))
        elif _local(entry.tag) == "entry":  # Atom
            href = next((c.get("href", "") for c in entry if _local(c.tag) == "link"), "")
            link, when = href, parse_date(_child(entry, "published") or _child(entry, "updated"))
        else:
            continue
        if link and re.search(site.article_url, urljoin(url, link)):
            links.append(Link(urljoin(url, link), when or url_date(link), _plain(_child(entry, "title")) or None))
    return Listing(tuple(links))


def _rfc822(text: str) -> date | None:
    try:
        return parsedate_to_datetime(text).date() if text else None
    except (TypeError, ValueError):
        return parse_date(text)


def links(site: Site, url: str, text: str) -> Listing:
    assert site.list_url is not None, "the registry requires list_url for this strategy"
    return Listing(tuple(dated_links(text, url, site.article_url)), tuple(list_links(text, url, site.list_url)))


STRATEGIES = {"trs": trs, "hanweb": hanweb, "json_api": json_api, "sitemap": sitemap, "feed": feed,
              "links": links}


def discover(site: Site, url: str, text: str) -> Listing:
    """What one fetched list page says, read by the site's strategy."""
    return STRATEGIES[site.strategy](site, url, text)


# --- incremental --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Plan:
    fetch: tuple[Link, ...]  # not stored yet
    refetch: tuple[Link, ...]  # stored, fetched again conditionally (If-None-Match / If-Modified-Since)
    keep_paging: bool


def plan(listing: Listing, known: Container[str], since: date | None = None, recrawl: bool = False,
         resume: bool = False) -> Plan:
    """What to fetch from one list page and whether to read the next one.

    Paging stops at a page that brings nothing new, or, with a window (``since``), at the first page
    whose dated articles are all older. ``resume``: the last crawl of the site did not finish, so a
    page of known articles does not mean the older ones were reached.
    """
    window = [a for a in listing.articles if since is None or a.published is None or a.published >= since]
    new = tuple(a for a in window if a.url not in known)
    refetch = tuple(a for a in window if a.url in known) if recrawl else ()
    if not listing.articles:
        keep = bool(listing.next_pages)  # a sitemap index: its children are the lists
    elif since is not None:
        keep = bool(window)
    else:
        keep = bool(new) or resume
    return Plan(new, refetch, keep)
