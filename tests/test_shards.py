"""Shards of sites: the plan (pure), and a nightly run over several shards with a failing site in one."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
from sqlalchemy import select

from pipeline import runs, store
from pipeline.fixtures.farm import Fault
from pipeline.fixtures.hosts import host_address, host_farm
from pipeline.settings import Settings
from pipeline.shards import MAX_MAP_LENGTH, host_groups, plan_shards, shard_label
from pipeline.store.models import Run

ROOT = Path(__file__).resolve().parent.parent


def own_hosts(count: int) -> dict[str, list[str]]:
    return {f"site-{i:05d}": [f"www.site{i}.gov.cn"] for i in range(count)}


def assert_partition(shards: list[list[str]], sites: dict[str, list[str]]) -> None:
    placed = list(itertools.chain.from_iterable(shards))
    assert sorted(placed) == sorted(sites), "every site must be in exactly one shard (crawled by one task only)"


@pytest.mark.parametrize(("count", "size", "expected"), [
    pytest.param(2500, 50, 50, id="2500-sites-by-50"),
    pytest.param(2500, 200, 13, id="2500-sites-by-200"),
    pytest.param(2500, 1, MAX_MAP_LENGTH, id="2500-sites-by-1-capped-at-the-mapping-limit"),
    pytest.param(10_000, 5, MAX_MAP_LENGTH, id="10000-sites-capped"),
    pytest.param(3, 100, 1, id="a-few-sites-from-the-form"),
    pytest.param(0, 100, 0, id="no-sites"),
])
def test_sites_plan_into_balanced_shards_under_the_mapping_limit(count: int, size: int, expected: int) -> None:
    sites = own_hosts(count)
    shards = plan_shards(sites, size)
    assert len(shards) == expected <= MAX_MAP_LENGTH
    assert_partition(shards, sites)
    if shards:
        lengths = [len(shard) for shard in shards]
        assert max(lengths) - min(lengths) <= 1, f"shards should be balanced: {min(lengths)}-{max(lengths)} sites"
        assert max(lengths) <= max(size, -(-count // MAX_MAP_LENGTH))


def test_sites_sharing_a_host_are_in_one_shard() -> None:
    """Two shards may run on two machines at once: a host must be crawled by one of them only."""
    sites = own_hosts(300)
    sites["site-00007"].append("www.shared.gov.cn")
    sites["site-00250"].append("www.shared.gov.cn")
    sites["site-00250"].append("www.other.gov.cn")
    sites["site-00123"] = ["www.other.gov.cn"]  # joined to the two above through site-00250
    shards = plan_shards(sites, 10)
    assert_partition(shards, sites)
    together = [shard for shard in shards if "site-00007" in shard]
    assert len(together) == 1 and {"site-00250", "site-00123"} <= set(together[0])
    assert host_groups({"a": ["x"], "b": ["y"], "c": ["x", "z"], "d": ["z"]}) == [["a", "c", "d"], ["b"]]


def test_the_plan_does_not_depend_on_the_order_of_the_sites() -> None:
    sites = own_hosts(777)
    backwards = dict(reversed(list(sites.items())))
    assert plan_shards(sites, 60) == plan_shards(backwards, 60)


def test_a_bad_shard_size_is_refused() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        plan_shards(own_hosts(3), 0)


def test_shard_label_names_the_first_and_last_site() -> None:
    assert shard_label(["b", "a", "c"]) == "a … c (3 sites)"
    assert shard_label(["only"]) == "only"


def test_host_addresses_are_distinct_loopback_hosts() -> None:
    addresses = [host_address(i) for i in range(2000)]
    assert addresses[:2] == ["127.0.1.1", "127.0.1.2"] and len(set(addresses)) == 2000
    assert all(a.startswith("127.0.") and not a.endswith((".0", ".255")) for a in addresses)


DEAD_SITE = """
- name: dead-host
  fixture: true
  start_urls: ['http://127.0.0.1:9/xwzx/index.html']
  article_url: '/xwzx/\\d{6}/t\\d{8}_\\d+\\.html$'
