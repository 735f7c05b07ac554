"""One Settings object, read once at the edge (environment prefix ``GOVNEWS_``)."""

from __future__ import annotations

import os
from functools import cached_property
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILTIN_REGISTRY = Path(__file__).resolve().parent / "registry.yaml"
FIXTURE_REGISTRY = PROJECT_ROOT / "seeds" / "sites.yaml"
DEFAULT_DATABASE_URL = "sqlite:///govnews.db"  # the embedded default: a file in the working directory


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVNEWS_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="SQLAlchemy URL of the articles database; SQLite file when unset.",
    )
    registry: str = Field(
        default="",
        description=f"Extra registry files ({os.pathsep}-separated) read after the built-in ones; "
        "an entry replaces a built-in entry of the same name.",
    )
    builtin_registry: bool = Field(
        default=True,
        description="Read pipeline/registry.yaml first; false: only the files named in 'registry'.",
    )
    fixture_origin: str = Field(
        default="http://127.0.0.1:8765",
        description="Where the fixture site is served (fills ${FIXTURE_ORIGIN} in registry files).",
    )
    user_agent: str = "govnews/0.1 (+https://github.com/govnews/govnews; {contact})"
    download_timeout: float = Field(default=30.0, gt=0)
    contact: str = Field(
        default="crawler@govnews.invalid",
        description="E-mail or URL where site operators reach whoever runs the crawl; sent in the "
        "user agent. Set it to your own before crawling real sites.",
    )
    concurrency_per_host: int = Field(default=2, ge=1, le=2, description="Parallel requests per host.")
    crawl_delay: float = Field(default=1.0, ge=0, description="Seconds between requests to a host "
                               "(AutoThrottle's start and floor); a registry entry may raise it.")
    backoff_max: float = Field(default=60.0, gt=0, description="Longest delay between requests to a "
                               "host after repeated failures (retries double it from 1 s).")
    request_budget: int = Field(default=2000, ge=1, description="Requests per site per run at most; "
                                "a registry entry may set its own.")

    shard_size: int = Field(default=100, ge=1, le=1000, description="Sites per crawl task of the nightly run: "
                            "one Scrapy process crawls them all at once (200 sites: about 300 MB).")
    keep_days: int | None = Field(default=None, ge=0, description="Retention: after each nightly run, remove the "
                                  "raw bodies older than this many days that are no article's latest fetch. "
                                  "Unset: keep every raw page.")

    dedupe_threshold: float = Field(default=0.5, gt=0, le=1, description="Estimated Jaccard similarity "
                                    "of two bodies' 5-character shingles from which they are one story.")

    @property
    def agent(self) -> str:
        """The user agent sent: the project's name with the contact address filled in."""
        return self.user_agent.replace("{contact}", self.contact)

    @cached_property
    def registry_paths(self) -> list[Path]:
        extra = [Path(p) for p in self.registry.split(os.pathsep) if p]
        builtin = (BUILTIN_REGISTRY, FIXTURE_REGISTRY) if self.builtin_registry else (FIXTURE_REGISTRY,)
        return [path for path in builtin if path.exists()] + extra

    @property
    def registry_variables(self) -> dict[str, str]:
        return {"FIXTURE_ORIGIN": self.fixture_origin.rstrip("/")}


def sqlalchemy_url(uri: str) -> str:
    """A connection URI as Airflow renders it (``postgres://``) in the form SQLAlchemy 2 accepts."""
    scheme, _, rest = uri.partition("://")
    if scheme in ("postgres", "postgresql"):
        return f"postgresql+psycopg2://{rest}"
    return uri
