"""The Airflow DAGs: parsed cheaply, wired as promised, and really run with dag.test()."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from pipeline import store
from pipeline.store.models import Article, Run

ROOT = Path(__file__).resolve().parent.parent
DAG_FILES = sorted(p for p in (ROOT / "dags").glob("*.py") if p.name != "govnews_tasks.py")
HEAVY_MODULES = ("scrapy", "trafilatura", "sqlalchemy", "opencc", "lxml", "pipeline.extract", "pipeline.store")


@pytest.fixture(scope="session")
def dagbag(airflow_db):  # type: ignore[no-untyped-def]
    from airflow.dag_processing.dagbag import BundleDagBag

    # As the dag processor parses the dags-folder bundle: its root is importable (govnews_tasks).
    return BundleDagBag(dag_folder=str(ROOT / "dags"), bundle_path=ROOT / "dags")


def test_dag_folder_imports_without_errors(dagbag) -> None:  # type: ignore[no-untyped-def]
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == {"govnews_nightly", "govnews_replay"}


@pytest.mark.parametrize("dag_file", DAG_FILES, ids=[p.stem for p in DAG_FILES])
def test_parsing_a_dag_file_does_no_heavy_work(dag_file: Path) -> None:
    """Parsing imports no crawler, extractor or database code, and stays well under a second."""
    probe = f"""
