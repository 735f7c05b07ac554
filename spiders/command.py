"""How to start a crawl process (``python -m spiders.runner``), without importing Scrapy: the
pipeline's crawl stage builds its command and environment from here."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pipeline.settings import Settings

SETTINGS_FOR_CRAWL = ("database_url", "db_retry_seconds", "registry", "builtin_registry", "fixture_origin",
                      "user_agent", "download_timeout", "contact", "concurrency_per_host", "crawl_delay",
                      "backoff_max", "block_after_challenges", "request_budget", "max_page_mb")


def crawl_command(run_id: str, sites: Sequence[str], max_pages: int | None = None,
                  recrawl_since: date | None = None) -> list[str]:
    """The arguments after ``python -m spiders.runner`` for one crawl."""
    command = ["--run-id", run_id, *sites]
    if max_pages is not None:
        command += ["--max-pages", str(max_pages)]
    if recrawl_since is not None:
        command += ["--recrawl-since", recrawl_since.isoformat()]
    return command


def crawl_env(settings: Settings) -> dict[str, str]:
    """The settings the crawl process needs, as GOVNEWS_ environment variables."""
    values = settings.model_dump(include=set(SETTINGS_FOR_CRAWL))
    return {f"GOVNEWS_{key.upper()}": str(value) for key, value in values.items()}
