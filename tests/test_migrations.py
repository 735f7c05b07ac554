"""The migrations build exactly the schema the models describe, and revision 0004 rebuilds the
near-duplicate index in both directions without losing a row, on the real PostgreSQL server."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, select, text
from sqlalchemy.engine import Engine

from benchmarks.common import throwaway_database
from pipeline import store
from pipeline.dedupe import canonical_url
from pipeline.store.engine import alembic_config
from pipeline.store.models import Base, StoryMember
from tests.stories import REPRINTS, cross_script, make_article, run, seed_article, snapshot


def _schema_differences(engine: Engine) -> list[object]:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_the_migrations_build_the_schema_of_the_models(backend: str, postgres_url: str, tmp_path: Path) -> None:
    url = postgres_url if backend == "postgresql" else f"sqlite:///{tmp_path / 'govnews.db'}"
    engine = store.make_engine(url)
    store.migrate(engine)
    assert _schema_differences(engine) == []
    engine.dispose()


def _migrate(engine: Engine, revision: str) -> None:
    with engine.begin() as connection:
        config = alembic_config(connection)
        (command.upgrade if revision == "head" else command.downgrade)(config, revision)


def test_band_keys_migration_rebuilds_the_same_index_both_ways() -> None:
    with throwaway_database("govnews_migration") as url:
        sessions = store.session_factory(url)
        seed = seed_article("000")
        run(sessions, "seeds-1", [seed_article(s) for s in ("000", "001", "003")])
        before = snapshot(sessions)
        assert len(before["story_bands"]) == 3 * 20
        engine = sessions.kw["bind"]

        _migrate(engine, "0003")
        # Going down drops the tables later revisions made (with their rows): compare the others.
        kept = set(inspect(engine).get_table_names()) & set(before)
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT band, hash, member_id FROM story_bands")).all()
        assert len(rows) == len(before["story_bands"]) and {band for band, _, _ in rows} == set(range(20))

        _migrate(engine, "head")
        assert {t: table for t, table in snapshot(sessions).items() if t in kept} == {t: before[t] for t in kept}
        # The rebuilt index still finds a reprint of a story stored before the migrations.
        run(sessions, "reprints-1", [cross_script(seed, "http://news.example.com/sh/traditional-000.html"),
                                     make_article("http://news.example.com/sh/other.html", REPRINTS, "其他",
                                                  "完全不同的一篇文章，讲的是秋季农作物病虫害防治。", None)])
        with sessions() as session:
            clusters = dict(session.execute(select(StoryMember.canonical_url, StoryMember.cluster_id)).all())
        assert clusters["http://news.example.com/sh/traditional-000.html"] == clusters[canonical_url(seed.url)]
        assert clusters["http://news.example.com/sh/other.html"] != clusters[canonical_url(seed.url)]
        engine.dispose()


def test_metadata_sources_migration_keeps_rows_both_ways() -> None:
    """0005 adds the list page's title and date to pages and the title/date sources to articles."""
    from dataclasses import replace
    from datetime import date

    from pipeline.records import RawPage

    with throwaway_database("govnews_migration") as url:
        sessions = store.session_factory(url)
        article = replace(seed_article("000"), title_source="meta", date_source="label")
        run(sessions, "seeds-1", [article])
        with sessions.begin() as session:
            store.save_pages(session, "seeds-1", [RawPage(article.url, article.site, 200, {}, b"<html></html>",
                                                          article.published_at, listed_title="标题",
                                                          listed_date=date(2020, 4, 7))])
        engine = sessions.kw["bind"]

        _migrate(engine, "0004")
        with engine.connect() as connection:
            columns = {row[1] for row in connection.execute(text(
                "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public'"))}
            assert not columns & {"title_source", "date_source", "listed_title", "listed_date"}
            assert connection.execute(text("SELECT count(*) FROM articles")).scalar() == 1

        _migrate(engine, "head")
        with engine.connect() as connection:
            assert connection.execute(text("SELECT title_source, date_source FROM articles")).one() == ("", "")
            assert connection.execute(text("SELECT listed_title, listed_date FROM pages")).one() == (None, None)
        engine.dispose()
