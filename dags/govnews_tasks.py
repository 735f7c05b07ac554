"""The govnews tasks, shared by the DAG files: each one calls a `pipeline` function.

Nothing heavy at import time: the pipeline modules are imported inside the tasks. XCom carries
site names and counts; the data itself goes to the database, keyed by the Airflow run id, so any
task can be re-run and leaves the same rows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, Param, get_current_context, task, task_group
from airflow.sdk.exceptions import AirflowFailException

# Downstream DAGs can be scheduled on new articles.
ARTICLES = Asset(name="govnews_articles", uri="govnews://articles")

RETRIES = {
    "retries": 3,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
}


def run_params(site_names: list[str], default_sites: list[str], replay: bool) -> dict[str, Param]:
    """The trigger form: types, defaults and descriptions; the server rejects values outside them."""
    return {
        "sites": Param(
            default_sites,
            type="array",
            items={"type": "string", "enum": site_names},
            examples=site_names,  # renders a multi-select instead of a free-text box
            title="Sites",
            description="Registry names to crawl. Empty: every real (non-fixture) site.",
        ),
        "max_pages": Param(5, type="integer", minimum=1, maximum=100, title="List pages per site",
                           description="How many list pages deep each site is paged (1-100)."),
        "since": Param(None, type=["null", "string"], format="date", title="Back-fill since",
                       description="Page back to articles published on this date (YYYY-MM-DD) and re-fetch "
                       "known ones since then (conditional requests). Empty: new articles only."),
        "reextract_only": Param(False, type="boolean", title="Re-extract stored pages only",
                                description="Fetch nothing; run extraction again over the stored raw pages."),
        "replay_fixtures": Param(replay, type="boolean", title="Replay the seed fixtures",
                                 description="Crawl the seed fixture sites (served on the worker) instead."),
    }


def site_names() -> list[str]:
    """Every registry name, for the trigger form (reads the registry files: no database, no network)."""
    from pipeline.runs import registry_for
    from pipeline.settings import Settings

    return sorted(registry_for(Settings()).sites)


def _context(label: str | None = None) -> tuple[str, Any]:
    context = get_current_context()
    if label is not None:
        context["label"] = label  # type: ignore[typeddict-unknown-key]  # names the mapped task in the UI
    return context["run_id"], context["params"]


def _request(params: Any):  # type: ignore[no-untyped-def]
    from datetime import datetime

    from pipeline import runs
    from pipeline.records import SHANGHAI

    return runs.parse_request(dict(params), today=datetime.now(SHANGHAI).date())


def _settings():  # type: ignore[no-untyped-def]
    """The articles database: the `govnews_db` Airflow connection, else GOVNEWS_DATABASE_URL."""
    from airflow.sdk import Connection
    from airflow.sdk.exceptions import AirflowNotFoundException

    from pipeline.settings import Settings

    try:
        connection = Connection.get("govnews_db")
    except AirflowNotFoundException:
        return Settings()
    return Settings(database_url=connection.get_uri())  # postgres://… as Airflow renders it: normalised


def _in_transaction(settings: Any, work: Any) -> Any:
    """``work(session)`` in one transaction on the articles database, done again over a lost
    connection for GOVNEWS_DB_RETRY_SECONDS at most (then the task fails, and Airflow retries it)."""
    from pipeline import store

    return store.in_transaction(store.session_factory(settings.database_url), work, settings.db_retry_seconds)


@task(retries=0)  # bad parameters are not transient: fail at once, with the reason
def plan() -> list[list[str]]:
    """Records the run and splits its sites into shards: one crawl task (one Scrapy process) each."""
    from datetime import UTC, datetime

    from pipeline import runs, store
    from pipeline.settings import masked

    run_id, params = _context()
    request = _request(params)
    settings = _settings()
    registry = runs.registry_for(settings)
    sites = runs.resolve_sites(registry, request)
    _in_transaction(settings, lambda session: store.start_run(
        session, run_id, {**request.model_dump(mode="json"), "sites": sites}, datetime.now(UTC)))
    shards = runs.plan_shards(registry, sites, settings.shard_size)
    print(f"run {run_id}: {len(sites)} site(s) into {masked(settings.database_url)}, in {len(shards)} shard(s) "
          f"of up to {settings.shard_size}")
    return shards


@task(**RETRIES, queue="crawl", map_index_template="{{ label }}")
def crawl(sites: list[str]) -> None:
    """One Scrapy process crawls every site of the shard at once, each host at its own pace."""
    from pipeline import runs, stages
    from pipeline.shards import shard_label

    run_id, params = _context(shard_label(sites))
    request = _request(params)
    if request.reextract_only:
        print(f"{len(sites)} site(s): re-extract only, nothing fetched")
        return
    settings = _settings()
    with runs.fixtures_served(settings, runs.registry_for(settings), sites) as served:
        stages.crawl(served, run_id, sites, request.max_pages, recrawl_since=request.since)


@task(**RETRIES, queue="extract", trigger_rule="all_done", map_index_template="{{ label }}")
def extract(sites: list[str]) -> dict[str, Any]:
    """Runs once its shard's crawl is done, even when it failed (what was stored is extracted)."""
    from pipeline import stages, store
    from pipeline.shards import shard_label

    run_id, params = _context(shard_label(sites))
    request = _request(params)
    settings = _settings()
    sessions = store.session_factory(settings.database_url)
    source_run = None if request.reextract_only else run_id
    counts = stages.extract(sessions, source_run, sites, record_as=run_id, retry_seconds=settings.db_retry_seconds)
    print(f"{len(sites)} site(s): {counts.articles} articles, rejected {counts.rejected}")
    return {"sites": len(sites), "articles": counts.articles, "rejected": counts.rejected}


