"""``govnews fixtures serve``: the seed fixture sites, to look at in a browser or to crawl by hand."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from pipeline.cli.errors import UserError
from pipeline.cli.parsing import add_command

if TYPE_CHECKING:
    from pipeline.settings import Settings


def register(commands: Any) -> None:
    sub = add_command(commands, "fixtures", _serve_fixtures, "Serve the seed fixture sites over HTTP until stopped, "
                      "at GOVNEWS_FIXTURE_ORIGIN (default http://127.0.0.1:8765), where `govnews crawl` looks for "
                      "them.")
    sub.add_argument("action", choices=["serve"])
    sub.add_argument("--host", help="listen on this address instead of GOVNEWS_FIXTURE_ORIGIN's")
    sub.add_argument("--port", type=int, help="listen on this port instead of GOVNEWS_FIXTURE_ORIGIN's")


def _serve_fixtures(args: argparse.Namespace, settings: Settings) -> None:
    from urllib.parse import urlsplit

    from pipeline.fixtures.seed_sites import serve_forever

    configured = urlsplit(settings.fixture_origin)
    host, port = args.host or configured.hostname or "127.0.0.1", args.port or configured.port or 80
    try:
        serve_forever(host, port, lambda origin: _announce(settings, origin))
    except OSError as error:
        raise UserError(f"cannot serve the fixture sites on {host}:{port}: {error.strerror or error}",
                        "another `govnews fixtures serve` may be running there; choose another --port") from None


def _announce(settings: Settings, origin: str) -> None:
    from urllib.parse import urlsplit

    from pipeline.cli.output import console
    from pipeline.runs import registry_for

    fixtures = {name: site for name, site in registry_for(settings).sites.items() if site.fixture}
    console.print(f"serving the fixture sites at {origin}/ (an index of them there; Ctrl-C stops)")
    for name, site in sorted(fixtures.items()):
        for url in site.start_urls:
            console.print(f"  {name:20} {origin}{urlsplit(url).path}")
    moved = origin.rstrip("/") != settings.fixture_origin.rstrip("/")
    crawl = f"GOVNEWS_FIXTURE_ORIGIN={origin} govnews crawl" if moved else "govnews crawl"
    console.print(f"crawl them from another terminal: {crawl} {' '.join(sorted(fixtures))}")
