"""``govnews export``: the articles as JSON lines or Parquet, the raw responses as WARC."""

from __future__ import annotations

import argparse
import sys
from contextlib import ExitStack
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pipeline.cli.errors import UserError
from pipeline.cli.parsing import add_command

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(commands: Any) -> None:
    sub = add_command(commands, "export", _export, "Export the stored articles (with story cluster ids and earlier "
                      "versions) as JSON lines or Parquet, or the stored raw responses as a WARC file.")
    sub.add_argument("--format", choices=["jsonl", "parquet", "warc"], required=True)
    sub.add_argument("--site", help="only this site")
    sub.add_argument("--since", type=date.fromisoformat, metavar="YYYY-MM-DD",
                     help="articles published (warc: pages fetched) on or after this day, China time")
    sub.add_argument("--output", type=Path, metavar="PATH", help="the file to write (default: standard output)")


def _export(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline import export, store
    from pipeline.cli.search import day_start
    from pipeline.store.export import article_rows, page_rows

    if args.output is None and sys.stdout.isatty() and args.format != "jsonl":
        raise UserError(f"{args.format} is binary: it will not be written to a terminal",
                        "give --output PATH, or redirect standard output to a file")
    since = day_start(args.since)
    with ExitStack() as stack:
        out = sys.stdout.buffer if args.output is None else stack.enter_context(_open(args.output))
        session = stack.enter_context(store.session_factory(settings.database_url)())
        if args.format == "warc":
            count = export.write_warc(page_rows(session, args.site, since), out)
            what = "responses"
        else:
            parquet = args.format == "parquet"
            writer = export.write_parquet if parquet else export.write_jsonl
            count = writer(article_rows(session, args.site, since, text_as_bytes=parquet), out)
            what = "articles"
        out.flush()
    print(f"exported {count} {what}" + (f" to {args.output}" if args.output else ""), file=sys.stderr)


def _open(path: Path):  # type: ignore[no-untyped-def]
    try:
        return path.open("wb")
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror}", "choose a writable --output path") from None