"""


def test_a_nightly_run_over_shards_survives_a_failing_site_in_a_shard(database_url, monkeypatch, tmp_path,
                                                                      airflow_db) -> None:  # type: ignore[no-untyped-def]
    """Five farm sites, each on its own loopback host, and a site whose host is down, in shards of
    two: one crawl task per shard; the dead site and a blocked one fail, their shard-mates do not,
    and the report has a row for every site."""
    from airflow.dag_processing.dagbag import BundleDagBag

    from tests.test_dags import airflow_connection_uri

    with host_farm(5, articles=6, delay=None, prefix="shardsite") as farm:
        registry = tmp_path / "farm.yaml"
        registry.write_text(farm.registry_yaml(max_pages=5) + DEAD_SITE, encoding="utf-8")
        blocked = farm.sites[3].name
        farm.set_faults(blocked, Fault("challenge_412", on_lists=True))
        monkeypatch.setenv("GOVNEWS_REGISTRY", str(registry))
        monkeypatch.setenv("GOVNEWS_BUILTIN_REGISTRY", "false")
        monkeypatch.setenv("GOVNEWS_SHARD_SIZE", "2")
        monkeypatch.setenv("AIRFLOW_CONN_GOVNEWS_DB", airflow_connection_uri(database_url))
        monkeypatch.delenv("GOVNEWS_DATABASE_URL", raising=False)
        sites = sorted([s.name for s in farm.sites] + ["dead-host"])
        dag = BundleDagBag(dag_folder=str(ROOT / "dags"), bundle_path=ROOT / "dags").get_dag("govnews_nightly")
        run = dag.test(run_conf={"sites": sites, "max_pages": 5})

    settings = Settings(registry=str(registry), builtin_registry=False)
    shards = runs.plan_shards(runs.registry_for(settings), sites, 2)
    crawl_tasks = [ti for ti in run.get_task_instances() if ti.task_id == "shard.crawl"]
    assert len(shards) == 3 and len(crawl_tasks) == 3, "one crawl task per shard"
    assert {ti.state for ti in crawl_tasks} == {"success"}, "a failing site must not fail its shard's task"
    with store.session_factory(database_url)() as session:
        report = session.scalar(select(Run.report).where(Run.run_id == run.run_id))
    assert sorted(report["sites"]) == sites, "the report has one row per site"
    failing = {"dead-host", blocked}
    for name in sites:
        counts = report["sites"][name]
        if name in failing:
            assert counts["failures"] >= 1 and counts["articles"] == 0, (name, counts)
        else:
            assert counts["articles"] == 6 and counts["failures"] == 0, (name, counts)
    reasons = {f["site"]: f["reason"] for f in report["failures"]}
    assert reasons == {"dead-host": "connection_refused", blocked: "anti_bot_challenge"}
    shard_mates = {name for shard in shards if failing & set(shard) for name in shard} - failing
    assert shard_mates, "the plan should put a failing site beside a working one in this test"
    failed = {ti.task_id for ti in run.get_task_instances() if ti.state == "failed"}
    assert failed <= {"health", "watcher"}, f"only the health check of the broken sites may fail the run: {failed}"


def test_a_crawl_process_whose_sites_cannot_run_fails_so_that_the_shard_is_retried(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A site's own failures are rejections; a crawl that cannot run at all (here its database is
    gone, as when the server refuses more connections) must fail the task instead of ending
    successfully with nothing crawled."""
    from pipeline import stages

    with host_farm(2, articles=2, delay=None, prefix="nodbsite") as farm:
        registry = tmp_path / "farm.yaml"
        registry.write_text(farm.registry_yaml(max_pages=1), encoding="utf-8")
        settings = Settings(database_url="postgresql+psycopg2://postgres@127.0.0.1:5432/govnews_no_such_database",
                            registry=str(registry), builtin_registry=False)
        with pytest.raises(stages.CrawlError, match="could not run"):
            stages.crawl(settings, "no-database", [site.name for site in farm.sites])
        assert sum(farm.hits.values()) == 0
