"""Crawl several registry sites in one Scrapy process: ``python -m spiders.runner --run-id R SITE...``.

Run as a subprocess by ``pipeline.stages.crawl``, so each crawl gets a fresh Twisted reactor.
A site whose registry entry is broken is recorded as a failure; the other sites still crawl, and a
site that fails (blocked, unreachable) closes its own spider only.
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from scrapy.crawler import Crawler, CrawlerProcess
from scrapy.utils.project import get_project_settings
from twisted.internet.defer import Deferred

from pipeline import store
from pipeline.records import Rejected
from pipeline.shards import host_groups
from pipeline.sites import SiteError, load_registry
from spiders.pipelines import STORE_FAILED
from spiders.spiders.generic import GenericSpider

log = logging.getLogger("govnews.crawl")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m spiders.runner")
    parser.add_argument("--run-id", required=True)
    parser.add_argument("--max-pages", type=int)
    parser.add_argument("--recrawl-since", type=date.fromisoformat,
                        help="re-fetch stored articles listed from this date on (conditionally) and "
                        "page back to it instead of stopping at known articles")
    parser.add_argument("--stats", type=Path, help="write each site's Scrapy stats here as JSON")
    parser.add_argument("--fetch-only", action="store_true", help="store nothing (a benchmark baseline)")
    parser.add_argument("--progress", action="store_true", help="write each site's progress on standard "
                        "output as JSON lines (spiders/progress.py)")
    parser.add_argument("sites", nargs="*", help="registry names (default: all)")
    args = parser.parse_args(argv)

    gc.disable()  # what start-up makes lives to the end: collecting meanwhile finds nothing (see below)
    settings = get_project_settings()
    if args.fetch_only:
        settings.set("ITEM_PIPELINES", {})
        settings.set("GOVNEWS_STORE", False)
    if args.progress:
        settings.set("EXTENSIONS", {**settings.getdict("EXTENSIONS"), "spiders.progress.ProgressLines": 900})
    registry = load_registry(settings.getlist("GOVNEWS_REGISTRY_PATHS"),
                             settings.getdict("GOVNEWS_REGISTRY_VARIABLES"))
    process = CrawlerProcess(settings)
    # Scrapy filters by level in its handlers only: every response and item would still make a debug
    # record, offered to each crawler's log-counting handler (one per site) before it is dropped.
    logging.getLogger("scrapy").setLevel(settings["LOG_LEVEL"])
    broken, crawls = [], {}
    for name in registry.select(args.sites):
        try:
            site = registry.get(name)
        except SiteError as error:
            log.error("%s", error)
            broken.append(Rejected(url=f"registry:{name}", site=name, stage="config",
                                   reason="bad_site_config", detail=str(error)))
            continue
        crawls[name] = {"site": site, "run_id": args.run_id, "max_pages": args.max_pages,
                        "recrawl_since": args.recrawl_since}
    if broken and not args.fetch_only:
        store.in_transaction(store.shared_session_factory(settings["GOVNEWS_DATABASE_URL"]),
                             lambda session: store.save_rejections(session, args.run_id, broken),
                             settings.getfloat("GOVNEWS_DB_RETRY_SECONDS"))
    # Each crawler has its own per-host slots: sites sharing a server (host and port) are crawled
    # one after the other, so that it sees one site's pace at a time.
    failed: list[str] = []
    crawlers: dict[str, Crawler] = {}
    servers = {name: {urlsplit(url).netloc for url in kwargs["site"].start_urls} for name, kwargs in crawls.items()}
    for group in host_groups(servers):
        crawl_in_turn(process, [(name, crawls[name]) for name in group], crawlers, failed)
    # What is in memory now (Scrapy, SQLAlchemy, the registry, a crawler per site) lives to the end:
    # frozen, it is left out of the garbage collector's full passes (2 s of CPU in a crawl of 200
    # sites, and 1 s more at exit).
    gc.freeze()
    gc.enable()
    process.start()
    stats = {name: stats_of(crawler) for name, crawler in crawlers.items()}
    failed += [f"{name}: pages not stored: {values[STORE_FAILED]}" for name, values in stats.items()
               if values.get(STORE_FAILED)]
    if args.stats:
        args.stats.write_text(json.dumps(stats, default=str, indent=1), encoding="utf-8")
    if failed:
        # Not a site's fault (those are rejections): the crawl itself could not run, e.g. the
        # database stayed away past its retry time. Failing makes Airflow retry; the sites' crawls resume.
        sys.exit(f"{len(failed)} site crawl(s) could not run: {'; '.join(failed)[:2000]}")


def stats_of(crawler: Crawler) -> dict[str, Any]:
    """A crawler's stats; none for one whose crawl never started (its failure is in ``failed``)."""
    try:
        return crawler.stats.get_stats()
    except RuntimeError:  # Scrapy: "Crawler.stats is not set yet"
        return {}


def crawl_in_turn(process: CrawlerProcess, crawls: list[tuple[str, dict[str, Any]]], crawlers: dict[str, Crawler],
                  failed: list[str]) -> Deferred[Any]:
    """Start the first crawl now and each next one when the one before it has ended, however; a
    crawler is made when its crawl starts (the first one made installs the reactor). A crawl that
    fails as a whole (its spider could not open or run) is noted in ``failed``."""
    done: Deferred[Any] | None = None
    for name, kwargs in crawls:
        def start(_: Any, name: str = name, kwargs: dict[str, Any] = kwargs) -> Deferred[Any]:
            crawlers[name] = crawler = process.create_crawler(GenericSpider)
            crawl = process.crawl(crawler, **kwargs)
            crawl.addErrback(lambda failure: failed.append(f"{name}: {failure.getErrorMessage()}"))
            return crawl
        done = start(None) if done is None else done.addBoth(start)
    assert done is not None
    return done


if __name__ == "__main__":
    main()
