"""Helpers of the crawl tests: the fixture farm's registry, a crawl in its own process, the rows."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pipeline import store
from pipeline.fixtures.farm import Farm
from pipeline.settings import PROJECT_ROOT, Settings
from pipeline.store.models import CrawlState, Page, Rejection
from spiders.command import crawl_env
from tests.commands import free_port


def farm_settings(settings: Settings, farm: Farm, tmp_path: Path, **changes: Any) -> Settings:
    registry = tmp_path / "farm.yaml"
    registry.write_text(farm.registry_yaml(), encoding="utf-8")
    return settings.model_copy(update={"registry": str(registry), "download_timeout": 3.0, "backoff_max": 2.0,
                                       **changes})


def crawl_process(settings: Settings, run_id: str, sites: Sequence[str], *args: str, log: Path,
                  stats: Path | None = None) -> subprocess.Popen[bytes]:
    """A crawl in its own process, logging to ``log`` (a pipe nobody reads would stall it)."""
    command = [sys.executable, "-m", "spiders.runner", "--run-id", run_id, *args, *sites]
    if stats:
        command += ["--stats", str(stats)]
    with log.open("wb") as output:
        return subprocess.Popen(command, cwd=PROJECT_ROOT, env={**os.environ, **crawl_env(settings)},
                                stdout=output, stderr=subprocess.STDOUT)


def crawl(settings: Settings, run_id: str, sites: Sequence[str], *args: str,
          tmp_path: Path | None = None) -> dict[str, dict[str, Any]]:
    """Run one crawl to its end; returns each site's Scrapy stats."""
    folder = tmp_path or Path(tempfile.mkdtemp(prefix="govnews-crawl-"))
    stats, log = folder / f"stats-{run_id}.json", folder / f"crawl-{run_id}.log"
    process = crawl_process(settings, run_id, sites, *args, log=log, stats=stats)
    process.wait()
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
    assert process.returncode == 0, f"the crawl process failed; its log ends:\n{tail}"
    return json.loads(stats.read_text(encoding="utf-8"))


def pages(settings: Settings, site: str) -> dict[str, Page]:
    with store.session_factory(settings.database_url)() as session:
        return {p.url: p for p in session.scalars(select(Page).where(Page.site == site))}


def rejections(settings: Settings, site: str) -> dict[str, Rejection]:
    with store.session_factory(settings.database_url)() as session:
        return {r.url: r for r in session.scalars(select(Rejection).where(Rejection.site == site))}


def crawl_state(settings: Settings, site: str) -> CrawlState | None:
    with store.session_factory(settings.database_url)() as session:
        return session.get(CrawlState, site)


def article_hits(farm: Farm, site: str) -> int:
    from pipeline.fixtures.farm_pages import article_index

    farm_site = next(s for s in farm.sites if s.name == site)
    return sum(n for (name, path), n in farm.hits.items() if name == site and article_index(farm_site, path) is not None)


def failing_registry(folder: Path) -> Path:
    """A registry file of two sites that fail: one unreachable (a real site's entry at a loopback
    address, refused as private_address before any connection), one broken."""
    registry = folder / "sites.yaml"
    registry.write_text(f"""
- name: unreachable
  start_urls: [http://127.0.0.1:{free_port()}/xwzx/index.html]
  article_url: 't\\d+\\.html'
- name: broken
  start_urls: [www.example.gov.cn/index.html]
  article_url: 't\\d+\\.html'
""", encoding="utf-8")
    return registry
