"""Full-text search over the real stages' output on the real PostgreSQL server: Traditional queries
find Simplified articles, two- and four-character terms, filters, ranking, snippets, the index
kept current by the load; and the pure query functions it is built from."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from pipeline import store
from pipeline.search import QueryError, bigrams, marked, parse_query, snippet
from pipeline.store.load import load_run
from pipeline.store.search import PENDING_LIST_KB, SearchUnavailable, merge_pending, search
from tests.stories import NOW, make_article, run, seed_article, stage

ROOT = Path(__file__).resolve().parent.parent
GOVNEWS = str(Path(sys.executable).with_name("govnews"))
SIMPLIFIED = "http://www.songjiang.gov.cn/a/simplified.html"
TRADITIONAL = "http://news.example.com/hk/traditional.html"
OTHER_SITE = "http://www.example.gov.cn/a/other.html"
BODY = "\n".join([
    "区农业农村委昨天组织召开秋季农作物病虫害防治现场会，各镇农技人员参加。",
    "会议通报了水稻和玉米的病虫害发生情况，并部署绿色防控和统防统治工作。",
    "下一步要加强田间监测，确保秋粮丰收，做好秸秆还田工作。",
])


@pytest.fixture
def sessions(database_url: str) -> sessionmaker[Session]:
    return store.session_factory(database_url)


@pytest.fixture
def archive(sessions) -> sessionmaker[Session]:
    """Three articles: a Simplified one, a Traditional one on another subject, a third site's."""
    run(sessions, "crawl-1", [
        make_article(SIMPLIFIED, "fixture-songjiang", "松江召开秋季病虫害防治现场会", BODY, NOW - timedelta(days=2)),
        seed_article("001", url=TRADITIONAL, site="fixture-reprints"),
        make_article(OTHER_SITE, "fixture-yancheng", "盐城部署水稻田间管理", "盐城市部署水稻田间管理和秋粮收购工作，"
                     "要求各地加强病虫害监测，做好秋粮收购准备工作。", NOW - timedelta(days=20)),
    ])
    return sessions


def found(sessions, query: str, **filters) -> list[str]:
    with sessions() as session:
        return [hit.url for hit in search(session, parse_query(query), **filters)]


def test_a_traditional_query_finds_the_simplified_article(archive) -> None:
    assert found(archive, "病蟲害防治") == [SIMPLIFIED]  # 蟲 is the Traditional 虫
    assert set(found(archive, "秋糧")) == {SIMPLIFIED, OTHER_SITE}  # 糧: Traditional of 粮


def test_a_simplified_query_finds_the_traditional_article(archive) -> None:
    assert found(archive, "化危为机") == [TRADITIONAL]  # the article says 化危為機


def test_two_and_four_character_terms_are_found_exactly(archive) -> None:
    assert found(archive, "玉米") == [SIMPLIFIED]
    assert found(archive, "统防统治") == [SIMPLIFIED]
    # Both bigrams of 统防治 occur (统防统治, 防治), but not the term: the exact recheck drops it.
    assert found(archive, "统防治") == []
    assert found(archive, "火星") == []


def test_every_term_must_occur(archive) -> None:
    assert set(found(archive, "水稻 秋粮")) == {SIMPLIFIED, OTHER_SITE}
    assert found(archive, "水稻 现场会") == [SIMPLIFIED]


def test_site_and_date_filters(archive) -> None:
    assert found(archive, "秋粮", site="fixture-yancheng") == [OTHER_SITE]
    assert found(archive, "秋粮", since=NOW - timedelta(days=7)) == [SIMPLIFIED]
    assert found(archive, "秋粮", until=NOW - timedelta(days=7)) == [OTHER_SITE]


def test_a_title_match_ranks_first(archive) -> None:
    # Both bodies speak of 田间; only the Yancheng article has 田间管理 in its title.
    assert found(archive, "田间")[0] == OTHER_SITE


def test_hits_carry_a_highlighted_snippet(archive) -> None:
    with archive() as session:
        [hit] = search(session, parse_query("化危為機"))
    assert hit.title.startswith("李強") and hit.site == "fixture-reprints"
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["化危為機"] * len(hit.highlights)
    assert hit.highlights, "the snippet shows the match in the article's own script"


def test_the_load_keeps_the_index_current(archive) -> None:
    changed = make_article(SIMPLIFIED, "fixture-songjiang", "松江召开秋季病虫害防治现场会",
                           BODY.replace("玉米", "大豆"), NOW - timedelta(days=2))
    run(archive, "crawl-2", [changed])
    assert found(archive, "大豆") == [SIMPLIFIED]
    assert found(archive, "玉米") == []