import json, sys, time, runpy
import airflow.sdk  # what every DAG file pays anyway
sys.path.insert(0, {str(dag_file.parent)!r})
before = set(sys.modules)
start = time.perf_counter()
runpy.run_path({str(dag_file)!r})
seconds = time.perf_counter() - start
added = [m for m in {HEAVY_MODULES!r} if m in sys.modules and m not in before]
print(json.dumps({{"seconds": seconds, "heavy": added}}))
"""
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=os.environ,
                          check=True)
    parsed = json.loads(done.stdout.strip().splitlines()[-1])
    assert not parsed["heavy"], f"{dag_file.name} imports {parsed['heavy']} at parse time: import inside the task"
    assert parsed["seconds"] < 1.0, f"{dag_file.name} took {parsed['seconds']:.2f} s to parse"


def test_nightly_schedule_retries_and_mapping(dagbag) -> None:  # type: ignore[no-untyped-def]
    dag = dagbag.get_dag("govnews_nightly")
    assert dag.timetable.expression == "30 1 * * *"
    assert str(dag.timetable.timezone) == "Asia/Shanghai"
    assert dag.catchup is False and dag.max_active_runs == 1
    tasks = {t.task_id: t for t in dag.tasks}
    assert set(tasks) == {"plan", "shard.crawl", "shard.extract", "slice_batch", "dedupe", "load", "link", "report",
                          "health", "prune", "watcher"}
    assert tasks["watcher"].upstream_task_ids == set(tasks) - {"watcher"}, "any failure must fail the run"
    for task_id in ("shard.crawl", "shard.extract"):
        assert tasks[task_id].get_closest_mapped_task_group() is not None, f"{task_id} runs once per shard of sites"
    for task_id in ("dedupe", "load"):
        assert tasks[task_id].is_mapped, f"{task_id} runs once per slice of the batch"
    for task_id in ("shard.crawl", "shard.extract", "slice_batch", "dedupe", "load", "link", "report", "health",
                    "prune"):
        assert tasks[task_id].retries == 3
        assert tasks[task_id].retry_exponential_backoff
    assert tasks["plan"].retries == 0
    assert tasks["shard.extract"].trigger_rule == "all_done", "one failing shard must not stop the others"
    assert tasks["shard.crawl"].downstream_task_ids == {"shard.extract", "watcher"}
    assert tasks["dedupe"].downstream_task_ids >= {"load"}, "every slice is indexed before any is merged"
    assert [o.name for o in tasks["link"].outlets] == ["govnews_articles"], "one asset event per run, at the end"
    assert tasks["shard.crawl"].queue == "crawl" and tasks["shard.extract"].queue == "extract"
    assert tasks["health"].upstream_task_ids == {"report"} and tasks["health"].trigger_rule == "all_done"


def test_trigger_form_params(dagbag) -> None:  # type: ignore[no-untyped-def]
    params = dagbag.get_dag("govnews_nightly").params
    sites = params.get_param("sites")
    assert "fixture-songjiang" in sites.schema["items"]["enum"]
    assert sites.schema["examples"] == sites.schema["items"]["enum"], "examples make it a multi-select"
    assert params.get_param("max_pages").schema["maximum"] == 100
    for name in ("sites", "max_pages", "since", "reextract_only", "replay_fixtures"):
        assert params.get_param(name).description, f"param {name} needs a description for the form"


CONNECTION_PASSWORD = "pw-not-for-task-logs"


def airflow_connection_uri(database_url: str, password: str | None = None) -> str:
    url = make_url(database_url)
    login = f"{url.username}:{password}" if password else url.username
    return f"postgresql://{login}@{url.host}:{url.port}/{url.database}"


def article_count(database_url: str) -> int:
    with store.session_factory(database_url)() as session:
        return session.scalar(select(func.count()).select_from(Article))


def test_replay_dag_loads_the_seeds_and_a_rerun_adds_nothing(  # type: ignore[no-untyped-def]
        dagbag, database_url, monkeypatch, capfd) -> None:
    # The articles database reaches the tasks the Airflow way: the govnews_db connection, in the
    # postgresql:// form people write, with a password (the local server trusts; the logs must not show it).
    monkeypatch.setenv("AIRFLOW_CONN_GOVNEWS_DB", airflow_connection_uri(database_url, password=CONNECTION_PASSWORD))
    monkeypatch.delenv("GOVNEWS_DATABASE_URL", raising=False)
    monkeypatch.setenv("GOVNEWS_SLICE_SIZE", "2")  # the 5 seed articles: dedupe and load over 3 slices
    dag = dagbag.get_dag("govnews_replay")
    first = dag.test()
    logs = "".join(capfd.readouterr())
    assert first.state == "success", f"the replay DAG run failed; its logs end:\n{logs[-5000:]}"
    mapped = Counter(ti.task_id for ti in first.get_task_instances() if ti.state == "success")
    assert mapped["dedupe"] == mapped["load"] == 3, mapped
    assert "site(s) into postgresql+psycopg2://" in logs and ":***@" in logs
    assert CONNECTION_PASSWORD not in logs, "a task log shows the database password"
    assert article_count(database_url) == 5
    second = dag.test()
    assert second.state == "success"
    assert article_count(database_url) == 5, "a second run must add no rows"
    with store.session_factory(database_url)() as session:
        report = session.scalar(select(Run.report).where(Run.run_id == second.run_id))
    # The crawl is incremental: the lists bring no new links, so nothing is fetched or added.
    assert all(counts["articles"] == 0 and counts["pages"] == 0 for counts in report["sites"].values())


RUN_DAG = """
import sys
from pathlib import Path
from airflow.dag_processing.dagbag import BundleDagBag
dags = Path(sys.argv[1])
run = BundleDagBag(dag_folder=str(dags), bundle_path=dags).get_dag("govnews_replay").test()
print("run", run.run_id, run.state)
sys.exit(run.state != "success")
"""


def test_two_runs_of_the_dag_at_once_store_every_article_once(airflow_db, database_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Two runs of the replay DAG at the same time, in two processes (as two workers would run them),
    each with its own copy of Airflow's metadata database, against one articles database."""
    env = {key: value for key, value in os.environ.items() if key != "GOVNEWS_DATABASE_URL"}
    env["AIRFLOW_CONN_GOVNEWS_DB"] = airflow_connection_uri(database_url)
    processes = []
    for n in (1, 2):
        home = tmp_path / f"airflow-{n}"
        home.mkdir()
        shutil.copy(Path(os.environ["AIRFLOW_HOME"]) / "airflow.db", home / "airflow.db")
        processes.append(subprocess.Popen([sys.executable, "-c", RUN_DAG, str(ROOT / "dags")],
                                          env={**env, "AIRFLOW_HOME": str(home)}, stdout=subprocess.PIPE,
                                          stderr=subprocess.STDOUT, text=True))
    outputs = [process.communicate(timeout=600)[0] for process in processes]
    for process, output in zip(processes, outputs, strict=True):
        assert process.returncode == 0, f"a run of the two failed; its log ends:\n{output[-5000:]}"
    with store.session_factory(database_url)() as session:
        articles = session.execute(select(Article.canonical_url, Article.version)).all()
        runs = session.scalars(select(Run.run_id)).all()
    assert len(runs) == 2, f"two DAG runs, two run ids: {runs}"
    assert sorted(url for url, _ in articles) == sorted({url for url, _ in articles}) and len(articles) == 5
    assert {version for _, version in articles} == {1}, "the second run's copy became a new version"


