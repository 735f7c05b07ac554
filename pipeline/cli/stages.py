"""The stages one by one for a run id (crawl, dedupe, load, report), and all of them (run, replay)."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from pipeline.cli.errors import ExitCode, UserError
from pipeline.cli.parsing import add_command, run_id_option

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from pipeline.progress import Progress
    from pipeline.settings import Settings
    from pipeline.sites import Registry


def register(commands: Any) -> None:
    crawl_options(add_command(commands, "crawl", _crawl, "Fetch new articles of the given sites and store the "
                              "raw pages."))
    for name, handler, text in (
        ("dedupe", _dedupe, "Mark the run's staged articles that repeat another article."),
        ("load", _load, "Upsert the run's staged articles into the articles table."),
        ("report", _report, "Print (and store) the per-site summary of a run."),
    ):
        run_id_option(add_command(commands, name, handler, text), required=True)
    crawl_options(add_command(commands, "run", _run, "All stages for the given sites: crawl, extract, dedupe, "
                              "load, report."))
    add_command(commands, "replay", _replay, "Serve the seed fixture sites on 127.0.0.1 and run every stage on them.")


def crawl_options(sub: argparse.ArgumentParser) -> None:
    sub.add_argument("sites", nargs="*", help="registry names (default: every real site)")
    sub.add_argument("--max-pages", type=int, help="list pages per site at most")
    sub.add_argument("--recrawl-since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                     help="also re-fetch known articles published since then (conditional requests), "
                     "and page back that far")
    run_id_option(sub, required=False)


def new_run_id(kind: str = "manual") -> str:
    return f"{kind}__" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _crawl(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import store
    from pipeline.cli.database import open_sessions
    from pipeline.cli.output import console

    run = args.run_id or new_run_id()
    registry, sites = chosen_sites(settings, args.sites)
    sessions = open_sessions(settings)
    store.in_transaction(sessions, lambda session: store.start_run(
        session, run, {"sites": sites, "max_pages": args.max_pages}, datetime.now(UTC)), settings.db_retry_seconds)
    crawl(settings, run, sites, args.max_pages, args.recrawl_since)
    console.print(f"crawled; run id [bold]{run}[/bold]")
    with sessions() as session:
        failures = [(site, url, reason) for site, url, reason, _ in store.rejection_reasons(session, run)]
    return sites_outcome(registry, sites, failures)


def chosen_sites(settings: Settings, names: list[str]) -> tuple[Registry, list[str]]:
    """The registry and the sites to crawl; fixture sites only if their server answers."""
    from pipeline.runs import registry_for

    registry = registry_for(settings)
    sites = registry.select(names)
    if any(name in registry.sites and registry.sites[name].fixture for name in sites):
        require_fixture_server(settings.fixture_origin)
    return registry, sites


def require_fixture_server(origin: str) -> None:
    import socket
    from urllib.parse import urlsplit

    parts = urlsplit(origin)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 80), timeout=2).close()
    except OSError:
        raise UserError(f"the fixture sites are served at {origin} (GOVNEWS_FIXTURE_ORIGIN), but nothing answers "
                        "there", "start `govnews fixtures serve` in another terminal, or run `govnews replay`, "
                        "which serves them itself") from None


def sites_outcome(registry: Registry, sites: list[str], failures: list[tuple[str, str, str]]) -> int:
    """OK, or a UserError with exit code 3 naming the sites the run could not crawl."""
    from pipeline.runs import failed_sites

    start_urls = {name: site.start_urls for name, site in registry.sites.items()}
    failed = failed_sites(failures, start_urls)
    if not failed:
        return ExitCode.OK
    named = ", ".join(f"{site} ({reason})" for site, reason in sorted(failed.items()))
    raise UserError(f"{len(failed)} of {len(sites)} sites failed: {named}",
                    "the run's failures say why; `govnews sites check SITE` looks at a site live", ExitCode.PARTIAL)


def crawl(settings: Settings, run_id: str, sites: list[str], max_pages: int | None,
          recrawl_since: date | None, progress: Progress | None = None) -> None:
    """The crawl stage; a crawl process that failed as a whole fails the command."""
    from pipeline import stages
    from pipeline.cli.progress import progress_reporter

    try:
        stages.crawl(settings, run_id, sites, max_pages, recrawl_since, progress or progress_reporter())
    except stages.CrawlError as error:
        raise UserError(str(error), code=ExitCode.FAILED) from error


def _dedupe(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline import stages, store
    from pipeline.cli.database import open_sessions
    from pipeline.cli.output import console
    from pipeline.cli.progress import progress_reporter

    sessions = open_sessions(settings)
    with progress_reporter().stage("dedupe"):
        repeats = store.in_transaction(sessions, lambda session: stages.dedupe(
            session, args.run_id, config=stages.near_config(settings)), settings.db_retry_seconds)
    console.print(f"{repeats} articles repeat another")


def _load(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline import stages, store
    from pipeline.cli.database import open_sessions
    from pipeline.cli.output import console
    from pipeline.cli.progress import progress_reporter

    sessions = open_sessions(settings)
    with progress_reporter().stage("load"):
        store.in_transaction(sessions, lambda session: stages.load(session, args.run_id, datetime.now(UTC)),
                             settings.db_retry_seconds)
    console.print("loaded")


def _report(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline import stages
    from pipeline.cli.database import open_sessions
    from pipeline.cli.output import print_report
    from pipeline.store.models import Run

    with open_sessions(settings).begin() as session:
        if session.get(Run, args.run_id) is None:
            raise UserError(f"no run {args.run_id} in the database", "`govnews runs` lists the recent runs")
        print_report(stages.report(session, args.run_id, datetime.now(UTC), stages.health_config(settings)))


def _run(args: argparse.Namespace, settings: Settings) -> int:
    registry, sites = chosen_sites(settings, args.sites)
    summary = run_all(settings, args.run_id or new_run_id(), sites, args.max_pages, args.recrawl_since)
    failures = [(f["site"], f["url"], f["reason"]) for f in summary["failures"]]  # type: ignore[attr-defined]
    return sites_outcome(registry, sites, failures)


def run_all(settings: Settings, run_id: str, sites: list[str], max_pages: int | None,
            recrawl_since: date | None = None) -> dict[str, object]:
    from pipeline import stages, store
    from pipeline.cli.database import open_sessions
    from pipeline.cli.output import console
    from pipeline.settings import masked
    from pipeline.cli.progress import progress_reporter

    progress = progress_reporter()
    sessions = open_sessions(settings)
    params = {"sites": sites, "max_pages": max_pages, "recrawl_since": str(recrawl_since or "") or None}
    store.in_transaction(sessions, lambda session: store.start_run(session, run_id, params, datetime.now(UTC)),
                         settings.db_retry_seconds)
    console.print(f"run [bold]{run_id}[/bold] into {masked(settings.database_url)}")
    crawl(settings, run_id, sites, max_pages, recrawl_since, progress)
    stages.extract(sessions, run_id, progress=progress, retry_seconds=settings.db_retry_seconds)
    return finish_run(settings, sessions, run_id, progress)


def finish_run(settings: Settings, sessions: sessionmaker[Session], run_id: str,
               progress: Progress | None = None) -> dict[str, object]:
    """Dedupe, load and report the run's staged articles, each stage in its own transaction (tried
    again over a lost connection)."""
    from pipeline import stages, store
    from pipeline.cli.output import print_report
    from pipeline.cli.progress import progress_reporter

    progress = progress or progress_reporter()
    retry = settings.db_retry_seconds
    with progress.stage("dedupe"):
        store.in_transaction(sessions, lambda session: stages.dedupe(
            session, run_id, config=stages.near_config(settings)), retry)
    with progress.stage("load"):
        store.in_transaction(sessions, lambda session: stages.load(session, run_id, datetime.now(UTC)), retry)
    summary = store.in_transaction(sessions, lambda session: stages.report(
        session, run_id, datetime.now(UTC), stages.health_config(settings)), retry)
    print_report(summary)
    return summary


def _replay(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline.fixtures.seed_sites import serve_fixtures
    from pipeline.settings import FIXTURE_REGISTRY
    from pipeline.sites import load_registry

    fixture_sites = sorted(load_registry([FIXTURE_REGISTRY], settings.registry_variables).sites)
    with serve_fixtures() as origin:
        served = settings.model_copy(update={"fixture_origin": origin})
        run_all(served, new_run_id(), fixture_sites, None)
    _print_articles(settings, fixture_sites)


def _print_articles(settings: Settings, sites: list[str]) -> None:
    from rich.markup import escape
    from rich.table import Table
    from sqlalchemy import func, select

    from pipeline.cli.database import open_sessions
    from pipeline.cli.output import console
    from pipeline.records import shown_time
    from pipeline.store.models import Article

    with open_sessions(settings)() as session:
        rows = session.execute(
            select(Article.site, Article.published_at, Article.title, func.length(Article.body),
                   Article.duplicate_of_id)
            .where(Article.site.in_(sites)).order_by(Article.published_at)
        ).all()
    table = Table("site", "published", "title", "chars", title=f"{len(rows)} articles stored")
    for site, published, title, chars, duplicate_of in rows:
        mark = f" [dim](duplicate of #{duplicate_of})[/dim]" if duplicate_of else ""
        table.add_row(site, shown_time(published), escape(title) + mark, str(chars))
    console.print(table)
