"""``govnews db upgrade``: create or migrate the schema."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pipeline.cli.parsing import add_command

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(commands: Any) -> None:
    add_command(commands, "db", _db_upgrade, "Create or upgrade the database schema.").add_argument(
        "action", choices=["upgrade"])


def _db_upgrade(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline.cli.database import open_sessions
    from pipeline.cli.output import console
    from pipeline.settings import masked

    open_sessions(settings)  # migrates
    console.print(f"schema up to date in {masked(settings.database_url)}")
