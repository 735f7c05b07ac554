"""The ``govnews`` command: each stage a sub-command, plus ``run`` and ``replay`` for all of them.

Each module of this package registers a group of sub-commands. A command imports what it uses when
it runs, so ``govnews --help`` answers at once. Errors a person can fix are printed as ``error:`` and
``hint:`` lines with an exit code (``errors.ExitCode``); ``--debug`` or ``GOVNEWS_DEBUG=1`` adds the
traceback.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback
from collections.abc import Sequence

from pipeline.cli.errors import ExitCode, as_user_error

# The modules that register sub-commands, in the order --help lists them.
COMMAND_MODULES = ("stages", "extract", "browse", "search", "export", "sites", "fixtures", "retention", "db")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    debug = args.debug or os.environ.get("GOVNEWS_DEBUG", "") not in ("", "0")
    try:
        from pipeline.settings import Settings

        return int(args.handler(args, Settings()) or ExitCode.OK)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        user_error = as_user_error(error)
        if user_error is None:
            raise  # a bug: its traceback is what a report needs
        if debug:
            traceback.print_exc()
        print(f"error: {user_error.message}", file=sys.stderr)
        if user_error.hint:
            print(f"hint: {user_error.hint}", file=sys.stderr)
        return int(user_error.code)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="govnews", description="Scrape, extract, dedupe and load Chinese "
                                     "government news: each stage a sub-command, and `run` or `replay` for all.",
                                     epilog="exit codes: 0 all went well, 1 the run failed, 2 usage or "
                                     "configuration (nothing was done), 3 the run finished but some sites failed")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an error")
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(f"pipeline.cli.{name}").register(commands)
    return parser
