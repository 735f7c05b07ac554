"""``govnews fixtures serve``: the seed fixture sites, to look at in a browser."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pipeline.cli.parsing import add_command

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(commands: Any) -> None:
    sub = add_command(commands, "fixtures", _serve_fixtures, "Serve the seed fixture sites over HTTP until stopped.")
    sub.add_argument("action", choices=["serve"])
    sub.add_argument("--host", default="127.0.0.1")
    sub.add_argument("--port", type=int, default=8765)


def _serve_fixtures(args: argparse.Namespace, settings: Settings) -> None:
    from pipeline.cli.output import console
    from pipeline.fixtures.seed_sites import serve_forever

    console.print(f"serving the fixture sites on http://{args.host}:{args.port}/ (Ctrl-C stops)")
    serve_forever(args.host, args.port)
