"""One Settings object, read once at the edge (environment prefix ``GOVNEWS_``)."""

from __future__ import annotations

import os
import re
from functools import cached_property
from importlib.util import find_spec
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILTIN_REGISTRY = Path(__file__).resolve().parent / "registry.yaml"
FIXTURE_REGISTRY = PROJECT_ROOT / "seeds" / "sites.yaml"
DEFAULT_DATABASE_URL = "sqlite:///govnews.db"  # the embedded default: a file in the working directory
DB_RETRY_SECONDS = 120.0  # long enough for a server restart or a fail-over


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GOVNEWS_", extra="ignore")

    database_url: str = Field(
        default=DEFAULT_DATABASE_URL,
        description="the articles database: postgresql://USER@HOST:PORT/DATABASE, or sqlite:///PATH "
        "(the SQLite file govnews.db in the working directory when unset)",
    )
    db_retry_seconds: float = Field(default=DB_RETRY_SECONDS, ge=0, description="How long a stage keeps trying again "
                                    "(backing off from 0.5 s to 8 s) when the database connection is lost or "
                                    "refused, before it fails; 0: fail at once.")
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
    block_after_challenges: int = Field(default=3, ge=1, description="Article pages answering with an anti-bot "
                                        "challenge in a row (no good page between) after which a site is blocked "
                                        "and its crawl stops; a challenged list page blocks it at once.")
    request_budget: int = Field(default=2000, ge=1, description="Requests per site per run at most; "
                                "a registry entry may set its own.")
    max_page_mb: float = Field(default=10.0, gt=0, description="Largest page body, in MB, after decompression: "
                               "a larger one (or a gzip bomb) is refused as too_large.")

    shard_size: int = Field(default=100, ge=1, le=1000, description="Sites per crawl task of the nightly run: "
                            "one Scrapy process crawls them all at once (200 sites: about 300 MB).")
    slice_size: int = Field(default=5000, ge=1, description="Staged articles per dedupe task and per load "
                            "task of the nightly run (ranges of canonical URLs, done in parallel).")
    keep_days: int | None = Field(default=None, ge=0, description="Retention: after each nightly run, remove the "
                                  "raw bodies older than this many days that are no article's latest fetch. "
                                  "Unset: keep every raw page.")

    dedupe_threshold: float = Field(default=0.5, gt=0, le=1, description="Estimated Jaccard similarity "
                                    "of two bodies' 5-character shingles from which they are one story.")

    health_window: int = Field(default=14, ge=3, description="Earlier runs of a site its health baseline "
                               "(median and MAD of each measure) is taken from.")
    health_min_history: int = Field(default=5, ge=2, description="Earlier runs a site needs before a drift "
                                    "check judges it (blocked needs none).")
    health_quiet_nights: int = Field(default=3, ge=1, description="Runs in a row without a new link before "
                                     "no_new_links, for a site that usually has some.")
    health_callback: str = Field(default="", description="'module:function' called with the Airflow context "
                                 "when the nightly health task fails because a site newly broke.")

    @field_validator("database_url")
    @classmethod
    def _usable_database_url(cls, url: str) -> str:
        return database_url(url)

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


_URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<rest>.*)$", re.DOTALL)
POSTGRES_SCHEMES = ("postgres", "postgresql", "postgresql+psycopg2")
SQLITE_SCHEMES = ("sqlite", "sqlite+pysqlite")
URL_FORMS = "postgresql://USER@HOST:PORT/DATABASE or sqlite:///PATH"


def database_url(url: str) -> str:
    """A database URL as people write it, in the one form every part of govnews uses.

    ``postgres://``, ``postgresql://`` and ``postgresql+psycopg2://`` all mean psycopg2, the driver
    installed with govnews (SQLAlchemy 2.1 would map ``postgresql://`` to psycopg 3); a relative
    SQLite path is made absolute, so the crawl process, which runs elsewhere, opens the same file.
    A ValueError says what is wrong with any other URL.
    """
    match = _URL.match(url.strip())
    if not match:
        raise ValueError(f"{masked(url)!r} is not a database URL; write {URL_FORMS}")
    scheme, rest = match["scheme"].lower(), match["rest"]
    if scheme in POSTGRES_SCHEMES:
        return f"postgresql+psycopg2://{rest}"
    if scheme in SQLITE_SCHEMES:
        return f"sqlite:///{_absolute(rest[1:])}" if rest.startswith("/") and rest != "/" else f"sqlite://{rest}"
    if scheme.startswith(("postgresql+", "postgres+")):
        driver = scheme.partition("+")[2]
        state = "is installed, but govnews loads through psycopg2" if find_spec(driver) else "is not installed"
        raise ValueError(f"{scheme}:// asks for the driver {driver}, which {state}; write postgresql://… "
                         "instead: govnews uses psycopg2, installed with it")
    raise ValueError(f"govnews stores articles in PostgreSQL or SQLite, not {scheme}; write {URL_FORMS}")


def _absolute(path_and_query: str) -> str:
    path, mark, query = path_and_query.partition("?")
    if not path or path == ":memory:" or path.startswith("/"):
        return path_and_query
    return f"{Path(path).absolute()}{mark}{query}"


def masked(url: str) -> str:
    """A URL fit to print: its password replaced by ***."""
    return re.sub(r"(://[^:/@\s]*):[^@/\s]*@", r"\1:***@", url)
