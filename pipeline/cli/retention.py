"""``govnews prune``: retention of raw pages."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pipeline.cli.errors import UserError
from pipeline.cli.parsing import add_command

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(commands: Any) -> None:
    sub = add_command(commands, "prune", _prune, "Remove raw page bodies older than N days that are no article's "
                      "latest fetch; their metadata and hashes stay, articles and versions are not touched.")
    sub.add_argument("--keep-days", type=int, metavar="N",
                     help="keep bodies fetched in the last N days (default: GOVNEWS_KEEP_DAYS)")


def _prune(args: argparse.Namespace, settings: Settings) -> None:
    from datetime import UTC, datetime

    from pipeline import store
    from pipeline.cli.output import console

    keep_days = args.keep_days if args.keep_days is not None else settings.keep_days
    if keep_days is None:
        raise UserError("how many days of raw pages to keep is not set",
                        "give --keep-days N, or set GOVNEWS_KEEP_DAYS")
    if keep_days < 0:
        raise UserError(f"--keep-days must be 0 or more, not {keep_days}")
    with store.session_factory(settings.database_url).begin() as session:
        pruned = store.prune_pages(session, keep_days, datetime.now(UTC))
    console.print(f"removed {pruned.pages} raw bodies ({pruned.bytes / 2**20:.1f} MB as fetched) older than "
                  f"{keep_days} days; every article's latest page is kept")
