"""The ``govnews`` command: each stage a sub-command, plus ``run`` and ``replay`` for all of them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select

from pipeline import stages, store
from pipeline.records import SHANGHAI
from pipeline.settings import FIXTURE_REGISTRY, Settings
from pipeline.sites import SiteError, load_registry

console = Console()


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    settings = Settings()
    try:
        return args.handler(args, settings) or 0
    except (SiteError, stages.CrawlError) as error:
        console.print(f"[red]error:[/red] {error}")
        return 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govnews", description=__doc__)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")

    def command(name: str, handler, help: str) -> argparse.ArgumentParser:  # type: ignore[no-untyped-def]
        sub = commands.add_parser(name, help=help, description=help)
        sub.set_defaults(handler=handler)
        return sub

    def run_id(sub: argparse.ArgumentParser, required: bool = True) -> None:
        sub.add_argument("--run-id", required=required, help="the run whose rows to work on")

    sub = command("crawl", _crawl, "Fetch new articles of the given sites and store the raw pages.")
    sub.add_argument("sites", nargs="*", help="registry names (default: all)")
    sub.add_argument("--max-pages", type=int, help="list pages per site at most")
    run_id(sub, required=False)

    sub = command("extract", _extract, "Extract the stored pages of a run into the staging table.")
    run_id(sub)
    sub = command("dedupe", _dedupe, "Mark the run's staged articles that repeat another article.")
    run_id(sub)
    sub = command("load", _load, "Upsert the run's staged articles into the articles table.")
    run_id(sub)
    sub = command("report", _report, "Print (and store) the per-site summary of a run.")
    run_id(sub)

    sub = command("run", _run, "All stages for the given sites: crawl, extract, dedupe, load, report.")
    sub.add_argument("sites", nargs="*", help="registry names (default: all)")
    sub.add_argument("--max-pages", type=int, help="list pages per site at most")
    run_id(sub, required=False)

    command("replay", _replay, "Serve the seed fixture sites on 127.0.0.1 and run every stage on them.")

    sub = command("fixtures", _serve_fixtures, "Serve the seed fixture sites over HTTP until stopped.")
    sub.add_argument("action", choices=["serve"])
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=8765)

    sub = command("sites", _sites, "List the sites of the registry.")
    sub.add_argument("action", choices=["list"])
    sub.add_argument("--format", choices=["table", "json"], default="table")

    command("db", _db_upgrade, "Create or upgrade the database schema.").add_argument(
        "action", choices=["upgrade"])
    return parser


def _new_run_id() -> str:
    return "manual__" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _crawl(args: argparse.Namespace, settings: Settings) -> None:
    run = args.run_id or _new_run_id()
    sessions = store.session_factory(settings.database_url)
    with sessions.begin() as session:
        store.start_run(session, run, {"sites": args.sites, "max_pages": args.max_pages}, datetime.now(UTC))
    stages.crawl(settings, run, args.sites, args.max_pages)
    console.print(f"crawled; run id [bold]{run}[/bold]")


def _extract(args: argparse.Namespace, settings: Settings) -> None:
    counts = stages.extract(store.session_factory(settings.database_url), args.run_id)
    console.print(f"{counts.articles} articles staged, rejected: {counts.rejected or 'none'}")


def _dedupe(args: argparse.Namespace, settings: Settings) -> None:
    with store.session_factory(settings.database_url).begin() as session:
        console.print(f"{stages.dedupe(session, args.run_id)} duplicates")


def _load(args: argparse.Namespace, settings: Settings) -> None:
    with store.session_factory(settings.database_url).begin() as session:
        stages.load(session, args.run_id, datetime.now(UTC))
    console.print("loaded")


def _report(args: argparse.Namespace, settings: Settings) -> None:
    with store.session_factory(settings.database_url).begin() as session:
        _print_report(stages.report(session, args.run_id, datetime.now(UTC)))


def _run(args: argparse.Namespace, settings: Settings) -> None:
    registry = load_registry(settings.registry_paths, settings.registry_variables)
    sites = registry.select(args.sites)
    run_all(settings, args.run_id or _new_run_id(), sites, args.max_pages)


def run_all(settings: Settings, run_id: str, sites: list[str], max_pages: int | None) -> dict[str, object]:
    sessions = store.session_factory(settings.database_url)
    with sessions.begin() as session:
        store.start_run(session, run_id, {"sites": sites, "max_pages": max_pages}, datetime.now(UTC))
    stages.crawl(settings, run_id, sites, max_pages)
    stages.extract(sessions, run_id)
    with sessions.begin() as session:
        stages.dedupe(session, run_id)
    with sessions.begin() as session:
        stages.load(session, run_id, datetime.now(UTC))
    with sessions.begin() as session:
        summary = stages.report(session, run_id, datetime.now(UTC))
    console.print(f"run [bold]{run_id}[/bold] into {_safe_url(settings.database_url)}")
    _print_report(summary)
    return summary


def _replay(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline.fixtures import serve_fixtures

    fixture_sites = sorted(load_registry([FIXTURE_REGISTRY]).sites)
    with serve_fixtures() as origin:
        served = settings.model_copy(update={"fixture_origin": origin})
        run_all(served, _new_run_id(), fixture_sites, None)
    _print_articles(settings, fixture_sites)


def _serve_fixtures(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline.fixtures import serve_forever

    console.print(f"serving the fixture sites on http://{args.host}:{args.port}/ (Ctrl-C stops)")
    serve_forever(args.host, args.port)


def _sites(args: argparse.Namespace, settings: Settings) -> int:
    registry = load_registry(settings.registry_paths, settings.registry_variables)
    if args.format == "json":
        rows = [site.model_dump(mode="json") for site in registry.sites.values()]
        rows += [{"name": name, "error": str(error)} for name, error in registry.errors.items()]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        table = Table("site", "start URLs", "pagination", "status")
        for name, site in sorted(registry.sites.items()):
            table.add_row(name, "\n".join(site.start_urls), site.pagination.style, "ok")
        for name, error in sorted(registry.errors.items()):
            table.add_row(name, "", "", f"[red]{error}[/red]")
        console.print(table)
    return 1 if registry.errors else 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> None:
    store.migrate(store.make_engine(settings.database_url))
    console.print(f"schema up to date in {_safe_url(settings.database_url)}")


def _print_report(summary: dict[str, object]) -> None:
    table = Table("site", "pages fetched", "new articles", "duplicates", "failures", title="run summary")
    sites: dict[str, dict[str, int]] = summary["sites"]  # type: ignore[assignment]
    for site, counts in sorted(sites.items()):
        table.add_row(site, *(str(counts[k]) for k in ("pages", "articles", "duplicates", "failures")))
    console.print(table)
    for failure in summary["failures"]:  # type: ignore[attr-defined]
        console.print(f"[yellow]{failure['site']}[/yellow]: {failure['reason']} {failure['url']} "
                      f"{failure['detail']}")


def _print_articles(settings: Settings, sites: list[str]) -> None:
    from pipeline.models import Article

    with store.session_factory(settings.database_url)() as session:
        rows = session.execute(
            select(Article.site, Article.published_at, Article.title, func.length(Article.body),
                   Article.duplicate_of_id)
            .where(Article.site.in_(sites)).order_by(Article.published_at)
        ).all()
    table = Table("site", "published", "title", "chars", title=f"{len(rows)} articles stored")
    for site, published, title, chars, duplicate_of in rows:
        mark = f" [dim](duplicate of #{duplicate_of})[/dim]" if duplicate_of else ""
        table.add_row(site, published.astimezone(SHANGHAI).isoformat(" ", "minutes") if published else "-", title + mark, str(chars))
    console.print(table)


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


if __name__ == "__main__":
    sys.exit(main())