def test_the_load_merges_the_index_entries_it_wrote(sessions) -> None:
    """The load's writes go to the index's pending list (migration 0009), which a search would read
    whole; the load merges it into the index before it ends."""
    with sessions.begin() as session:
        session.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))  # pgstatginindex
        options = session.scalar(text("SELECT reloptions FROM pg_class WHERE relname = 'ix_articles_search'"))
    assert f"gin_pending_list_limit={PENDING_LIST_KB}" in options and "fastupdate=on" in options
    pending = text("SELECT pending_tuples FROM pgstatginindex('ix_articles_search')")
    with sessions.begin() as session:
        stage(session, "crawl-1", [make_article(SIMPLIFIED, "fixture-songjiang", "松江召开秋季病虫害防治现场会", BODY,
                                                NOW - timedelta(days=2))])
    with sessions.begin() as session:
        load_run(session, "crawl-1", NOW)
        assert session.scalar(pending) > 0, "the writes went to the pending list"
        merge_pending(session)
        assert session.scalar(pending) == 0
    run(sessions, "crawl-2", [seed_article("000")])  # the load stage: writes, then merges
    with sessions() as session:
        assert session.scalar(pending) == 0
    assert found(sessions, "玉米") == [SIMPLIFIED]


def test_the_search_uses_the_index(archive) -> None:
    with archive.begin() as session:
        session.execute(text("SET LOCAL enable_seqscan = off"))  # a table of three rows would be scanned
        plan = "\n".join(session.execute(text(
            "EXPLAIN SELECT id FROM articles WHERE govnews_bigrams(title || ' ' || body_simplified) "
            "@@ CAST(:q AS tsquery)"), {"q": "'玉米'"}).scalars())
    assert "ix_articles_search" in plan, plan


def test_sqlite_says_search_needs_postgresql(tmp_path: Path) -> None:
    with store.session_factory(f"sqlite:///{tmp_path / 'govnews.db'}")() as session:
        with pytest.raises(SearchUnavailable, match="needs PostgreSQL"):
            search(session, parse_query("玉米"))
    result = subprocess.run([GOVNEWS, "search", "玉米"], capture_output=True, text=True, cwd=tmp_path,
                            env={"PATH": "/usr/bin:/bin", "GOVNEWS_DATABASE_URL": f"sqlite:///{tmp_path / 'g.db'}"})
    assert result.returncode == 2, result.stderr
    assert "error: full-text search needs PostgreSQL" in result.stderr
    assert "hint: " in result.stderr and "GOVNEWS_DATABASE_URL" in result.stderr


def test_the_command_prints_json_lines(archive, database_url: str) -> None:
    result = subprocess.run([GOVNEWS, "search", "秋糧", "--format", "json", "--site", "fixture-songjiang"],
                            capture_output=True, text=True, cwd=ROOT,
                            env={"PATH": "/usr/bin:/bin", "GOVNEWS_DATABASE_URL": database_url})
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    hit = json.loads(line)
    assert hit["url"] == SIMPLIFIED and hit["site"] == "fixture-songjiang"
    assert datetime.fromisoformat(hit["published_at"]) == NOW - timedelta(days=2)
    assert [hit["snippet"][a:b] for a, b in hit["highlights"]] == ["秋粮"]


def test_the_command_prints_a_table_and_refuses_a_one_character_term(archive, database_url: str) -> None:
    env = {"PATH": "/usr/bin:/bin", "GOVNEWS_DATABASE_URL": database_url}
    result = subprocess.run([GOVNEWS, "search", "玉米"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 0 and "松江召开秋季病虫害防治现场会" in result.stdout, result.stderr
    result = subprocess.run([GOVNEWS, "search", "米"], capture_output=True, text=True, cwd=ROOT, env=env)
    assert result.returncode == 2 and "at least 2 characters" in result.stderr


def test_query_terms_and_their_index_keys() -> None:
    query = parse_query("  病蟲害  GDP ")
    assert [t.forms for t in query.terms] == [("病虫害", "病蟲害"), ("gdp",)]
    assert bigrams("中华人民华人") == ["中华", "华人", "人民", "民华"]
    with pytest.raises(QueryError):
        parse_query("   ")


def test_snippet_centres_on_the_first_match_and_marks_every_one() -> None:
    body = "甲" * 300 + "玉米和玉米" + "乙" * 300
    shown, highlights = snippet(body, body, parse_query("玉米"), width=60)
    assert shown.startswith("…") and shown.endswith("…") and len(shown) == 62
    assert marked(shown, highlights, "[", "]").count("[玉米]") == 2


def test_the_index_function_makes_the_same_keys_as_the_query(archive) -> None:
    """The SQL index function and ``bigrams`` agree on a text with spaces, punctuation and Latin."""
    sample = "中华人民 共和国，GDP增长6.5%"
    with archive() as session:
        keys = set(session.scalar(text("SELECT tsvector_to_array(govnews_bigrams(:s))"), {"s": sample}))
    wanted = {b for b in bigrams(sample.lower()) if " " not in b}
    assert wanted <= keys and all(len(k) <= 2 for k in keys)
