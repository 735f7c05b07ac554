"""Hostile and broken pages on a fixture site: each page has its own outcome.

``hostile_site`` crawls the hostile fixture site (``pipeline/fixtures/hostile.py``: a gzip bomb, a
page over the size limit, an endless column, redirects to a private address and off the site, a
meta-refresh loop, HTML nested 10,000 deep, NUL and invalid bytes, a soft 404, a view counter) two
nights running, the
second re-fetching every article, through the real stages into a throwaway database, with a real
site's entry pointing at a loopback port beside it. One row per hostile page, one for the
private-address entry and one for the good articles. A hostile page whose owed outcome is missing
(no rejection with its reason, or a tripwire port connected to) counts as a page lost.

``antibot_one_article`` crawls a site of twelve articles, one behind a 加速乐 challenge, two nights
running: one row per night.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy import select

from benchmarks.chaos import Outcome, Scenario
from benchmarks.common import throwaway_database, wait_measured
from benchmarks.crawl import crawl_phase
from pipeline import stages, store
from pipeline.dedupe import canonical_url
from pipeline.fixtures import farm_pages, hostile
from pipeline.fixtures.farm import Farm, FarmSite, Fault
from pipeline.fixtures.farm_pages import COLUMN
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.store.models import Article, Page, Rejection
from spiders.command import crawl_command, crawl_env

NIGHTS = ("hostile-1", "hostile-2")


def crawl_peak_mb(settings: Settings, run_id: str, log: Path, *args: str) -> float:
    """Run one crawl process to its end; its peak resident memory in MB."""
    command = [sys.executable, "-m", "spiders.runner", *crawl_command(run_id, [hostile.SITE, hostile.PRIVATE_SITE]),
               *args]
    with log.open("wb") as output:
        process = subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, **crawl_env(settings)},
                                   stdout=output, stderr=subprocess.STDOUT)
        exited = wait_measured(process)
    if exited.code:
        raise RuntimeError(f"the crawl {run_id} failed (exit {exited.code}); its log ends:\n"
                           f"{log.read_text(errors='replace')[-3000:]}")
    return exited.peak_mb


def night(settings: Settings, run_id: str, folder: Path, *args: str) -> float:
    """Crawl, extract, dedupe and load one night; the crawl's peak memory in MB."""
    peak = crawl_peak_mb(settings, run_id, folder / f"{run_id}.log", *args)
    sessions = store.session_factory(settings.database_url)
    stages.extract(sessions, run_id)
    with sessions.begin() as session:
        stages.dedupe(session, run_id)
    with sessions.begin() as session:
        stages.load(session, run_id, datetime.now(UTC))
    return peak


def list_requests(farm: Farm) -> int:
    return sum(n for (_, path), n in farm.hits.items() if path.startswith(COLUMN["trs"] + "index"))


def hostile_site() -> list[Outcome]:
    with (throwaway_database("chaos_pages") as url, hostile.hostile_farm() as farm, hostile.Tripwire() as tripwire,
          hostile.Tripwire("127.0.0.2") as elsewhere, tempfile.TemporaryDirectory(prefix="chaos-pages-") as tmp):
        folder = Path(tmp)
        farm.set_faults(hostile.SITE, *hostile.hostile_faults(tripwire, elsewhere))
        registry = folder / "hostile.yaml"
        registry.write_text(hostile.registry_yaml(farm, tripwire), encoding="utf-8")
        settings = Settings(database_url=url, registry=str(registry), builtin_registry=False,
                            max_page_mb=hostile.MAX_PAGE_MB, download_timeout=10.0, backoff_max=2.0)
        peak = night(settings, NIGHTS[0], folder)
        lists = list_requests(farm)
        peak = max(peak, night(settings, NIGHTS[1], folder, "--recrawl-since", date(2026, 1, 1).isoformat()))
        with store.session_factory(url)() as session:
            versions = {a.canonical_url: a.version for a in session.scalars(select(Article))}
            reasons: dict[str, set[str]] = {}
            for rejection in session.scalars(select(Rejection)):
                reasons.setdefault(rejection.url, set()).add(rejection.reason)
        fetches = {url: farm.hits[(hostile.SITE, urlsplit(url).path)] for url in farm.article_urls(hostile.SITE)}
        touched = tripwire.touched or elsewhere.touched
        seen = Seen(farm.article_urls(hostile.SITE), versions, reasons, fetches, touched, lists,
                    round(peak, 1))
        return [*(page_row(seen, page) for page in hostile.PAGES),
                private_row(seen, hostile.private_start_url(tripwire)),
                page_row(seen, hostile.HostilePage("good_articles", hostile.GOOD, "stored", "fetch"))]


