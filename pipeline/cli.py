"""The ``govnews`` command: each stage a sub-command, plus ``run`` and ``replay`` for all of them."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from pipeline import stages, store
from pipeline.records import SHANGHAI, Article, Rejected
from pipeline.settings import FIXTURE_REGISTRY, Settings
from pipeline.sites import SiteError, load_registry

# Piped or captured output keeps whole lines (rich would fold tables at 80 columns).
console = Console(width=None if sys.stdout.isatty() else 200)


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

    def crawl_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("sites", nargs="*", help="registry names (default: every real site)")
        sub.add_argument("--max-pages", type=int, help="list pages per site at most")
        sub.add_argument("--recrawl-since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                         help="also re-fetch known articles published since then (conditional requests), "
                         "and page back that far")
        run_id(sub, required=False)

    crawl_options(command("crawl", _crawl, "Fetch new articles of the given sites and store the raw pages."))

    sub = command("extract", _extract, "Extract saved pages (files or URLs) and print the result, or, "
                  "with --run-id, the stored pages of a run into the staging table.")
    sub.add_argument("sources", nargs="*", metavar="FILE|URL", help="saved pages (raw bytes) or URLs")
    sub.add_argument("--format", choices=["json", "text"], default="json")
    run_id(sub, required=False)
    sub = command("reextract", _reextract, "Extract the stored raw pages again and update the articles "
                  "whose result changed (no fetching).")
    sub.add_argument("--site", action="append", dest="sites", help="only this site (repeatable)")
    sub = command("dedupe", _dedupe, "Mark the run's staged articles that repeat another article.")
    run_id(sub)
    sub = command("dupes", _dupes, "Show an article's story cluster: its canonical member and every "
                  "copy, with site and similarity.")
    sub.add_argument("article_id", type=int)
    sub = command("load", _load, "Upsert the run's staged articles into the articles table.")
    run_id(sub)
    sub = command("report", _report, "Print (and store) the per-site summary of a run.")
    run_id(sub)

    crawl_options(command("run", _run, "All stages for the given sites: crawl, extract, dedupe, load, report."))

    command("replay", _replay, "Serve the seed fixture sites on 127.0.0.1 and run every stage on them.")

    sub = command("fixtures", _serve_fixtures, "Serve the seed fixture sites over HTTP until stopped.")
    sub.add_argument("action", choices=["serve"])
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=8765)

    sub = command("sites", _sites, "List the registry (list), or fetch each site's start page live and "
                  "report reachability, robots.txt, anti-bot, charset, articles found and a sample (check).")
    sub.add_argument("action", choices=["list", "check"])
    sub.add_argument("names", nargs="*", metavar="SITE", help="check: these sites (default: every real site)")
    sub.add_argument("--format", choices=["table", "json"], default="table")
    sub.add_argument("--timeout", type=float, default=15.0, help="check: seconds per request")

    command("db", _db_upgrade, "Create or upgrade the database schema.").add_argument(
        "action", choices=["upgrade"])
    return parser


def _new_run_id() -> str:
    return "manual__" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")


def _crawl(args: argparse.Namespace, settings: Settings) -> None:
    run = args.run_id or _new_run_id()
    sites = load_registry(settings.registry_paths, settings.registry_variables).select(args.sites)
    sessions = store.session_factory(settings.database_url)
    with sessions.begin() as session:
        store.start_run(session, run, {"sites": sites, "max_pages": args.max_pages}, datetime.now(UTC))
    stages.crawl(settings, run, sites, args.max_pages, args.recrawl_since)
    console.print(f"crawled; run id [bold]{run}[/bold]")


def _extract(args: argparse.Namespace, settings: Settings) -> int:
    if args.sources and args.run_id:
        raise SystemExit("govnews extract: give FILE|URL arguments or --run-id, not both")
    if args.run_id:
        counts = stages.extract(store.session_factory(settings.database_url), args.run_id)
        console.print(f"{counts.articles} articles staged, rejected: {counts.rejected or 'none'}")
        return 0
    if not args.sources:
        raise SystemExit("govnews extract: give saved pages (FILE or URL) or --run-id RUN")
    from pipeline.extract import extract
    from pipeline.pages import read_page

    rejected = 0
    for source in args.sources:
        result = extract(read_page(source, settings))
        rejected += isinstance(result, Rejected)
        print(render_result(result, args.format))
    return 1 if rejected else 0


def render_result(result: Article | Rejected, form: str) -> str:
    if isinstance(result, Rejected):
        fields = {"rejected": result.reason, "url": result.url, "detail": result.detail}
        return json.dumps(fields, ensure_ascii=False) if form == "json" else f"rejected: {result.reason} {result.url}"
    if form == "text":
        published = result.published_at.isoformat() if result.published_at else "-"
        return f"{result.title}\n{published}  {result.source or ''}\n\n{result.body}\n"
    fields = {
        "url": result.url,
        "title": result.title,
        "published_at": result.published_at.isoformat() if result.published_at else None,
        **{name: getattr(result, name) for name in ("source", "author", "editor", "photographer", "body",
                                                     "body_simplified", "script")},
        "flags": sorted(result.flags),
        "attachments": [{"text": a.text, "url": a.url} for a in result.attachments],
        "extractor_version": result.extractor_version,
    }
    return json.dumps(fields, ensure_ascii=False, indent=2)


def _reextract(args: argparse.Namespace, settings: Settings) -> None:
    run = "reextract__" + datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    sessions = store.session_factory(settings.database_url)
    with sessions.begin() as session:
        store.start_run(session, run, {"reextract": True, "sites": args.sites}, datetime.now(UTC))
    counts = stages.extract(sessions, None, args.sites, record_as=run)
    console.print(f"{counts.articles} articles re-extracted, rejected: {counts.rejected or 'none'}")
    finish_run(settings, sessions, run)


def _dedupe(args: argparse.Namespace, settings: Settings) -> None:
    with store.session_factory(settings.database_url).begin() as session:
        repeats = stages.dedupe(session, args.run_id, config=stages.near_config(settings))
    console.print(f"{repeats} articles repeat another")


def _dupes(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline.explain import dupes

    with store.session_factory(settings.database_url)() as session:
        try:
            console.print(dupes(session, args.article_id).table())
        except LookupError as error:
            console.print(f"[red]error:[/red] {error}")
            return 2
    return 0


def _load(args: argparse.Namespace, settings: Settings) -> None:
    with store.session_factory(settings.database_url).begin() as session:
        stages.load(session, args.run_id, datetime.now(UTC))
    console.print("loaded")


def _report(args: argparse.Namespace, settings: Settings) -> None:
    with store.session_factory(settings.database_url).begin() as session:
        print_report(stages.report(session, args.run_id, datetime.now(UTC)))


def _run(args: argparse.Namespace, settings: Settings) -> None:
    registry = load_registry(settings.registry_paths, settings.registry_variables)
    sites = registry.select(args.sites)
    run_all(settings, args.run_id or _new_run_id(), sites, args.max_pages, args.recrawl_since)


def run_all(settings: Settings, run_id: str, sites: list[str], max_pages: int | None,
            recrawl_since: date | None = None) -> dict[str, object]:
    sessions = store.session_factory(settings.database_url)
    params = {"sites": sites, "max_pages": max_pages, "recrawl_since": str(recrawl_since or "") or None}
    with sessions.begin() as session:
        store.start_run(session, run_id, params, datetime.now(UTC))
    stages.crawl(settings, run_id, sites, max_pages, recrawl_since)
    stages.extract(sessions, run_id)
    console.print(f"run [bold]{run_id}[/bold] into {_safe_url(settings.database_url)}")
    return finish_run(settings, sessions, run_id)


def finish_run(settings: Settings, sessions: sessionmaker[Session], run_id: str) -> dict[str, object]:
    """Dedupe, load and report the run's staged articles, each stage in its own transaction."""
    with sessions.begin() as session:
        stages.dedupe(session, run_id, config=stages.near_config(settings))
    with sessions.begin() as session:
        stages.load(session, run_id, datetime.now(UTC))
    with sessions.begin() as session:
        summary = stages.report(session, run_id, datetime.now(UTC))
    print_report(summary)
    return summary


