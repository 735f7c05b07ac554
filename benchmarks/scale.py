"""Scale benchmark: the nightly run over thousands of loopback hosts under Celery, natively.

    python -m benchmarks.scale [--hosts 2000] [--articles 10] [--delay 1] [--shard-size 50]
                               [--crawl-tasks 1] [--extract-tasks 1] [--memory-hosts 200] [--no-kill] [--process-only]
                               [--json PATH]

Serves ``--hosts`` farm sites, each on its own loopback address (127.0.1.1, ...) with ``--articles``
new articles and a politeness delay of ``--delay`` s per host, and measures, each phase on fresh
databases:
- one crawl process (``spiders.runner``) with ``--memory-hosts`` hosts: peak memory, CPU, and its
  time against its politeness floor; extraction CPU per page on what it stored;
- the nightly DAG under ``scripts/airflow-celery`` with 1 worker, then with 2 (each worker:
  ``--crawl-tasks`` crawl shards and ``--extract-tasks`` CPU-bound tasks at once): wall time of the
  run against the politeness floor (requests / hosts crawled at once x delay), the share of tasks
  each worker ran (task instances' hostnames), database size per 1,000 articles before and after
  ``prune`` (after VACUUM FULL);
- the 2-worker run again, one worker killed (SIGKILL, all its processes, as a machine dying) while
  it runs a crawl shard and an extraction task: the run must finish on the other worker with the
  same articles, none twice.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text

from benchmarks.common import report, throwaway_database
from benchmarks.crawl import measured
from benchmarks.deployment import Deployment, celery_deployment, trigger_module
from pipeline.fixtures.hosts import HostFarm, host_farm
from pipeline.settings import Settings
from spiders.command import crawl_env

TARGETS = ("nightly <= 1.5 x its politeness floor; 2 workers >= 1.6 x faster than 1; each worker > 30 % of the "
           "tasks; a killed worker: same articles, none twice; a crawl process with 200 hosts <= 400 MB")
COLUMNS = ["phase", "workers", "hosts", "requests", "articles", "seconds", "floor_s", "over_floor", "cpu_s",
           "peak_mb", "tasks_per_worker", "note"]
DAG = "govnews_nightly"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=2000)
    parser.add_argument("--articles", type=int, default=10, help="new articles per host")
    parser.add_argument("--delay", type=float, default=1.0, help="seconds between requests to a host")
    parser.add_argument("--shard-size", type=int, default=50, help="sites per crawl task (GOVNEWS_SHARD_SIZE)")
    parser.add_argument("--crawl-tasks", type=int, default=1, help="crawl shards per worker at once")
    parser.add_argument("--extract-tasks", type=int, default=1, help="CPU-bound tasks per worker at once")
    parser.add_argument("--memory-hosts", type=int, default=200, help="hosts of the single crawl process")
    parser.add_argument("--no-kill", action="store_true", help="skip the run with a killed worker")
    parser.add_argument("--process-only", action="store_true",
                        help="measure the single crawl process only (a minute; no Airflow, no Celery)")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args(argv)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="govnews-scale-") as folder, \
            host_farm(args.hosts, args.articles, args.delay, prefix="scale") as farm:
        tmp = Path(folder)
        registry = tmp / "farm.yaml"
        registry.write_text(farm.registry_yaml(max_pages=5), encoding="utf-8")
        rows = [crawl_process_phase(farm, registry, args, tmp)]
        if args.process_only:
            report("scale benchmark, one crawl process", COLUMNS, rows, {**machine(load), "farm": farm_line(args),
                                                                         "targets": TARGETS}, args.json)
            return
        one = nightly_phase("nightly", farm, registry, args, tmp, workers=1)
        two = nightly_phase("nightly", farm, registry, args, tmp, workers=2, sizes=True)
        rows += [one.row, two.row]
        if not args.no_kill:
            rows.append(nightly_phase("nightly, worker-1 killed", farm, registry, args, tmp, workers=2,
                                      kill=True, expected=two.articles).row)
    top = {"time_over_floor": two.row["over_floor"], "speedup_2_workers": round(one.row["seconds"]
                                                                                  / two.row["seconds"], 3)}
    meta = {**top, "time_over_floor (1 worker)": one.row["over_floor"], **two.sizes, **machine(load),
            "workers": f"both share the machine, each running {args.crawl_tasks} crawl shard(s) and "
                       f"{args.extract_tasks} CPU-bound task(s) at once",
            "farm": f"{farm_line(args)}, shards of {args.shard_size}", "targets": TARGETS}
    report("scale benchmark", COLUMNS, rows, meta, args.json, top=top)


def machine(load: tuple[float, float, float]) -> dict[str, str]:
    """The cores and the load around the run: the machine may be shared, and the times with it."""
    return {"machine": f"{os.cpu_count()} cores; load average at start {load[0]:.1f}, at end {os.getloadavg()[0]:.1f}"}


def farm_line(args: argparse.Namespace) -> str:
    return f"{args.hosts} hosts x {args.articles} articles, {args.delay} s per host"


def crawl_process_phase(farm: HostFarm, registry: Path, args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    """One Scrapy process crawling ``--memory-hosts`` hosts at once, as one crawl task does."""
    sites = [site.name for site in farm.sites[: args.memory_hosts]]
    with throwaway_database("govnews_bench_scale") as url:
        settings = Settings(database_url=url, registry=str(registry), builtin_registry=False)
        farm.reset()
        command = [sys.executable, "-m", "spiders.runner", "--run-id", "bench-process", *sites]
        serving = time.process_time()  # the farm's thread is the only one working meanwhile
        figures = measured(command, {**os.environ, **crawl_env(settings)})
        farm_cpu = time.process_time() - serving
        requests = sum(farm.hits.values())
        floor = requests / len(sites) * args.delay
        cpu_per_page, kb = extraction_cpu(url), page_kb(url)
    return {"phase": "one crawl process", "workers": None, "hosts": len(sites), "requests": requests,
            "articles": None, "seconds": round(figures["seconds"], 1), "floor_s": round(floor, 1),
            "over_floor": round(figures["seconds"] / floor, 3), "cpu_s": round(figures["cpu_s"], 1),
            "peak_mb": round(figures["peak_mb"]), "tasks_per_worker": None,
            "note": f"{figures['cpu_s'] / requests * 1000:.1f} ms CPU per request (the farm serving them: "
                    f"{farm_cpu / requests * 1000:.2f}); extraction {cpu_per_page * 1000:.1f} ms CPU per page of {kb:.1f} KB"}


def extraction_cpu(database_url: str) -> float:
    """CPU seconds per stored page of extraction (staged, in this process)."""
    from pipeline import stages, store

    sessions = store.session_factory(database_url)
    start = time.process_time()
    counts = stages.extract(sessions, "bench-process")
    return (time.process_time() - start) / max(1, counts.articles + sum(counts.rejected.values()))


def page_kb(database_url: str) -> float:
    from pipeline import store
    from pipeline.store.models import Page

    with store.session_factory(database_url)() as session:
        return float(session.scalar(select(func.avg(func.length(Page.body)))) or 0) / 1024


class Nightly:
    def __init__(self, row: dict[str, Any], articles: set[tuple[str, str]], sizes: dict[str, Any]) -> None:
        self.row, self.articles, self.sizes = row, articles, sizes


def nightly_phase(name: str, farm: HostFarm, registry: Path, args: argparse.Namespace, tmp: Path, workers: int,
                  sizes: bool = False, kill: bool = False, expected: set[tuple[str, str]] | None = None) -> Nightly:
    sites = [site.name for site in farm.sites]
    home = tmp / f"home-{workers}-{'kill' if kill else 'run'}"
    home.mkdir()
    with throwaway_database("govnews_bench_scale") as articles_url:
        env = {"GOVNEWS_DATABASE_URL": articles_url, "GOVNEWS_REGISTRY": str(registry),
               "GOVNEWS_BUILTIN_REGISTRY": "false", "GOVNEWS_SHARD_SIZE": str(args.shard_size),
               "CELERY_WORKERS": str(workers), "CELERY_CRAWL_TASKS": str(args.crawl_tasks),
               "CELERY_EXTRACT_TASKS": str(args.extract_tasks),
               # a dead worker's tasks are retried after a minute without heartbeats (default: 5)
               "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "60"}
        with celery_deployment(home, env) as deployment:
            run_id, state, note = run_nightly(deployment, farm, sites, kill)
            if state != "success":
                raise RuntimeError(f"the {name} run ended {state}:\n{deployment.log_tail()}")
            started, ended = deployment.query("SELECT start_date, end_date FROM dag_run WHERE run_id = :run",
                                              run=run_id)[0]
            hosts = deployment.query("SELECT hostname, count(*) FROM task_instance WHERE run_id = :run "
                                     "AND state = 'success' GROUP BY hostname", run=run_id)
        requests = sum(farm.hits.values())
        articles = stored_articles(articles_url)
        if expected is not None:
            same = "same articles as the undisturbed run" if articles == expected else "ARTICLES DIFFER"
            note = f"{note}; {same} ({len(articles)} vs {len(expected)}), none twice"
        measured_sizes = database_sizes(articles_url, len(articles)) if sizes else {}
    seconds = (ended - started).total_seconds()
    floor = requests / min(len(sites), workers * args.crawl_tasks * args.shard_size) * args.delay
    total = sum(n for _, n in hosts)
    shares = ", ".join(f"{host} {n / total:.0%}" for host, n in sorted(hosts))
    row = {"phase": name, "workers": workers, "hosts": len(sites), "requests": requests, "articles": len(articles),
           "seconds": round(seconds, 1), "floor_s": round(floor, 1), "over_floor": round(seconds / floor, 3),
           "cpu_s": None, "peak_mb": None, "tasks_per_worker": shares, "note": note}
    print(f"{name}, {workers} worker(s): {row} {measured_sizes}", flush=True)  # a later phase may fail
    return Nightly(row, articles, measured_sizes)


def run_nightly(deployment: Deployment, farm: HostFarm, sites: list[str], kill: bool) -> tuple[str, str, str]:
    trigger = trigger_module()
    api = trigger.Airflow(deployment.url)
    api.login("admin", deployment.password)
    trigger.wait_for_dag(api, DAG, 300)
    api.call("PATCH", f"/api/v2/dags/{DAG}", {"is_paused": False})
    farm.reset()
    run_id = trigger.trigger(api, DAG, {"sites": sites, "max_pages": 5}, None)
    note = kill_worker_when_busy(deployment, run_id) if kill else ""
    return run_id, trigger.wait_for_run(api, DAG, run_id, 4 * 3600, 10), note


def kill_worker_when_busy(deployment: Deployment, run_id: str, worker: str = "worker-1",
                          patience: float = 900) -> str:
    """SIGKILL every process of ``worker`` (both its Celery pools, their tasks and crawl processes)
    once it runs a crawl shard and an extraction task at the same time (after ``patience`` seconds
    without that, once it runs a crawl shard)."""
    started = time.monotonic()
    while True:
        running = {task for task, in deployment.query(
            "SELECT task_id FROM task_instance WHERE run_id = :run AND state = 'running' AND hostname = :host",
            run=run_id, host=worker)}
        if {"shard.crawl", "shard.extract"} <= running or (
                "shard.crawl" in running and time.monotonic() - started > patience):
            break
        if time.monotonic() - started > 4 * patience:
            raise RuntimeError(f"{worker} never ran a crawl shard")
        time.sleep(1)
    groups = [pid for pid, command in deployment.components().items() if f"{worker}-" in command and "@" in command]
    for pid in groups:
        os.killpg(pid, signal.SIGKILL)
    return f"{worker} killed ({len(groups)} process groups) while running {', '.join(sorted(running))}"


def stored_articles(database_url: str) -> set[tuple[str, str]]:
    engine = create_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT canonical_url, body_hash FROM articles")).all()
    engine.dispose()
    if len(rows) != len({url for url, _ in rows}):
        raise RuntimeError("an article is stored twice")
    return {(url, body_hash) for url, body_hash in rows}


def database_sizes(database_url: str, articles: int) -> dict[str, Any]:
    """MB per 1,000 articles (all tables, raw pages included) before and after pruning every body
    that is no article's latest fetch, each after VACUUM FULL; and the raw pages' share."""
    from datetime import UTC, datetime

    from pipeline import store

    def measure() -> tuple[float, float]:
        engine = create_engine(database_url, isolation_level="AUTOCOMMIT")
        with engine.connect() as connection:
            connection.execute(text("VACUUM FULL"))
            total = connection.execute(text(
                "SELECT sum(pg_total_relation_size(c.oid)) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE n.nspname = 'public' AND c.relkind = 'r'")).scalar_one()
            pages = connection.execute(text("SELECT pg_total_relation_size('pages')")).scalar_one()
        engine.dispose()
        return float(total) / 2**20, float(pages) / 2**20

    before, pages = measure()
    with store.session_factory(database_url).begin() as session:
        pruned = store.prune_pages(session, 0, datetime.now(UTC))
    after, _ = measure()
    per = 1000 / max(1, articles)
    return {"MB per 1,000 articles": round(before * per, 2), "MB per 1,000 articles after prune": round(after * per, 2),
            "raw pages share of the database": f"{pages / before:.0%}", "bodies pruned": pruned.pages}


if __name__ == "__main__":
    main()
