"""The fixture farm: generated sites of the CMS families real government sites use, each on its own
127.0.0.1 port, with fault behaviours a test switches on per site.

Families: ``trs`` (``createPageHTML(n, i, "index", "html")``), ``trs_div`` (``createPageHTML('page_div',
n, i, 'fg', 'shtml', total)``), ``trs_inline`` (``var countPage = n``), ``hanweb`` (embedded
``<datastore>`` then ``/module/web/jpage/dataproxy.jsp`` XML), ``json_api`` (a gkmlpt-style list API)
and ``sitemap`` (sitemap index + urlsets, and an RSS feed). The markup imitates the markers of real
pages; the text is generated.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from http.server import ThreadingHTTPServer
from typing import Self
from urllib.parse import parse_qsl, urlsplit

from pipeline import farm_pages as pages
from pipeline.fixtures import handler_for

FAMILIES = ("trs", "trs_div", "trs_inline", "hanweb", "json_api", "sitemap")
NEWEST = date(2026, 7, 18)
FAULTS = ("burst_5xx", "slow", "truncated", "challenge_412", "challenge_js", "challenge_aliyun", "empty",
          "wrong_charset", "not_found", "robots_disallow", "etag", "reset")


@dataclass(frozen=True, slots=True)
class FarmSite:
    name: str
    family: str
    articles: int = 25
    page_size: int = 10
    page_kb: int = 0  # pad pages with navigation chrome to about this size

    def article_date(self, index: int) -> date:  # article 0 is the newest, one a day before that
        return NEWEST - timedelta(days=index)


@dataclass(frozen=True, slots=True)
class Fault:
    kind: str  # one of FAULTS
    articles: frozenset[int] | None = None  # which articles (None: all); lists are spared
    times: int | None = None  # answer faultily this many times per path, then normally
    seconds: float = 0.0  # for "slow"
    on_lists: bool = False  # list pages (and API, sitemap, feed answers) too

    def __post_init__(self) -> None:
        if self.kind not in FAULTS:
            raise ValueError(f"unknown fault {self.kind!r}; known: {', '.join(FAULTS)}")


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    declared_length: int | None = None  # a Content-Length larger than the body: truncated
    delay: float = 0.0
    reset: bool = False


@dataclass
class Farm:
    sites: list[FarmSite]
    faults: dict[str, list[Fault]] = field(default_factory=dict)
    hits: Counter[tuple[str, str]] = field(default_factory=Counter)  # (site, path) -> requests
    origins: dict[str, str] = field(default_factory=dict)
    agents: set[str] = field(default_factory=set)  # the user agents seen
    _servers: list[tuple[ThreadingHTTPServer, threading.Thread]] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __enter__(self) -> Self:
        for site in self.sites:
            server = QuietServer(("127.0.0.1", 0), farm_handler(self, site))
            server.daemon_threads = True
            thread = threading.Thread(target=server.serve_forever, name=f"farm-{site.name}", daemon=True)
            thread.start()
            self._servers.append((server, thread))
            self.origins[site.name] = f"http://127.0.0.1:{server.server_address[1]}"
        return self

    def __exit__(self, *exc: object) -> None:
        for server, thread in self._servers:
            server.shutdown()
            server.server_close()
            thread.join()

    def set_faults(self, site: str, *faults: Fault) -> None:
        with self._lock:
            self.faults[site] = list(faults)

    def reset(self) -> None:
        with self._lock:
            self.faults.clear()
            self.hits.clear()
            self.agents.clear()

    def registry_yaml(self, max_pages: int = 100) -> str:
        return "\n".join(pages.registry_entry(s, self.origins[s.name], max_pages) for s in self.sites)

    def article_urls(self, name: str) -> list[str]:
        site = next(s for s in self.sites if s.name == name)
        return [self.origins[name] + pages.article_path(site, i) for i in range(site.articles)]

    def answer(self, site: FarmSite, method: str, path: str, query: str, headers: dict[str, str]) -> Reply:
        with self._lock:
            self.hits[(site.name, path)] += 1
            self.agents.add(headers.get("user-agent", ""))
            seen = self.hits[(site.name, path)]
            faults = list(self.faults.get(site.name, ()))
        if path == "/robots.txt":
            disallow = any(f.kind == "robots_disallow" for f in faults)
            return Reply(200, {"Content-Type": "text/plain"}, pages.robots(site, disallow))
        page = pages.render(site, path, dict(parse_qsl(query)))
        if page is None:
            return Reply(404, {"Content-Type": "text/html; charset=UTF-8"}, pages.NOT_FOUND)
        reply = Reply(200, {"Content-Type": page.content_type}, page.body)
        index = pages.article_index(site, path)
        for fault in faults:
            if index is None and not fault.on_lists:
                continue
            if index is not None and fault.articles is not None and index not in fault.articles:
                continue
            if fault.times is not None and seen > fault.times:
                continue
            reply = apply_fault(fault, reply, site, headers)
        return reply


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        pass  # clients that hang up on slow or reset answers are part of the faults


def apply_fault(fault: Fault, reply: Reply, site: FarmSite, request_headers: dict[str, str]) -> Reply:
    kind = fault.kind
    if kind == "burst_5xx":
        return Reply(503, {"Content-Type": "text/html"}, b"<html><body>503 Service Unavailable</body></html>")
    if kind == "slow":
        return Reply(reply.status, reply.headers, reply.body, delay=fault.seconds)
    if kind == "truncated":
        return Reply(200, reply.headers, reply.body[: len(reply.body) // 2], declared_length=len(reply.body))
    if kind == "reset":
        return Reply(200, reply.headers, b"", reset=True)
    if kind == "empty":
        return Reply(200, reply.headers, b"")
    if kind == "not_found":
        return Reply(404, {"Content-Type": "text/html; charset=UTF-8"}, pages.NOT_FOUND)
    if kind.startswith("challenge_"):
        return Reply(*pages.challenge(kind.removeprefix("challenge_")))
    if kind == "wrong_charset":  # says UTF-8, sends GBK: an old page behind a new server
        text = reply.body.decode("utf-8")
        return Reply(200, {"Content-Type": "text/html; charset=UTF-8"}, text.encode("gbk", "replace"))
    if kind == "etag":
        etag = '"' + hashlib.sha1(reply.body).hexdigest()[:16] + '"'
        validators = {"ETag": etag, "Last-Modified": "Sat, 18 Jul 2026 02:00:00 GMT"}
        if request_headers.get("if-none-match") == etag:
            return Reply(304, validators, b"")
        return Reply(reply.status, {**reply.headers, **validators}, reply.body)
    return reply


def farm_handler(farm: Farm, site: FarmSite) -> type:
    base = handler_for({})

    class FarmHandler(base):  # type: ignore[misc, valid-type]
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            request_headers = {k.lower(): v for k, v in self.headers.items()}
            reply = farm.answer(site, "GET", parts.path, parts.query, request_headers)
            if reply.delay:
                time.sleep(reply.delay)
            if reply.reset:
                self.close_connection = True
                self.connection.close()
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(reply.declared_length or len(reply.body)))
            if reply.declared_length:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            self.wfile.write(reply.body)

        do_POST = do_GET  # Hanweb's data proxy answers both

    return FarmHandler


def standard_farm(articles: int = 25, page_size: int = 10, page_kb: int = 0, count: int | None = None) -> Farm:
    """One site per family (or ``count`` sites cycling through the families)."""
    count = count or len(FAMILIES)
    sites = [FarmSite(f"farm-{FAMILIES[i % len(FAMILIES)]}" + (f"-{i}" if count > len(FAMILIES) else ""),
                      FAMILIES[i % len(FAMILIES)], articles, page_size, page_kb) for i in range(count)]
    return Farm(sites)


__all__ = ["FAMILIES", "FAULTS", "Farm", "FarmSite", "Fault", "standard_farm"]
