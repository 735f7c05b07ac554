"""``govnews sites check``: fetch each entry's start page live and say what a crawl would meet.

Per site: reachable, robots.txt, anti-bot challenge, charset, how many articles the strategy finds
on the start page, and one article extracted. Plain HTTP (urllib), one request at a time per site,
with the crawl's user agent; sites are checked in parallel threads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from urllib.error import HTTPError, URLError
from urllib.parse import urljoin
from urllib.request import Request, urlopen
from urllib.robotparser import RobotFileParser

from pipeline.antibot import challenge_reason
from pipeline.clean.encoding import decode, header_charset
from pipeline.discovery import discover
from pipeline.records import RawPage, Rejected
from pipeline.settings import Settings
from pipeline.sites import Site, SiteError, load_registry


@dataclass(frozen=True, slots=True)
class SiteCheck:
    site: str
    reachable: str  # "HTTP 200" | "unreachable: <why>"
    robots: str = "-"  # "allowed" | "disallowed" | "no robots.txt" | "ignored: <reason>"
    anti_bot: str = "-"  # "none" | the protection
    charset: str = "-"  # "utf-8" | "gbk (declared gb2312)"
    articles: int = 0  # on the start page, by the entry's strategy
    sample: str = "-"  # the title extracted from the first article, or why not

    @property
    def ok(self) -> bool:
        return self.reachable.startswith("HTTP 2") and self.anti_bot == "none" and self.articles > 0 \
            and not self.sample.startswith(("rejected", "unreachable", "HTTP"))


@dataclass(frozen=True, slots=True)
class Fetched:
    status: int
    headers: dict[str, str]
    body: bytes
    url: str


def fetch(url: str, agent: str, timeout: float, proxy: str | None = None) -> Fetched:
    """One GET; HTTP errors come back as responses (a 412 challenge is an answer), the rest raise."""
    request = Request(url, headers={"User-Agent": agent})
    if proxy:
        request.set_proxy(proxy.split("://", 1)[-1], url.split("://", 1)[0])
    try:
        with urlopen(request, timeout=timeout) as response:
            return Fetched(response.status, _headers(response.headers), response.read(), response.url)
    except HTTPError as error:
        return Fetched(error.code, _headers(error.headers), error.read(), url)


def _headers(headers) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {k.lower(): ", ".join(headers.get_all(k) or []) for k in set(headers.keys())}


def check_site(site: Site, agent: str, timeout: float) -> SiteCheck:
    url = site.start_urls[0]
    try:
        page = fetch(url, agent, timeout, site.proxy)
    except (TimeoutError, URLError, OSError) as error:
        return SiteCheck(site.name, f"unreachable: {getattr(error, 'reason', error)}")
    robots = _robots(site, url, agent, timeout)
    protection = challenge_reason(page.status, page.headers, page.body)
    text, charset = decode(page.body, page.headers.get("content-type", ""))
    declared = header_charset(page.headers.get("content-type", ""))
    charset_note = charset if not declared or declared.lower() == charset else f"{charset} (declared {declared})"
    found = _articles(site, page.url, text, agent, timeout) if page.status == 200 and not protection else ()
    sample = _sample(site, found[0].url, agent, timeout) if found else "-"
    return SiteCheck(site.name, f"HTTP {page.status}", robots, protection or "none", charset_note, len(found), sample)


def _articles(site: Site, url: str, text: str, agent: str, timeout: float) -> tuple:  # type: ignore[type-arg]
    listing = discover(site, url, text)
    if listing.articles or not listing.next_pages:
        return listing.articles
    child = fetch(listing.next_pages[0], agent, timeout, site.proxy)  # a sitemap index: read one child
    return discover(site, child.url, decode(child.body, child.headers.get("content-type", ""))[0]).articles


def _robots(site: Site, url: str, agent: str, timeout: float) -> str:
    if not site.robots.obey:
        return f"ignored: {site.robots.reason}"
    try:
        answer = fetch(urljoin(url, "/robots.txt"), agent, timeout, site.proxy)
    except (URLError, OSError):
        return "unreachable"
    if answer.status >= 400:
        return "no robots.txt"
    parser = RobotFileParser()
    parser.parse(answer.body.decode("utf-8", "replace").splitlines())
    return "allowed" if parser.can_fetch(agent, url) else "disallowed"


def _sample(site: Site, url: str, agent: str, timeout: float) -> str:
    from pipeline.extract import extract  # trafilatura is heavy: only when a sample is wanted

    try:
        page = fetch(url, agent, timeout, site.proxy)
    except (URLError, OSError) as error:
        return f"unreachable: {getattr(error, 'reason', error)}"
    if page.status != 200:
        return f"HTTP {page.status}"
    raw = RawPage(url=url, site=site.name, status=page.status, headers=page.headers, body=page.body,
                  fetched_at=datetime.now(UTC), encoding=site.encoding)
    result = extract(raw)
    if isinstance(result, Rejected):
        return f"rejected: {result.reason}"
    day = result.published_at.date().isoformat() if result.published_at else "no date"
    return f"{result.title} ({day}, {len(result.body)} chars)"


def check_sites(settings: Settings, names: Sequence[str] | None = None, timeout: float = 15.0,
                workers: int = 8) -> list[SiteCheck]:
    """Check the named sites (default: every real site); broken entries are reported, not raised."""
    registry = load_registry(settings.registry_paths, settings.registry_variables)
    chosen = registry.select(list(names) if names else None)
    sites, results = [], {}
    for name in chosen:
        try:
            sites.append(registry.get(name))
        except SiteError as error:
            results[name] = SiteCheck(name, f"bad entry: {error}")
    with ThreadPoolExecutor(max_workers=workers) as pool:
        for check in pool.map(lambda s: check_site(s, settings.agent, timeout), sites):
            results[check.site] = check
    return [results[name] for name in chosen]


def registry_rows(settings: Settings) -> list[dict[str, object]]:
    """``govnews sites list``: every entry (fixtures included) and every broken one, by name."""
    registry = load_registry(settings.registry_paths, settings.registry_variables)
    rows: list[dict[str, object]] = [
        {"name": name, "strategy": site.strategy, "start_urls": list(site.start_urls), "verified": site.verified,
         "fixture": site.fixture, "description": site.description, "error": None}
        for name, site in registry.sites.items()
    ]
    rows += [{"name": name, "error": str(error)} for name, error in registry.errors.items()]
    return sorted(rows, key=lambda row: str(row["name"]))


def report_rows(checks: Sequence[SiteCheck]) -> list[dict[str, object]]:
    """The checks as rows for a table or JSON (``ok`` included)."""
    return [{**asdict(check), "ok": check.ok} for check in checks]


def print_checks(checks: Sequence[SiteCheck], write: Callable[[str], None] = print) -> int:
    """A plain-text table; returns the exit status (1 when any site is not ready)."""
    columns = ("site", "reachable", "robots", "anti_bot", "charset", "articles", "sample")
    rows = [[str(row[c]) for c in columns] for row in report_rows(checks)]
    widths = [max(len(c), *(len(r[i]) for r in rows)) if rows else len(c) for i, c in enumerate(columns)]
    write("  ".join(c.ljust(w) for c, w in zip(columns, widths)))
    for row in rows:
        write("  ".join(v.ljust(w) for v, w in zip(row, widths)))
    return 0 if all(check.ok for check in checks) else 1
