"""The load stage: one server-side merge; unchanged rows are not rewritten; SQLite works too."""

from __future__ import annotations

from sqlalchemy import select, text

from pipeline import stages, store
from pipeline.store.models import Article, StoryMember
from tests.stories import NOW, SEEDS, cross_script, run, seed_article, snapshot


def test_unchanged_reload_rewrites_no_row(database_url: str) -> None:
    sessions = store.session_factory(database_url)
    run(sessions, "load-1", [seed_article(s) for s in SEEDS])
    versions = "SELECT id, xmin::text FROM articles ORDER BY id"
    with sessions() as session:
        before = session.execute(text(versions)).all()
    with sessions.begin() as session:
        stages.load(session, "load-1", NOW)
    with sessions() as session:
        assert session.execute(text(versions)).all() == before, "an unchanged row was written again (dead tuple)"


def test_the_embedded_sqlite_default_dedupes_and_loads(tmp_path) -> None:
    sessions = store.session_factory(f"sqlite:///{tmp_path / 'govnews.db'}")
    original = seed_article("002")
    copy = cross_script(original, "http://news.example.com/yc/copy.html")
    summary = run(sessions, "sqlite-1", [original, seed_article("004"), copy])
    with sessions() as session:
        clusters = dict(session.execute(select(StoryMember.canonical_url, StoryMember.cluster_id)).all())
        linked = dict(session.execute(select(Article.canonical_url, Article.duplicate_of_id)).all())
        ids = dict(session.execute(select(Article.canonical_url, Article.id)).all())
    assert clusters[copy.url] == clusters[original.url] != clusters[seed_article("004").url]
    assert linked[copy.url] == ids[original.url], "the copy links to the original it repeats"
    assert linked[original.url] is None and linked[seed_article("004").url] is None
    assert summary["sites"]["fixture-reprints"]["cross_script"] == 1
    before = snapshot(sessions)
    run(sessions, "sqlite-2", [original, seed_article("004"), copy])
    after = snapshot(sessions)
    assert after["articles"] == before["articles"] and after["story_clusters"] == before["story_clusters"]
