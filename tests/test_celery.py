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
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from benchmarks.common import throwaway_database
from pipeline.fixtures.hosts import host_farm
from tests.test_airflow_api import PYTHON, ROOT, START_TIMEOUT, _free_port, _log_tail

BROKER = "redis://127.0.0.1:6379/13"  # a database of its own on the shared server, keys prefixed per run


@dataclass(frozen=True)
class Deployment:
    process: subprocess.Popen[bytes]
    url: str
    password: str
    metadata_url: str
    articles_url: str
    sites: list[str]
    log: Path


def _components(process: subprocess.Popen[bytes]) -> list[int]:
    listed = subprocess.run(["ps", "-o", "pid=", "--ppid", str(process.pid)], capture_output=True, text=True)
    return [int(pid) for pid in listed.stdout.split()]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _stop(process: subprocess.Popen[bytes], timeout: float = 90) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


@pytest.fixture(scope="module")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    home = tmp_path_factory.mktemp("airflow-celery")
    log = home / "airflow-celery.log"
    port = _free_port()
    with (throwaway_database("airflow_celery", migrated=False) as metadata_url,
          throwaway_database("govnews_celery") as articles_url,
          host_farm(6, articles=6, delay=1.0, prefix="celerysite") as farm):
        registry = home / "farm.yaml"
        registry.write_text(farm.registry_yaml(max_pages=5), encoding="utf-8")
        env = {key: value for key, value in os.environ.items() if not key.startswith(("AIRFLOW", "GOVNEWS_"))}
        env.update({
            "AIRFLOW_HOME": str(home), "AIRFLOW_API_PORT": str(port), "AIRFLOW_ADMIN_PASSWORD": "celery-test",
            "AIRFLOW_DATABASE_URL": metadata_url, "GOVNEWS_DATABASE_URL": articles_url,
            "AIRFLOW__CELERY__BROKER_URL": BROKER,
            "AIRFLOW__CELERY_BROKER_TRANSPORT_OPTIONS__GLOBAL_KEYPREFIX": f"govnews-test-{uuid.uuid4().hex[:8]}:",
            "CELERY_CRAWL_TASKS": "1", "CELERY_EXTRACT_TASKS": "1",  # so that three shards need both workers
            "GOVNEWS_REGISTRY": str(registry), "GOVNEWS_BUILTIN_REGISTRY": "false", "GOVNEWS_SHARD_SIZE": "2",
            "PYTHONUNBUFFERED": "1",
        })
        with log.open("wb") as out:
            process = subprocess.Popen([str(ROOT / "scripts" / "airflow-celery")], cwd=home, env=env, stdout=out,
                                       stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while b"\nairflow-celery: ready\n" not in log.read_bytes():
                if process.poll() is not None:
                    pytest.fail(f"scripts/airflow-celery exited with {process.returncode}:\n{_log_tail(log)}")
                if time.monotonic() > deadline:
                    pytest.fail(f"not ready within {START_TIMEOUT} s:\n{_log_tail(log)}")
                time.sleep(2)
            yield Deployment(process, f"http://127.0.0.1:{port}", "celery-test", metadata_url, articles_url,
                             [site.name for site in farm.sites], log)
        finally:
            _stop(process)


def _scalar(url: str, query: str, **params: object) -> list[tuple]:
    engine = create_engine(url)
    with engine.connect() as connection:
        rows = [tuple(row) for row in connection.execute(text(query), params)]
    engine.dispose()
    return rows


def test_a_nightly_run_is_spread_over_two_workers_by_queue(deployment: Deployment) -> None:
    result = subprocess.run(
        [PYTHON, str(ROOT / "scripts" / "trigger_via_api.py"), "govnews_nightly", "--url", deployment.url,
         "--password", deployment.password, "--conf", json.dumps({"sites": deployment.sites}), "--timeout", "600"],
        capture_output=True, text=True, timeout=700)
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{output}\n--- airflow-celery log ---\n{_log_tail(deployment.log, 120)}"
    run_id = re.search(r"triggered govnews_nightly run (\S+) with conf", output).group(1)
    tasks = _scalar(deployment.metadata_url, "SELECT task_id, hostname, queue FROM task_instance "
                    "WHERE run_id = :run AND state = 'success'", run=run_id)
    hosts = {task_id: {h for t, h, _ in tasks if t == task_id} for task_id, _, _ in tasks}
    assert hosts["shard.crawl"] == {"worker-1", "worker-2"}, f"three crawl shards, one slot per worker: {tasks}"
    assert {h for _, h, _ in tasks} == {"worker-1", "worker-2"}
    queues = {task_id: queue for task_id, _, queue in tasks}
    assert (queues["shard.crawl"], queues["shard.extract"], queues["plan"]) == ("crawl", "extract", "default")
    articles = _scalar(deployment.articles_url, "SELECT site, count(*) FROM articles GROUP BY site")
    assert dict(articles) == dict.fromkeys(deployment.sites, 6), "every article of every host, once"
    metadata = make_url(deployment.metadata_url)
    assert metadata.drivername == "postgresql+psycopg2"


def test_sigterm_stops_every_process_it_started(deployment: Deployment) -> None:
    components = _components(deployment.process)
    assert len(components) >= 7, f"scheduler, api-server, dag-processor and 2 x 2 Celery workers: {components}"
    _stop(deployment.process, timeout=90)
    deadline = time.monotonic() + 30
    while any(_alive(pid) for pid in components) and time.monotonic() < deadline:
        time.sleep(1)
    assert not [pid for pid in components if _alive(pid)], "a component outlived the script"
    assert deployment.process.returncode == 143, _log_tail(deployment.log)
