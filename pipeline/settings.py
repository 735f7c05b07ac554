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
    fixture_origin: str = Field(
        default="http://127.0.0.1:8765",
        description="Where the fixture site is served (fills ${FIXTURE_ORIGIN} in registry files).",
    )
    user_agent: str = "govnews/0.1 (+https://github.com/govnews/govnews; crawler@govnews.invalid)"
    download_timeout: float = Field(default=30.0, gt=0)

    @cached_property
    def registry_paths(self) -> list[Path]:
        extra = [Path(p) for p in self.registry.split(os.pathsep) if p]
        return [path for path in (BUILTIN_REGISTRY, FIXTURE_REGISTRY) if path.exists()] + extra

    @property
    def registry_variables(self) -> dict[str, str]:
        return {"FIXTURE_ORIGIN": self.fixture_origin.rstrip("/")}
