"""``govnews extract`` (saved pages, URLs, or a run's stored pages) and ``govnews reextract``."""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pipeline.cli.errors import ExitCode, UserError
from pipeline.cli.parsing import add_command, run_id_option

if TYPE_CHECKING:
    from pipeline.records import Article, Rejected
    from pipeline.settings import Settings


def register(commands: Any) -> None:
    sub = add_command(commands, "extract", _extract, "Extract saved pages (files or URLs) and print the result, "
                      "or, with --run-id, the stored pages of a run into the staging table.")
    sub.add_argument("sources", nargs="*", metavar="FILE|URL", help="saved pages (raw bytes) or URLs")
    sub.add_argument("--format", choices=["json", "text"], default="json")
    run_id_option(sub, required=False)
    sub = add_command(commands, "reextract", _reextract, "Extract the stored raw pages again and update the "
                      "articles whose result changed (no fetching).")
    sub.add_argument("--site", action="append", dest="sites", help="only this site (repeatable)")


def _extract(args: argparse.Namespace, settings: Settings) -> int:
    if args.sources and args.run_id:
        raise UserError("give FILE|URL arguments or --run-id, not both")
    if args.run_id:
        from pipeline import stages, store
        from pipeline.cli.output import console

        counts = stages.extract(store.session_factory(settings.database_url), args.run_id)
        console.print(f"{counts.articles} articles staged, rejected: {counts.rejected or 'none'}")
        return ExitCode.OK
    if not args.sources:
        raise UserError("nothing to extract", "give saved pages (FILE or URL) or --run-id RUN")
    from pipeline.extract import extract
    from pipeline.pages import read_page
    from pipeline.records import Rejected

    rejected = 0
    for source in args.sources:
        result = extract(read_page(source, settings))
        rejected += isinstance(result, Rejected)
        print(render_result(result, args.format))
    return ExitCode.FAILED if rejected else ExitCode.OK


def render_result(result: Article | Rejected, form: str) -> str:
    from pipeline.records import Rejected

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
    from pipeline import stages, store
    from pipeline.cli.output import console
    from pipeline.cli.stages import finish_run, new_run_id

    run = new_run_id("reextract")
    sessions = store.session_factory(settings.database_url)
    with sessions.begin() as session:
        store.start_run(session, run, {"reextract": True, "sites": args.sites}, datetime.now(UTC))
    counts = stages.extract(sessions, None, args.sites, record_as=run)
    console.print(f"{counts.articles} articles re-extracted, rejected: {counts.rejected or 'none'}")
    finish_run(settings, sessions, run)