@task_group
def shard(sites: list[str]) -> Any:
    """Crawl then extract one shard; shards go through it independently, so extraction of the first
    runs while later ones still crawl."""
    crawled = crawl(sites)
    extracted = extract(sites)
    crawled >> extracted
    return extracted


@task(**RETRIES, trigger_rule="all_done")
def slice_batch(extracted: list[dict[str, Any]]) -> list[list[str]]:
    """Canonical-URL ranges of GOVNEWS_SLICE_SIZE staged articles: one dedupe and one load task each."""
    from pipeline import stages

    run_id, _ = _context()
    settings = _settings()
    return [list(urls) for urls in _in_transaction(settings, lambda session: stages.dedupe_slices(
        session, run_id, settings.slice_size))]


def _slice(urls: list[str]) -> tuple[str, str]:
    get_current_context()["label"] = f"{urls[0]} … {urls[1]}"  # type: ignore[typeddict-unknown-key]
    return urls[0], urls[1]


@task(**RETRIES, map_index_template="{{ label }}")
def dedupe(urls: list[str]) -> int:
    """Slices run in parallel: the shared index in the database is locked only while one is merged."""
    from pipeline import stages

    run_id, _ = _context()
    settings = _settings()
    urls_range = _slice(urls)
    return _in_transaction(settings, lambda session: stages.dedupe(
        session, run_id, urls_range, config=stages.near_config(settings)))


@task(**RETRIES, map_index_template="{{ label }}")
def load(urls: list[str]) -> None:
    """Slices are merged in parallel once every one is deduped (each is a range of canonical URLs)."""
    from datetime import UTC, datetime

    from pipeline import stages

    run_id, _ = _context()
    urls_range = _slice(urls)
    _in_transaction(_settings(), lambda session: stages.load(session, run_id, datetime.now(UTC), urls_range))


@task(**RETRIES, outlets=[ARTICLES], trigger_rule="none_failed")  # also after zero slices
def link() -> None:
    """Links each article of the run to its story's canonical article, once every slice is loaded."""
    from pipeline import stages

    run_id, _ = _context()
    _in_transaction(_settings(), lambda session: stages.link(session, run_id))


