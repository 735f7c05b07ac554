"""The stages one by one for a run id (crawl, dedupe, load, report), and all of them (run, replay)."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from pipeline.cli.errors import ExitCode, UserError
from pipeline.cli.parsing import add_command, run_id_option

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from pipeline.settings import Settings


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


def _crawl(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline import store
    from pipeline.cli.output import console
    from pipeline.sites import load_registry

    run = args.run_id or new_run_id()
    sites = load_registry(settings.registry_paths, settings.registry_variables).select(args.sites)
    sessions = store.session_factory(settings.database_url)
    with sessions.begin() as session:
        store.start_run(session, run, {"sites": sites, "max_pages": args.max_pages}, datetime.now(UTC))
    crawl(settings, run, sites, args.max_pages, args.recrawl_since)
    console.print(f"crawled; run id [bold]{run}[/bold]")


def crawl(settings: Settings, run_id: str, sites: list[str], max_pages: int | None,
          recrawl_since: date | None) -> None:
    """The crawl stage; a crawl process that failed as a whole fails the command."""
    from pipeline import stages

    try:
        stages.crawl(settings, run_id, sites, max_pages, recrawl_since)
    except stages.CrawlError as error:
        raise UserError(str(error), code=ExitCode.FAILED) from error


def _dedupe(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline import stages, store
    from pipeline.cli.output import console

    with store.session_factory(settings.database_url).begin() as session:
        repeats = stages.dedupe(session, args.run_id, config=stages.near_config(settings))
    console.print(f"{repeats} articles repeat another")


def _load(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline import stages, store
    from pipeline.cli.output import console

    with store.session_factory(settings.database_url).begin() as session:
        stages.load(session, args.run_id, datetime.now(UTC))
    console.print("loaded")


def _report(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline import stages, store
    from pipeline.cli.output import print_report

    with store.session_factory(settings.database_url).begin() as session:
        print_report(stages.report(session, args.run_id, datetime.now(UTC), stages.health_config(settings)))


def _run(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline.sites import load_registry

    registry = load_registry(settings.registry_paths, settings.registry_variables)
    sites = registry.select(args.sites)
    run_all(settings, args.run_id or new_run_id(), sites, args.max_pages, args.recrawl_since)


def run_all(settings: Settings, run_id: str, sites: list[str], max_pages: int | None,
            recrawl_since: date | None = None) -> dict[str, object]:
    from pipeline import stages, store
    from pipeline.cli.output import console, safe_url

    sessions = store.session_factory(settings.database_url)
    params = {"sites": sites, "max_pages": max_pages, "recrawl_since": str(recrawl_since or "") or None}
    with sessions.begin() as session:
        store.start_run(session, run_id, params, datetime.now(UTC))
    crawl(settings, run_id, sites, max_pages, recrawl_since)
    stages.extract(sessions, run_id)
    console.print(f"run [bold]{run_id}[/bold] into {safe_url(settings.database_url)}")
    return finish_run(settings, sessions, run_id)


def finish_run(settings: Settings, sessions: sessionmaker[Session], run_id: str) -> dict[str, object]:
    """Dedupe, load and report the run's staged articles, each stage in its own transaction."""
    from pipeline import stages
    from pipeline.cli.output import print_report

    with sessions.begin() as session:
        stages.dedupe(session, run_id, config=stages.near_config(settings))
    with sessions.begin() as session:
        stages.load(session, run_id, datetime.now(UTC))
    with sessions.begin() as session:
        summary = stages.report(session, run_id, datetime.now(UTC), stages.health_config(settings))
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
    from rich.table import Table
    from sqlalchemy import func, select

    from pipeline import store
    from pipeline.cli.output import console, shown_time
    from pipeline.store.models import Article

    with store.session_factory(settings.database_url)() as session:
        rows = session.execute(
            select(Article.site, Article.published_at, Article.title, func.length(Article.body),
                   Article.duplicate_of_id)
            .where(Article.site.in_(sites)).order_by(Article.published_at)
        ).all()
    table = Table("site", "published", "title", "chars", title=f"{len(rows)} articles stored")
    for site, published, title, chars, duplicate_of in rows:
        mark = f" [dim](duplicate of #{duplicate_of})[/dim]" if duplicate_of else ""
        table.add_row(site, shown_time(published), title + mark, str(chars))
    console.print(table)
