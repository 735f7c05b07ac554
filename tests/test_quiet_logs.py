"""A real crawl's log says what happened and nothing else: no deprecation warnings from our own
Scrapy settings or components, no password of the database it writes to."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from pipeline.fixtures.farm import Farm, FarmSite
from pipeline.settings import Settings
from tests.crawling import crawl, farm_settings, pages

ARTICLES = 45  # more than two store batches (FLUSH_EVERY = 20), so every pipeline path runs


def test_a_crawl_log_has_no_warnings_and_no_password(database_url: str, tmp_path: Path) -> None:
    password = "pw-not-for-logs"
    with_password = make_url(database_url).set(password=password).render_as_string(hide_password=False)
    with Farm([FarmSite("farm-quiet", "trs", articles=ARTICLES)]) as farm:
        settings = farm_settings(Settings(database_url=with_password, registry=""), farm, tmp_path)
        stats = crawl(settings, "quiet-1", ["farm-quiet"], tmp_path=tmp_path)
    assert stats["farm-quiet"]["item_scraped_count"] == ARTICLES
    assert len(pages(settings, "farm-quiet")) == ARTICLES
    log = (tmp_path / "crawl-quiet-1.log").read_text(encoding="utf-8")
    warnings = [line for line in log.splitlines() if "Warning" in line or "WARNING" in line]
    assert not warnings, "the crawl log has warnings:\n" + "\n".join(warnings)
    assert password not in log