@task(**RETRIES, trigger_rule="none_failed")
def prune() -> None:
    """Retention (GOVNEWS_KEEP_DAYS): raw bodies that are no article's latest fetch, once old enough."""
    from datetime import UTC, datetime

    from pipeline import store

    settings = _settings()
    if settings.keep_days is None:
        print("retention is off (GOVNEWS_KEEP_DAYS unset): every raw page is kept")
        return
    pruned = _in_transaction(settings, lambda session: store.prune_pages(session, settings.keep_days,
                                                                          datetime.now(UTC)))
    print(f"retention: {pruned.pages} raw bodies older than {settings.keep_days} days removed "
          f"({pruned.bytes / 2**20:.1f} MB)")


@task(**RETRIES, trigger_rule="all_done")
def report(_: None) -> dict[str, Any]:
    from datetime import UTC, datetime

    from pipeline import stages
    from pipeline.cli.output import print_report

    run_id, _params = _context()
    settings = _settings()
    summary = _in_transaction(settings, lambda session: stages.report(
        session, run_id, datetime.now(UTC), stages.health_config(settings)))
    print_report(summary)
    return summary


class SitesBroke(AirflowFailException):
    """A site newly broke in this run: the health task fails (without retrying) so that Airflow's
    failure notifications and callbacks reach people. ``alerts``: the new alerts, as the report shows them."""

    def __init__(self, alerts: list[dict[str, Any]]) -> None:
        lines = "; ".join(f"{a['site']}: {a['alert']}: {a['message']}" for a in alerts)
        super().__init__(f"{len(alerts)} new site-health alert(s): {lines}")
        self.alerts = alerts


def health_failed(context: Any) -> None:
    """The health task's on_failure_callback: calls the function GOVNEWS_HEALTH_CALLBACK names
    ('module:function'), with the Airflow context (``context["exception"].alerts``: the new alerts)."""
    import pkgutil

    from pipeline.settings import Settings

    target = Settings().health_callback
    if target:
        pkgutil.resolve_name(target)(context)


@task(**RETRIES, trigger_rule="all_done", on_failure_callback=health_failed)
def health() -> dict[str, int]:
    """Each site's drift alerts after this run (measured again: safe to re-run alone); fails when a
    site newly broke (an alert still open from an earlier run is printed, not failed on again)."""
    from datetime import UTC, datetime

    from pipeline import stages
    from pipeline.cli.output import print_alerts

    run_id, _params = _context()
    settings = _settings()
    sites = _in_transaction(settings, lambda session: stages.health(
        session, run_id, datetime.now(UTC), stages.health_config(settings)))
    alerts = [alert.as_report() for site in sites for alert in site.alerts]
    print_alerts(alerts)
    new = [alert for alert in alerts if alert["new"]]
    if new:
        raise SitesBroke(new)
    print(f"{len(sites)} site(s) judged, {len(alerts)} alert(s) open, none new")
    return {"sites": len(sites), "open": len(alerts)}


@task(retries=0, trigger_rule="one_failed")
def watcher() -> None:
    """Fails the DAG run when any task failed: report and load run on after a failed site, so the
    run's state would otherwise come from them alone."""
    raise RuntimeError("a task of this run failed; its log says why (the report counts what got through)")


def pipeline() -> None:
    """plan -> per shard: crawl, then extract -> slice_batch -> dedupe (per slice) -> load (per slice)
    -> link -> report -> health, and prune; a watcher fails the run if any of them failed."""
    shards = plan()
    extracted = shard.expand(sites=shards)
    slices = slice_batch(extracted)
    deduped = dedupe.expand(urls=slices)
    loaded = load.expand(urls=slices)
    deduped >> loaded  # a later slice may join an earlier one's story: all are indexed before any merge
    linked = link()
    loaded >> linked
    reported = report(linked)
    checked = health()
    reported >> checked
    pruned = prune()
    linked >> pruned
    watch = watcher()
    [shards, *extracted.operator.task_group.children.values(), slices, deduped, loaded, linked, reported,
     checked, pruned] >> watch
