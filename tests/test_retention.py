"""Retention: `govnews prune --keep-days N` removes old raw bodies that are no article's latest fetch,
keeps their metadata and hashes, never touches articles or versions, and re-extraction still works."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from pipeline import store
from pipeline.cli import main
from pipeline.cli.stages import run_all
from pipeline.settings import Settings
from pipeline.store.models import Article, ArticleVersion, Page
from tests.test_replay import FIXTURE_SITES, table_snapshot


def pages_by_url(database_url: str) -> dict[str, Page]:
    with store.session_factory(database_url)() as session:
        return {page.url: page for page in session.scalars(select(Page))}


def age_pages(database_url: str, days: int) -> None:
    with store.session_factory(database_url).begin() as session:
        session.execute(update(Page).values(fetched_at=datetime.now(UTC) - timedelta(days=days)))


@pytest.fixture
def replayed(settings: Settings) -> Settings:
    """The seed sites replayed: their lists also link one article with a tracking query, a page of
    its own that is a URL duplicate, so no article's latest fetch."""
    run_all(settings, "retention-1", FIXTURE_SITES, None)
    return settings


def test_prune_removes_old_bodies_that_back_no_article_and_keeps_the_rest(replayed: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = replayed.database_url
    monkeypatch.setenv("GOVNEWS_DATABASE_URL", url)
    before = table_snapshot(url)
    with store.session_factory(url)() as session:
        article_urls = set(session.scalars(select(Article.url)))
        versions = session.scalars(select(ArticleVersion)).all()
    variants = {u for u in pages_by_url(url) if u not in article_urls}
    assert variants and all("?source=share" in u for u in variants), "the replay should store URL duplicates"

    age_pages(url, 10)
    assert main(["prune", "--keep-days", "30"]) == 0
    assert all(page.body is not None for page in pages_by_url(url).values()), "nothing is 30 days old yet"

    assert main(["prune", "--keep-days", "7"]) == 0
    after = pages_by_url(url)
    assert {u for u, page in after.items() if page.body is None} == variants
    for page_url, page in after.items():
        old = next(row for row in before["pages"] if row[1] == page_url)
        assert (page.status, page.headers, page.body_sha1) == old[4:6] + old[7:8], "metadata and hash stay"
        assert (page.pruned_at is not None) == (page_url in variants)
    snapshot = table_snapshot(url)
    assert snapshot["articles"] == before["articles"], "articles are never touched"
    with store.session_factory(url)() as session:
        assert session.scalars(select(ArticleVersion)).all() == versions

    assert main(["prune", "--keep-days", "7"]) == 0
    assert table_snapshot(url)["pages"] == snapshot["pages"], "a second prune changes nothing"


def test_reextraction_after_a_prune_reads_every_article_again(replayed: Settings, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    url = replayed.database_url
    monkeypatch.setenv("GOVNEWS_DATABASE_URL", url)
    age_pages(url, 10)
    assert main(["prune", "--keep-days", "1"]) == 0
    before = table_snapshot(url)
    assert main(["reextract"]) == 0
    after = table_snapshot(url)
    assert after["articles"] == before["articles"], "re-extracting what is kept rebuilds the same articles"
    staged_pages = {row[0] for row in after["extractions"]}
    kept = {page.id for page in pages_by_url(url).values() if page.body is not None}
    assert kept <= staged_pages, "every kept page is extracted again"


def test_recent_pages_are_kept_whatever_they_are(replayed: Settings) -> None:
    with store.session_factory(replayed.database_url).begin() as session:
        pruned = store.prune_pages(session, 1, datetime.now(UTC))
    assert pruned.pages == 0 and pruned.bytes == 0


def test_prune_without_a_period_says_how_to_give_one(replayed: Settings, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("GOVNEWS_DATABASE_URL", replayed.database_url)
    monkeypatch.delenv("GOVNEWS_KEEP_DAYS", raising=False)
    assert main(["prune"]) == 2
    assert "GOVNEWS_KEEP_DAYS" in capsys.readouterr().err
    monkeypatch.setenv("GOVNEWS_KEEP_DAYS", "0")
    age_pages(replayed.database_url, 1)
    assert main(["prune"]) == 0
    assert any(page.body is None for page in pages_by_url(replayed.database_url).values())
