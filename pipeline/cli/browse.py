"""Reading what is stored: ``govnews dupes ARTICLE_ID`` shows an article's story cluster."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pipeline.cli.errors import UserError
from pipeline.cli.parsing import add_command

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(commands: Any) -> None:
    sub = add_command(commands, "dupes", _dupes, "Show an article's story cluster: its canonical member and every "
                      "copy, with site and similarity.")
    sub.add_argument("article_id", type=int)


def _dupes(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline import store
    from pipeline.cli.output import console
    from pipeline.explain import dupes

    with store.session_factory(settings.database_url)() as session:
        try:
            console.print(dupes(session, args.article_id).table())
        except LookupError as error:
            raise UserError(str(error)) from None