def test_a_newly_broken_site_fails_the_health_task_and_calls_the_hook(dagbag, database_url, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Stored history says fixture-songjiang's articles are much longer: the replay's real ones are a
    body_length_drop, new in this run, so the health task (and the run) fail and the hook is called."""
    from dataclasses import replace
    from datetime import UTC, datetime, timedelta

    from pipeline.health.metrics import SiteMetrics
    from pipeline.store.health import save_metrics
    from tests import health_hook

    started = datetime(2026, 1, 1, tzinfo=UTC)
    usual = SiteMetrics(run_id="", site="fixture-songjiang", run_started_at=started, measured_at=started,
                        extracted=5, date_fill=1.0, body_chars_median=20_000)
    with store.session_factory(database_url).begin() as session:
        save_metrics(session, [replace(usual, run_id=f"earlier-{n}", run_started_at=started + timedelta(days=n))
                               for n in range(5)])
    monkeypatch.setenv("AIRFLOW_CONN_GOVNEWS_DB", airflow_connection_uri(database_url))
    monkeypatch.setenv("GOVNEWS_HEALTH_CALLBACK", "tests.health_hook:record")
    health_hook.CALLS.clear()
    run = dagbag.get_dag("govnews_replay").test()
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert run.state == "failed" and states["health"] == "failed", states
    assert states["report"] == "success" and states["load"] == "success"
    assert [[(a["site"], a["alert"]) for a in alerts] for alerts in health_hook.CALLS] == \
        [[("fixture-songjiang", "body_length_drop")]], "the hook gets the new alerts, once"
    with store.session_factory(database_url)() as session:
        report = session.scalar(select(Run.report).where(Run.run_id == run.run_id))
    assert [(a["site"], a["alert"], a["new"]) for a in report["alerts"]] == [("fixture-songjiang", "body_length_drop", True)]


def test_unknown_site_is_refused_before_a_run_exists(dagbag) -> None:  # type: ignore[no-untyped-def]
    """The trigger form and the REST API validate against the same schema: no run is created."""
    from airflow.sdk.exceptions import ParamValidationError

    with pytest.raises(ParamValidationError, match="'nowhere' is not one of"):
        dagbag.get_dag("govnews_nightly").test(run_conf={"sites": ["nowhere"]})


@pytest.mark.parametrize(
    "conf",
    [
        pytest.param({"since": "2999-01-01"}, id="back-fill-from-the-future"),
        pytest.param({"sites": ["songjiang"], "replay_fixtures": True}, id="real-site-in-a-replay"),
    ],
)
def test_bad_params_fail_the_run_at_once(dagbag, database_url, monkeypatch, conf) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AIRFLOW_CONN_GOVNEWS_DB", airflow_connection_uri(database_url))
    run = dagbag.get_dag("govnews_nightly").test(run_conf=conf)
    assert run.state == "failed"
    states = {ti.task_id: ti.state for ti in run.get_task_instances()}
    assert states["plan"] == "failed"
    assert states.get("crawl") in (None, "upstream_failed"), "nothing may be fetched after bad params"
    # The message itself is checked in tests/test_runs.py, where plan's validation lives.
    assert article_count(database_url) == 0
