"""The govnews tasks, shared by the DAG files: each one calls a `pipeline` function.

Nothing heavy at import time: the pipeline modules are imported inside the tasks. XCom carries
site names and counts; the data itself goes to the database, keyed by the Airflow run id, so any
task can be re-run and leaves the same rows.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from airflow.sdk import Asset, Param, get_current_context, task
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


def _context(site: str | None = None) -> tuple[str, Any]:
    context = get_current_context()
    if site is not None:
        context["site"] = site  # type: ignore[typeddict-unknown-key]  # names the mapped task in the UI
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


@task(retries=0)  # bad parameters are not transient: fail at once, with the reason
def plan() -> list[str]:
    from datetime import UTC, datetime

    from pipeline import runs, store
    from pipeline.settings import masked

    run_id, params = _context()
    request = _request(params)
    settings = _settings()
    sites = runs.resolve_sites(runs.registry_for(settings), request)
    with store.session_factory(settings.database_url).begin() as session:
        store.start_run(session, run_id, {**request.model_dump(mode="json"), "sites": sites}, datetime.now(UTC))
    print(f"run {run_id}: {len(sites)} site(s) into {masked(settings.database_url)}: {', '.join(sites)}")
    return sites


@task(**RETRIES, map_index_template="{{ site }}")
def crawl(site: str) -> str:
    from pipeline import runs, stages

    run_id, params = _context(site)
    request = _request(params)
    if request.reextract_only:
        print(f"{site}: re-extract only, nothing fetched")
        return site
    settings = _settings()
    with runs.fixtures_served(settings, runs.registry_for(settings), [site]) as served:
        stages.crawl(served, run_id, [site], request.max_pages, recrawl_since=request.since)
    return site


@task(**RETRIES, trigger_rule="all_done", map_index_template="{{ site }}")
def extract(site: str) -> dict[str, Any]:
    """Runs for every site even when another site's crawl failed."""
    from pipeline import stages, store

    run_id, params = _context(site)
    request = _request(params)
    sessions = store.session_factory(_settings().database_url)
    source_run = None if request.reextract_only else run_id
    counts = stages.extract(sessions, source_run, [site], record_as=run_id)
    print(f"{site}: {counts.articles} articles, rejected {counts.rejected}")
    return {"site": site, "articles": counts.articles, "rejected": counts.rejected}


@task(**RETRIES, trigger_rule="all_done")
def slice_batch(extracted: list[dict[str, Any]]) -> list[list[str]]:
    """Canonical-URL ranges of about a thousand staged articles: one dedupe task each."""
    from pipeline import stages, store

    run_id, _ = _context()
    with store.session_factory(_settings().database_url)() as session:
        return [list(urls) for urls in stages.dedupe_slices(session, run_id)]


@task(**RETRIES, map_index_template="{{ slice }}")
def dedupe(urls: list[str]) -> int:
    """Slices run in parallel: the shared index in the database is locked only while one is merged."""
    from pipeline import stages, store

    run_id, _ = _context()
    get_current_context()["slice"] = f"{urls[0]} … {urls[1]}"  # type: ignore[typeddict-unknown-key]
    settings = _settings()
    with store.session_factory(settings.database_url).begin() as session:
        return stages.dedupe(session, run_id, (urls[0], urls[1]), config=stages.near_config(settings))


@task(**RETRIES, outlets=[ARTICLES], trigger_rule="none_failed")  # also after zero dedupe slices
def load(repeats: list[int]) -> None:
    from datetime import UTC, datetime

    from pipeline import stages, store

    run_id, _ = _context()
    with store.session_factory(_settings().database_url).begin() as session:
        stages.load(session, run_id, datetime.now(UTC))


@task(**RETRIES, trigger_rule="all_done")
def report(_: None) -> dict[str, Any]:
    from datetime import UTC, datetime

    from pipeline import stages, store
    from pipeline.cli.output import print_report

    run_id, _params = _context()
    settings = _settings()
    with store.session_factory(settings.database_url).begin() as session:
        summary = stages.report(session, run_id, datetime.now(UTC), stages.health_config(settings))
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

    from pipeline import stages, store
    from pipeline.cli.output import print_alerts

    run_id, _params = _context()
    settings = _settings()
    with store.session_factory(settings.database_url).begin() as session:
        sites = stages.health(session, run_id, datetime.now(UTC), stages.health_config(settings))
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
    """plan -> crawl (per site) -> extract (per site) -> slice_batch -> dedupe (per slice) -> load -> report
    -> health, and a watcher that fails the run if any of them failed."""
    sites = plan()
    crawled = crawl.expand(site=sites)
    extracted = extract.expand(site=sites)
    crawled >> extracted
    slices = slice_batch(extracted)
    deduped = dedupe.expand(urls=slices)
    loaded = load(deduped)
    reported = report(loaded)
    checked = health()
    reported >> checked
    [sites, crawled, extracted, slices, deduped, loaded, reported, checked] >> watcher()
