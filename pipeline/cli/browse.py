"""Reading what is stored: ``govnews runs``, ``govnews articles`` and ``govnews dupes ARTICLE_ID``."""

from __future__ import annotations

import argparse
from datetime import date
from typing import TYPE_CHECKING, Any

from pipeline.cli.errors import UserError
from pipeline.cli.parsing import add_command

if TYPE_CHECKING:
    from pipeline.settings import Settings

# The run report's per-site counts summed over the sites, as `govnews runs` shows them.
RUN_COLUMNS = {"pages": "pages", "articles": "new", "versions": "versions", "duplicates": "duplicates",
               "failures": "failures"}


def register(commands: Any) -> None:
    sub = add_command(commands, "runs", _runs, "List the recent runs: id, start, duration, sites and counts.")
    sub.add_argument("--limit", type=int, default=20, help="this many runs, newest first (default 20)")
    sub = add_command(commands, "articles", _articles, "List stored articles: id, site, publish time, title.")
    sub.add_argument("--site", action="append", dest="sites", help="only this site (repeatable)")
    sub.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD", help="published on or after")
    sub.add_argument("--search-title", metavar="TEXT", help="titles containing TEXT")
    sub.add_argument("--limit", type=int, default=50, help="this many articles, newest first (default 50)")
    sub = add_command(commands, "dupes", _dupes, "Show an article's story cluster: its canonical member and every "
                      "copy, with site and similarity.")
    sub.add_argument("article_id", type=int)


def _runs(args: argparse.Namespace, settings: Settings) -> None:
    from rich.table import Table
    from sqlalchemy import select

    from pipeline.cli.database import open_sessions
    from pipeline.cli.output import console
    from pipeline.records import shown_time
    from pipeline.store.models import Run

    with open_sessions(settings)() as session:
        runs = session.scalars(select(Run).order_by(Run.started_at.desc()).limit(args.limit)).all()
    table = Table("run id", "started", "duration", "sites", *RUN_COLUMNS.values(),
                  title=f"{len(runs)} most recent runs" if runs else "no runs yet: `govnews replay` makes one")
    for run in runs:
        sites = (run.report or {}).get("sites", {})
        totals = [sum(counts.get(key, 0) for counts in sites.values()) for key in RUN_COLUMNS]
        duration = f"{(run.finished_at - run.started_at).total_seconds():.0f} s" if run.finished_at else "unfinished"
        shown = [str(n) for n in totals] if run.report is not None else ["-"] * len(totals)
        table.add_row(run.run_id, shown_time(run.started_at), duration, str(len(run.params.get("sites") or sites)),
                      *shown)
    console.print(table)


def _articles(args: argparse.Namespace, settings: Settings) -> None:
    from datetime import datetime

    from rich.markup import escape
    from rich.table import Table
    from sqlalchemy import select

    from pipeline.cli.database import open_sessions
    from pipeline.cli.output import console
    from pipeline.records import SHANGHAI, shown_time
    from pipeline.store.models import Article

    query = select(Article.id, Article.site, Article.published_at, Article.title, Article.duplicate_of_id)
    if args.sites:
        query = query.where(Article.site.in_(args.sites))
    if args.since:
        query = query.where(Article.published_at >= datetime.combine(args.since, datetime.min.time(), SHANGHAI))
    if args.search_title:
        query = query.where(Article.title.contains(args.search_title, autoescape=True))
    with open_sessions(settings)() as session:
        newest_first = query.order_by(Article.published_at.desc().nulls_last(), Article.id.desc())
        rows = session.execute(newest_first.limit(args.limit)).all()
    table = Table("id", "site", "published", "title", title=f"{len(rows)} articles (newest first, at most "
                  f"{args.limit})")
    for article_id, site, published, title, duplicate_of in rows:
        mark = f" [dim](duplicate of #{duplicate_of})[/dim]" if duplicate_of else ""
        table.add_row(str(article_id), site, shown_time(published), escape(title) + mark)
    console.print(table)


def _dupes(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline.cli.database import open_sessions
    from pipeline.cli.output import console
    from pipeline.explain import dupes

    with open_sessions(settings)() as session:
        try:
            console.print(dupes(session, args.article_id).table())
        except LookupError as error:
            raise UserError(str(error)) from None
