"""Crawl benchmark: the fixture farm on 127.0.0.1, crawled the way the pipeline ships it.

    python -m benchmarks.crawl [--sites 20] [--articles 500] [--page-kb 50] [--extract-sites 4] [--json PATH]

Serves ``--sites`` farm sites (TRS in its three paging forms, Hanweb, JSON API, sitemap; pipeline/fixtures/farm.py)
of ``--articles`` articles each, pages padded to about ``--page-kb``, and measures in one run, each
phase in its own process: wall time (process start included), work time (the crawl's own elapsed time,
or the extraction call's; pages/s is computed on it), CPU of the process and its peak resident memory.
- fetch only: the generic spider with nothing stored (the baseline);
- crawl stage: the same crawl storing every raw page in a throw-away PostgreSQL database;
- crawl stage at a fifth of the size: memory should not grow with the number of pages;
- extraction with 1 and 2 workers, over the pages of ``--extract-sites`` sites (workers split by site);
- an incremental second crawl: nothing new, so each site reads one list page and stops.
Local loopback sites get no politeness delay (pipeline.sites entries may set one); real sites do.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from benchmarks.common import report, throwaway_database, wait_measured, wait_reading
from pipeline.fixtures.farm import FAMILIES, Farm, FarmSite
from pipeline.settings import PROJECT_ROOT, Settings
from spiders.command import crawl_env

TARGETS = "crawl >= 70 % of fetch-only pages/s; 2 workers >= 1.8 x 1; incremental <= 2 % of requests, <= 10 % of time"


def make_farm(sites: int, articles: int, page_kb: int) -> Farm:
    return Farm([FarmSite(f"bench-{i:02d}-{FAMILIES[i % len(FAMILIES)].replace('_', '-')}",
                          FAMILIES[i % len(FAMILIES)], articles, page_size=20, page_kb=page_kb)
                 for i in range(sites)])


def measured(command: list[str], env: dict[str, str]) -> dict[str, float]:
    """Run a child to its end: wall seconds, CPU seconds and peak RSS (MB) of that child alone."""
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    exited, stderr = wait_reading(child, child.stderr)
    if exited.code != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{(stderr or b'').decode()[-3000:]}")
    return {"seconds": time.perf_counter() - start, "cpu_s": exited.cpu_s, "peak_mb": exited.peak_mb}


def crawl_phase(name: str, settings: Settings, run_id: str, sites: list[str], tmp: Path, *extra: str) -> dict[str, Any]:
    stats_file = tmp / f"{run_id}.json"
    command = [sys.executable, "-m", "spiders.runner", "--run-id", run_id, "--stats", str(stats_file), *extra, *sites]
    figures = measured(command, {**os.environ, **crawl_env(settings)})
    stats = json.loads(stats_file.read_text())
    requests = sum(s.get("downloader/request_count", 0) for s in stats.values())
    responses = sum(s.get("downloader/response_count", 0) for s in stats.values())
    stored = sum(s.get("item_scraped_count", 0) for s in stats.values())
    work = max(float(s.get("elapsed_time_seconds", 0)) for s in stats.values())  # the sites crawl side by side
    return {"phase": name, "pages": responses, "stored": stored, "requests": requests, **figures,
            "work_s": work, "pages_per_s": responses / work}


def extract_phase(name: str, settings: Settings, run_id: str, sites: list[str], workers: int) -> dict[str, Any]:
    parts = [sites[i::workers] for i in range(workers)]
    env = {**os.environ, "GOVNEWS_DATABASE_URL": settings.database_url}
    start = time.perf_counter()
    children = [subprocess.Popen([sys.executable, "-m", "benchmarks.crawl", "--extract-worker", run_id, *part],
                                 cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE) for part in parts]
    cpu, peak, pages, work = 0.0, 0.0, 0, 0.0
    with ThreadPoolExecutor(2 * len(children)) as threads:  # each one's output read and memory watched
        outputs = [threads.submit(child.stdout.read) for child in children if child.stdout]
        exits = [threads.submit(wait_measured, child) for child in children]
    for child, exit_watched, output_read in zip(children, exits, outputs, strict=True):
        exited = exit_watched.result()
        if exited.code != 0:
            raise RuntimeError(f"extraction worker {child.args} failed")
        cpu, peak = cpu + exited.cpu_s, max(peak, exited.peak_mb)
        output = output_read.result()
        done, took = output.split()[-2:]
        pages, work = pages + int(done), max(work, float(took))
    seconds = time.perf_counter() - start
    return {"phase": name, "pages": pages, "stored": None, "requests": None, "seconds": seconds, "cpu_s": cpu,
            "peak_mb": peak, "work_s": work, "pages_per_s": pages / work}


def extract_worker(run_id: str, sites: list[str]) -> None:
    from pipeline import stages, store

    sessions = store.session_factory(Settings().database_url)
    start = time.perf_counter()
    counts = stages.extract(sessions, run_id, sites)
    print(counts.articles + sum(counts.rejected.values()), time.perf_counter() - start)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.crawl", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sites", type=int, default=20)
    parser.add_argument("--articles", type=int, default=500, help="articles per site")
    parser.add_argument("--page-kb", type=int, default=50)
    parser.add_argument("--extract-sites", type=int, default=4, help="sites whose pages the extraction phases use")
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--extract-worker", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.extract_worker:
        return extract_worker(args.extract_worker[0], args.extract_worker[1:])
    rows = run(args)
    report("crawl benchmark", ["phase", "pages", "stored", "requests", "seconds", "work_s", "pages_per_s", "cpu_s",
                                       "peak_mb"],
           rows, verdict(rows, args), args.json)


def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    pages = max(1, args.articles // 20) * 20
    rows = []
    with tempfile.TemporaryDirectory(prefix="govnews-bench-") as tmp_dir, throwaway_database("govnews_bench_crawl") as url:
        tmp = Path(tmp_dir)
        with make_farm(args.sites, pages, args.page_kb) as farm:
            settings = farm_settings(farm, url, tmp, "full")
            sites = [s.name for s in farm.sites]
            rows.append(crawl_phase("fetch only (baseline)", settings, "bench-fetch", sites, tmp, "--fetch-only"))
            rows.append(crawl_phase("crawl stage (fetch + store)", settings, "bench-crawl", sites, tmp))
            rows.append(crawl_phase("incremental second crawl", settings, "bench-again", sites, tmp))
            chosen = sites[: args.extract_sites]
            rows.append(extract_phase("extraction, 1 worker", settings, "bench-crawl", chosen, 1))
            rows.append(extract_phase("extraction, 2 workers", settings, "bench-crawl", chosen, 2))
        with throwaway_database("govnews_bench_small") as small_url, make_farm(args.sites, max(20, pages // 5), args.page_kb) as farm:
            settings = farm_settings(farm, small_url, tmp, "small")
            rows.append(crawl_phase("crawl stage at 1/5 size", settings, "bench-small", [s.name for s in farm.sites], tmp))
    return rows


def farm_settings(farm: Farm, database_url: str, tmp: Path, label: str) -> Settings:
    registry = tmp / f"farm-{label}.yaml"
    registry.write_text(farm.registry_yaml(max_pages=1000), encoding="utf-8")
    return Settings(database_url=database_url, registry=str(registry), builtin_registry=False,
                    request_budget=100_000, crawl_delay=0)


def verdict(rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    by = {row["phase"]: row for row in rows}
    fetch, crawl, again = by["fetch only (baseline)"], by["crawl stage (fetch + store)"], by["incremental second crawl"]
    one, two, small = by["extraction, 1 worker"], by["extraction, 2 workers"], by["crawl stage at 1/5 size"]
    return {
        "farm": f"{args.sites} sites x {args.articles} articles, pages ~{args.page_kb} KB, cpus {os.cpu_count()}",
        "crawl / fetch-only rate": round(crawl["pages_per_s"] / fetch["pages_per_s"], 3),
        "2 workers / 1 worker rate": round(two["pages_per_s"] / one["pages_per_s"], 3),
        "incremental requests / first": round(again["requests"] / crawl["requests"], 4),
        "incremental time / first": round(again["seconds"] / crawl["seconds"], 3),
        "crawl memory full / 1/5 size": round(crawl["peak_mb"] / small["peak_mb"], 3),
        "targets": TARGETS,
    }


if __name__ == "__main__":
    main()
