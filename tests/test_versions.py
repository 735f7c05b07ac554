"""A page re-crawled with a changed body becomes a new version of the same article."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pipeline import store
from pipeline.store.models import Article, ArticleVersion, StoryMember
from tests.stories import NOW, S2T, make_article, run, seed_article, snapshot

CORRECTION = "\n（更正：本文第二段中的日期有誤，已於次日更正。）"


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    return store.session_factory(database_url)


def corrected(article):
    return make_article(article.url, article.site, article.title, article.body + CORRECTION, article.published_at)


def test_changed_recrawl_adds_a_version_and_keeps_the_old_body(sessions) -> None:
    original = seed_article("001")
    run(sessions, "crawl-1", [original])
    with sessions() as session:
        first_id = session.scalar(select(Article.id))
    summary = run(sessions, "crawl-2", [corrected(original)])
    with sessions() as session:
        article = session.scalar(select(Article))
        versions = session.scalars(select(ArticleVersion)).all()
        assert article.id == first_id, "a new version is the same article, not a new row"
        assert article.version == 2 and article.body.endswith(CORRECTION.strip())
        assert [(v.version, v.body, v.run_id) for v in versions] == [(1, original.body, "crawl-2")]
        assert versions[0].seen_at == NOW and versions[0].superseded_at == NOW
        member = session.scalar(select(StoryMember))
        assert member.body_hash == article.body_hash, "the dedupe index must hold the newest body"
    assert summary["sites"][original.site]["versions"] == 1
    assert summary["sites"][original.site]["articles"] == 0


def test_unchanged_recrawl_adds_nothing(sessions) -> None:
    original = seed_article("003")
    run(sessions, "crawl-1", [original])
    run(sessions, "crawl-2", [corrected(original)])
    before = snapshot(sessions)
    summary = run(sessions, "crawl-3", [corrected(original)])
    after = snapshot(sessions)
    for table in ("articles", "article_versions", "story_members", "story_bands", "story_clusters"):
        assert after[table] == before[table], f"an unchanged re-crawl changed {table}"
    assert summary["sites"][original.site]["versions"] == 0


def respaced(article):
    """The same text with other punctuation and spacing: full-width commas, spaces, blank lines."""
    body = article.body.replace(",", "，").replace("。", "。 ").replace("\n", "\n\n")
    return make_article(article.url, article.site, article.title, body, article.published_at)


def in_traditional(article):
    """The same report republished in Traditional script (its Simplified copy is the same text)."""
    return make_article(article.url, article.site, S2T.convert(article.title), S2T.convert(article.body),
                        article.published_at)


@pytest.mark.parametrize("change", [respaced, in_traditional], ids=["spacing", "script"])
def test_spacing_or_script_changes_are_not_a_new_version(sessions, change) -> None:
    """The body is compared by the hash of its normalized Simplified text."""
    original = seed_article("000")
    changed = change(original)
    assert changed.body != original.body and original.script == "simplified"
    assert changed.script == ("traditional" if change is in_traditional else "simplified")
    run(sessions, "crawl-1", [original])
    summary = run(sessions, "crawl-2", [changed])
    with sessions() as session:
        assert session.scalar(select(Article.version)) == 1
        assert session.scalars(select(ArticleVersion)).all() == []
    assert summary["sites"][original.site]["versions"] == 0
