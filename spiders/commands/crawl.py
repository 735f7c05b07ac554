"""``scrapy crawl generic -a site=NAME``: Scrapy's crawl command, with the generic spider's site checked
first, so a missing or unknown site is a usage error (the usage text, exit 2) instead of a traceback."""

from __future__ import annotations

import argparse

from scrapy.commands.crawl import Command as ScrapyCrawl
from scrapy.exceptions import UsageError

from pipeline.sites import RegistryFileError, SiteError, load_registry
from spiders.spiders.generic import GenericSpider


class Command(ScrapyCrawl):
    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        if args[:1] == [GenericSpider.name]:
            check_site(opts.spargs.get("site"), self.settings)
        super().run(args, opts)


def check_site(name: str | None, settings) -> None:  # type: ignore[no-untyped-def]
    if not name:
        raise UsageError("the generic spider crawls one registry site: scrapy crawl generic -a site=NAME "
                         "(`govnews sites list` shows the names)", print_help=False)
    try:
        load_registry(settings.getlist("GOVNEWS_REGISTRY_PATHS"),
                      settings.getdict("GOVNEWS_REGISTRY_VARIABLES")).get(name)
    except (SiteError, RegistryFileError) as error:
        raise UsageError(str(error), print_help=False) from None
