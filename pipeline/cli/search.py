"""``govnews search QUERY``: full-text search of the stored articles (PostgreSQL), as the archive's
search page does it."""

from __future__ import annotations

import argparse
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Any

from pipeline.cli.errors import UserError
from pipeline.cli.parsing import add_command

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(commands: Any) -> None:
    sub = add_command(commands, "search", _search, "Search the stored articles' titles and bodies (PostgreSQL): "
                      "terms of two or more characters, Simplified or Traditional, all of them required.")
    sub.add_argument("query", nargs="+", help="the terms, e.g. 病虫害 防治")
    sub.add_argument("--site", help="only this site's articles")
    sub.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                     help="only articles published on or after this day (China time)")
    sub.add_argument("--limit", type=int, default=20, help="how many hits at most (default 20)")
    sub.add_argument("--format", choices=["table", "json"], default="table",
                     help="json: one JSON object per hit and line")


def day_start(day: date | None) -> datetime | None:
    """The first moment of ``day`` in China time (the archive's days are Shanghai days)."""
    from pipeline.records import SHANGHAI

    return datetime.combine(day, time(), SHANGHAI) if day else None


def _search(args: argparse.Namespace, settings: Settings) -> None:
    import json

    from pipeline import store
    from pipeline.search import QueryError, parse_query
    from pipeline.store.search import SearchUnavailable, search

    try:
        query = parse_query(" ".join(args.query))
    except QueryError as error:
        raise UserError(str(error), "search whole words, e.g. `govnews search 病虫害`") from None
    with store.session_factory(settings.database_url)() as session:
        try:
            hits = search(session, query, site=args.site, since=day_start(args.since), limit=args.limit)
        except SearchUnavailable as error:
            raise UserError(str(error), "set GOVNEWS_DATABASE_URL to the PostgreSQL database the pipeline "
                            "loads into, e.g. postgresql+psycopg2://user@host/govnews") from None
    if args.format == "json":
        for hit in hits:
            print(json.dumps({"article_id": hit.article_id, "site": hit.site, "url": hit.url, "title": hit.title,
                              "published_at": hit.published_at.isoformat() if hit.published_at else None,
                              "score": hit.score, "snippet": hit.snippet, "highlights": hit.highlights},
                             ensure_ascii=False))
        return
    _print_table(hits)


def _print_table(hits: list) -> None:  # type: ignore[type-arg]
    from rich.markup import escape
    from rich.table import Table

    from pipeline.cli.output import console
    from pipeline.records import shown_time
    from pipeline.search import marked

    table = Table("article", "published", "site", "title / snippet", title=f"{len(hits)} hits")
    for hit in hits:
        # Third-party text goes through escape(): a "[" in a title is text, not rich markup.
        pieces = marked(hit.snippet, hit.highlights, "\0", "\1")
        shown = escape(pieces).replace("\0", "[bold yellow]").replace("\1", "[/bold yellow]")
        table.add_row(str(hit.article_id), shown_time(hit.published_at), hit.site,
                      f"[bold]{escape(hit.title)}[/bold]\n{shown}")
    console.print(table)