def _replay(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline.fixtures import serve_fixtures

    fixture_sites = sorted(load_registry([FIXTURE_REGISTRY], settings.registry_variables).sites)
    with serve_fixtures() as origin:
        served = settings.model_copy(update={"fixture_origin": origin})
        run_all(served, _new_run_id(), fixture_sites, None)
    _print_articles(settings, fixture_sites)


def _serve_fixtures(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline.fixtures import serve_forever

    console.print(f"serving the fixture sites on http://{args.host}:{args.port}/ (Ctrl-C stops)")
    serve_forever(args.host, args.port)


def _sites(args: argparse.Namespace, settings: Settings) -> int:
    from pipeline import doctor

    if args.action == "check":
        checks = doctor.check_sites(settings, args.names or None, timeout=args.timeout)
        if args.format == "json":
            print(json.dumps(doctor.report_rows(checks), ensure_ascii=False, indent=2))
            return 0 if all(check.ok for check in checks) else 1
        return doctor.print_checks(checks)
    rows = doctor.registry_rows(settings)
    if args.format == "json":
        print(json.dumps(rows, ensure_ascii=False, indent=2))
    else:
        table = Table("site", "strategy", "start URLs", "verified", "status")
        for row in rows:
            status = f"[red]{row['error']}[/red]" if row["error"] else ("fixture" if row["fixture"] else "ok")
            table.add_row(str(row["name"]), str(row.get("strategy") or ""), "\n".join(row.get("start_urls") or []),
                          "yes" if row.get("verified") else "no", status)
        console.print(table)
    return 1 if any(row["error"] for row in rows) else 0


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> None:
    store.migrate(store.make_engine(settings.database_url))
    console.print(f"schema up to date in {_safe_url(settings.database_url)}")


def print_report(summary: dict[str, object]) -> None:
    columns = {"pages": "pages fetched", "articles": "new articles", "versions": "new versions",
               "duplicates": "exact duplicates", "near_duplicates": "near-duplicates",
               "cross_script": "cross-script copies", "failures": "failures"}
    table = Table("site", *columns.values(), title="run summary")
    sites: dict[str, dict[str, int]] = summary["sites"]  # type: ignore[assignment]
    for site, counts in sorted(sites.items()):
        table.add_row(site, *(str(counts.get(key, 0)) for key in columns))
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
