"""Shared pieces of the sub-commands' argument parsers."""

from __future__ import annotations

import argparse
from typing import Any


def add_command(commands: Any, name: str, handler: Any, text: str) -> argparse.ArgumentParser:
    """A sub-command whose help and description are ``text``, run by ``handler(args, settings)``."""
    sub = commands.add_parser(name, help=text, description=text)
    sub.set_defaults(handler=handler)
    return sub


def run_id_option(sub: argparse.ArgumentParser, required: bool) -> None:
    sub.add_argument("--run-id", required=required, help="the run whose rows to work on")