@dataclass(frozen=True, slots=True)
class Seen:
    """What the two nights left: stored versions by canonical URL, rejection reasons by URL."""

    urls: list[str]  # the site's article URLs, by index
    versions: dict[str, int]
    reasons: dict[str, set[str]]
    fetches: dict[str, int]  # requests the site answered for each article URL
    touched: bool  # a tripwire port was connected to
    list_requests: int  # list pages read on the first night
    peak_mb: float


def page_row(seen: Seen, page: hostile.HostilePage) -> Outcome:
    if page.kind == "endless_pages":
        over = max(0, seen.list_requests - hostile.MAX_PAGES)
        return Outcome(page.kind, "page", f"bounded: {seen.list_requests} list pages read of an endless column "
                       f"(max_pages {hostile.MAX_PAGES})", 0, 0, 0, over, seen.peak_mb)
    urls = [seen.urls[i] for i in sorted(page.articles)]
    stored = [seen.versions[canonical_url(u)] for u in urls if canonical_url(u) in seen.versions]
    got = sorted(set().union(*(seen.reasons.get(u, set()) for u in urls)))
    if page.outcome == "stored":
        expected, lost = len(urls), len(urls) - len(stored)
        outcome = (f"stored, {max(stored, default=0)} version(s) after {min(seen.fetches[u] for u in urls)} fetches"
                   + (f"; also rejected: {', '.join(got)}" if got else ""))
    else:
        expected = 0
        lost = sum(page.outcome not in seen.reasons.get(u, set()) for u in urls)
        if page.kind.startswith("redirect") and seen.touched:
            lost = len(urls)
        outcome = f"rejected ({page.stage}): {', '.join(got) or 'nothing recorded'}"
    return Outcome(page.kind, "page", outcome, expected, len(stored), sum(v > 1 for v in stored), lost, seen.peak_mb)


def private_row(seen: Seen, start_url: str) -> Outcome:
    """The real site's entry at a loopback address: refused before any connection."""
    refused = "private_address" in seen.reasons.get(start_url, set()) and not seen.touched
    outcome = "rejected (fetch): private_address, no connection" if refused else "connected to, or not refused"
    return Outcome("private_start_url", "page", outcome, 0, 0, 0, int(not refused), seen.peak_mb)


def antibot_one_article() -> list[Outcome]:
    """Eleven good articles, one behind a 加速乐 challenge, two answering 503 once: the first night
    stores the eleven (the 503s retried, the challenge the page's own rejection); the next night,
    the challenge gone, stores the twelfth. One row per night."""
    site = FarmSite("chaos-antibot", "trs", articles=12, page_size=10)
    challenged = 10  # on the second list page: the next night reaches it past a page of known articles
    undisturbed = {index: hashlib.sha1(farm_pages.render(site, farm_pages.article_path(site, index), {}).body)
                   .hexdigest() for index in range(site.articles)}
    nights = [("first night: 503s retried, the challenged article rejected alone", set(undisturbed) - {challenged},
               (Fault("challenge_js", frozenset({challenged})), Fault("burst_5xx", frozenset({3, 11}), times=1))),
              ("next night: the challenged article asked for again, stored", set(undisturbed), ())]
    rows = []
    with Farm([site]) as farm, throwaway_database("chaos_antibot") as url, tempfile.TemporaryDirectory() as tmp:
        registry = Path(tmp) / "farm.yaml"
        registry.write_text(farm.registry_yaml(), encoding="utf-8")
        settings = Settings(database_url=url, registry=str(registry), builtin_registry=False, backoff_max=2.0)
        urls = dict(enumerate(farm.article_urls(site.name)))
        for number, (outcome, expected, faults) in enumerate(nights, start=1):
            farm.set_faults(site.name, *faults)
            figures = crawl_phase(outcome, settings, f"chaos-antibot-{number}", [site.name], Path(tmp))
            with store.session_factory(url)() as session:
                stored = dict(session.execute(select(Page.url, Page.body_sha1).where(Page.site == site.name)).all())
            good = {i for i in expected if stored.get(urls[i]) == undisturbed[i]}
            rows.append(Outcome(scenario="antibot_one_article", kind="page", outcome=outcome, expected=len(expected),
                                stored=len(good), duplicated=len(stored) - len(good), pages_lost=len(expected - good),
                                peak_mb=figures["peak_mb"]))
    return rows


SCENARIOS: dict[str, Scenario] = {"hostile_site": hostile_site, "antibot_one_article": antibot_one_article}
