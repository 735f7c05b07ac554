"""The Celery deployment, for real: `scripts/airflow-celery` starts a scheduler, an api-server, a
dag-processor and two Celery workers natively (Redis as broker, PostgreSQL as metadata database and
result backend); a nightly run over six loopback hosts in three shards is spread over both workers,
each task on the queue the DAG routes it to; SIGTERM stops every process the script started.

Slow by nature (seven Airflow processes start on two cores): about two to three minutes.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from benchmarks.common import throwaway_database
from benchmarks.deployment import Deployment, celery_deployment, stop
from pipeline.fixtures.hosts import host_farm
from tests.test_airflow_api import PYTHON, ROOT


@pytest.fixture(scope="module")
def articles_url() -> Iterator[str]:
    with throwaway_database("govnews_celery") as url:
        yield url


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory, articles_url: str) -> Iterator[tuple[Deployment, list[str]]]:
    home = tmp_path_factory.mktemp("airflow-celery")
    with host_farm(6, articles=6, delay=1.0, prefix="celerysite") as farm:
        registry = home / "farm.yaml"
        registry.write_text(farm.registry_yaml(max_pages=5), encoding="utf-8")
        env = {"GOVNEWS_DATABASE_URL": articles_url, "GOVNEWS_REGISTRY": str(registry),
               "GOVNEWS_BUILTIN_REGISTRY": "false", "GOVNEWS_SHARD_SIZE": "2", "GOVNEWS_SLICE_SIZE": "10",
               "CELERY_CRAWL_TASKS": "1", "CELERY_EXTRACT_TASKS": "1"}  # so that three shards need both workers
        with celery_deployment(home, env) as started:
            yield started, [site.name for site in farm.sites]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_a_nightly_run_is_spread_over_two_workers_by_queue(deployment, articles_url: str) -> None:  # type: ignore[no-untyped-def]
    started, sites = deployment
    result = subprocess.run(
        [PYTHON, str(ROOT / "scripts" / "trigger_via_api.py"), "govnews_nightly", "--url", started.url,
         "--password", started.password, "--conf", json.dumps({"sites": sites}), "--timeout", "600"],
        capture_output=True, text=True, timeout=700)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{output}\n--- airflow-celery log ---\n{started.log_tail(120)}"
    run_id = re.search(r"triggered govnews_nightly run (\S+) with conf", output).group(1)
    tasks = started.query("SELECT task_id, hostname, queue FROM task_instance WHERE run_id = :run AND state = 'success'",
                          run=run_id)
    hosts = {task_id: {h for t, h, _ in tasks if t == task_id} for task_id, _, _ in tasks}
    assert hosts["shard.crawl"] == {"worker-1", "worker-2"}, f"three crawl shards, one slot per worker: {tasks}"
    assert {h for _, h, _ in tasks} == {"worker-1", "worker-2"}
    slices = Counter(task_id for task_id, _, _ in tasks)
    assert slices["dedupe"] == slices["load"] == 4, f"36 articles in slices of 10: {slices}"
    queues = {task_id: queue for task_id, _, queue in tasks}
    assert (queues["shard.crawl"], queues["shard.extract"], queues["plan"]) == ("crawl", "extract", "default")
    engine = create_engine(articles_url)
    with engine.connect() as connection:
        articles = dict(connection.execute(text("SELECT site, count(*) FROM articles GROUP BY site")).all())
    engine.dispose()
    assert articles == dict.fromkeys(sites, 6), "every article of every host, once"


def test_sigterm_stops_every_process_it_started(deployment) -> None:  # type: ignore[no-untyped-def]
    started, _ = deployment
    components = list(started.components())
    assert len(components) >= 7, f"scheduler, api-server, dag-processor and 2 x 2 Celery workers: {components}"
    stop(started.process)
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in components) and time.monotonic() < deadline:
        time.sleep(1)
    assert not [pid for pid in components if _alive(pid)], "a component outlived the script"
    assert started.process.returncode == 143, started.log_tail()
