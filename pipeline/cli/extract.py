"""``govnews extract`` (saved pages, URLs, or a run's stored pages) and ``govnews reextract``."""

from __future__ import annotations

import argparse
import json
import sys
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
        from pipeline import stages
        from pipeline.cli.database import open_sessions
        from pipeline.cli.output import console
        from pipeline.cli.progress import progress_reporter

        counts = stages.extract(open_sessions(settings), args.run_id, progress=progress_reporter(),
                                retry_seconds=settings.db_retry_seconds)
        console.print(f"{counts.articles} articles staged, rejected: {counts.rejected or 'none'}")
        return ExitCode.OK
    if not args.sources:
        raise UserError("nothing to extract", "give saved pages (FILE or URL) or --run-id RUN")
    return extract_sources(args.sources, args.format, settings)


def extract_sources(sources: list[str], form: str, settings: Settings) -> ExitCode:
    """Extract each saved page or URL in order: one JSON object for one page, JSON lines for several.

    A page that cannot be read, or is not HTML, gets an ``error:`` line on stderr and the others go
    on; a rejected page (an anti-bot challenge, a stub) is printed as a rejection. The exit code says
    whether all (0), some (3) or none (1) of them became articles.
    """
    from pipeline.extract import extract, learn_site_names
    from pipeline.pages import UnreadablePage, read_page
    from pipeline.records import Rejected

    pages = []
    for source in sources:
        try:
            pages.append((source, read_page(source, settings)))
        except UnreadablePage as error:
            pages.append((source, error))
    # Pages saved from one site teach its name, as the stored pages of a crawled site do.
    names = learn_site_names((page.body, page.content_type) for _, page in pages
                             if not isinstance(page, UnreadablePage))
    failed = 0
    for source, page in pages:
        result = page if isinstance(page, UnreadablePage) else extract(page, names)
        if isinstance(result, Rejected) and result.reason == "not_html":
            result = UnreadablePage(f"{source}: not an HTML page ({result.detail or 'by its bytes'})")
        failed += isinstance(result, (UnreadablePage, Rejected))
        if isinstance(result, UnreadablePage):
            print(f"error: {result}", file=sys.stderr)
        else:
            print(render_result(result, form, lines=len(sources) > 1), flush=True)
    if not failed:
        return ExitCode.OK
    return ExitCode.FAILED if failed == len(sources) else ExitCode.PARTIAL


def render_result(result: Article | Rejected, form: str, lines: bool = False) -> str:
    """An extraction as JSON (one line each when ``lines``, for several pages) or as text."""
    from pipeline.records import Rejected

    indent = None if lines else 2
    if isinstance(result, Rejected):
        fields = {"rejected": result.reason, "url": result.url, "detail": result.detail}
        if form == "json":
            return json.dumps(fields, ensure_ascii=False, indent=indent)
        return f"rejected: {result.reason} {result.url}"
    if form == "text":
        published = result.published_at.isoformat() if result.published_at else "-"
        return f"{result.title}\n{published}  {result.source or ''}\n\n{result.body}\n"
    fields = {
        "url": result.url,
        "title": result.title,
        "title_source": result.title_source,
        "published_at": result.published_at.isoformat() if result.published_at else None,
        "date_source": result.date_source,
        **{name: getattr(result, name) for name in ("source", "author", "editor", "photographer", "body",
                                                     "body_simplified", "script")},
        "flags": sorted(result.flags),
        "attachments": [{"text": a.text, "url": a.url} for a in result.attachments],
        "extractor_version": result.extractor_version,
    }
    return json.dumps(fields, ensure_ascii=False, indent=indent)


def _reextract(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline import stages, store
    from pipeline.cli.database import open_sessions
    from pipeline.cli.output import console
    from pipeline.cli.progress import progress_reporter
    from pipeline.cli.stages import finish_run, new_run_id

    run = new_run_id("reextract")
    sessions, progress = open_sessions(settings), progress_reporter()
    with sessions.begin() as session:
        store.start_run(session, run, {"reextract": True, "sites": args.sites}, datetime.now(UTC))
    counts = stages.extract(sessions, None, args.sites, record_as=run, progress=progress,
                            retry_seconds=settings.db_retry_seconds)
    console.print(f"{counts.articles} articles re-extracted, rejected: {counts.rejected or 'none'}")
    finish_run(settings, sessions, run, progress)
