"""The whole replay against real parts: fixture sites over HTTP -> Scrapy -> extraction -> PostgreSQL."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from benchmarks.common import throwaway_database
from pipeline import store
from pipeline.clean.pinyin import strip_pinyin
from pipeline.cli.stages import run_all
from pipeline.fixtures.seed_sites import INLINE, chrome_inside, load_manifest
from pipeline.settings import Settings
from pipeline.store.models import Article, ArticleVersion, Extraction, Page, Rejection, Run
from tests.conftest import empty_database
from tests.crawling import failing_registry

FIXTURE_SITES = ["fixture-songjiang", "fixture-yancheng"]
MANIFEST = load_manifest()
# The fixture server's copies with the page chrome inside the body div, crawled as one more site.
INLINE_SITE = f"""
- name: fixture-inline
  start_urls: ["http://www.inline.fixture.test{INLINE}/songjiang/xwzx/index.html",
               "http://www.inline.fixture.test{INLINE}/yancheng/col/szyw/index.html"]
  article_url: '{INLINE}/.+/t\\d{{8}}_\\d+\\.html'
  proxy: "${{FIXTURE_ORIGIN}}"
  fixture: true
"""


def squeeze(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def table_snapshot(database_url: str) -> dict[str, list[tuple]]:
    with store.session_factory(database_url)() as session:
        return {
            model.__tablename__: [tuple(row) for row in session.execute(select(model.__table__)).all()]
            for model in (Page, Extraction, Article)
        }


@pytest.fixture
def replayed(settings: Settings) -> dict[str, object]:
    return run_all(settings, "replay-1", FIXTURE_SITES, None)


@pytest.fixture(scope="module")
def replayed_once(postgres_url: str, fixture_origin: str) -> tuple[Settings, dict[str, object]]:
    """One replay shared by the read-only checks of this module."""
    settings = Settings(database_url=empty_database(postgres_url), fixture_origin=fixture_origin, registry="")
    return settings, run_all(settings, "replay-once", FIXTURE_SITES, None)


def test_replay_loads_every_seed_article_once(replayed_once: tuple[Settings, dict[str, object]]) -> None:
    settings, replayed = replayed_once
    counts = replayed["sites"]
    assert counts["fixture-songjiang"]["articles"] == 3
    assert counts["fixture-yancheng"]["articles"] == 2
    assert replayed["failures"] == []
    with store.session_factory(settings.database_url)() as session:
        articles = session.scalars(select(Article)).all()
        duplicates = session.scalars(select(Extraction).where(Extraction.duplicate_of.is_not(None))).all()
    # List pages link articles a second time with a tracking query: recorded as URL duplicates.
    assert duplicates and all(d.duplicate_reason == "url" and "?source=share" in d.url for d in duplicates)
    assert sum(c["duplicates"] for c in counts.values()) == len(duplicates)
    assert len(articles) == len(MANIFEST), "a URL duplicate is the same article, not a second row"
    by_title = {a.title: a for a in articles}
    assert sorted(by_title) == sorted(f.title for f in MANIFEST)
    for fixture in MANIFEST:
        article = by_title[fixture.title]
        assert article.published_at == fixture.published_at, fixture.seed
        assert article.source == fixture.source, fixture.seed
        assert article.site == fixture.site


@pytest.fixture(scope="module")
def inline_replayed(fixture_origin: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """The /inline copies crawled and loaded, in a database of their own (their bodies repeat the seeds')."""
    registry = tmp_path_factory.mktemp("inline") / "inline.yaml"
    registry.write_text(INLINE_SITE, encoding="utf-8")
    with throwaway_database("govnews_inline") as url:
        settings = Settings(database_url=url, fixture_origin=fixture_origin, registry=str(registry))
        summary = run_all(settings, "inline-once", ["fixture-inline"], None)
        assert summary["sites"]["fixture-inline"]["articles"] == len(MANIFEST), summary
        yield settings


@pytest.mark.parametrize("fixture", MANIFEST + chrome_inside(MANIFEST),
                         ids=[f.seed[:3] + ("-inline" if f.inline else "") for f in MANIFEST + chrome_inside(MANIFEST)])
def test_body_has_the_paragraphs_and_none_of_the_chrome(request, fixture) -> None:  # type: ignore[no-untyped-def]
    settings = request.getfixturevalue("inline_replayed") if fixture.inline else \
        request.getfixturevalue("replayed_once")[0]
    with store.session_factory(settings.database_url)() as session:
        body = session.scalar(select(Article.body).where(Article.title == fixture.title))
    assert body is not None, f"{fixture.seed} was not loaded"
    flat = squeeze(body)
    for paragraph in fixture.body:
        assert squeeze(strip_pinyin(paragraph)) in flat, f"{fixture.seed}: paragraph lost: {paragraph[:40]}"
    for line in fixture.chrome:
        assert squeeze(line) not in flat, f"{fixture.seed}: chrome line leaked into the body: {line!r}"


def test_rerun_adds_and_changes_nothing(settings: Settings, replayed: dict[str, object]) -> None:
    before = table_snapshot(settings.database_url)
    again = run_all(settings, "replay-2", FIXTURE_SITES, None)
    assert all(counts["articles"] == 0 for counts in again["sites"].values())
    after = table_snapshot(settings.database_url)
    assert after["articles"] == before["articles"], "a re-run must leave the articles exactly as they were"
    assert len(after["pages"]) == len(before["pages"])
    assert len(after["extractions"]) == len(before["extractions"])


def test_rerunning_a_single_stage_is_idempotent(settings: Settings, replayed: dict[str, object]) -> None:
    from datetime import UTC, datetime

    from pipeline import stages

    before = table_snapshot(settings.database_url)
    sessions = store.session_factory(settings.database_url)
    stages.extract(sessions, "replay-1")
    with sessions.begin() as session:
        stages.dedupe(session, "replay-1")
    with sessions.begin() as session:
        stages.load(session, "replay-1", datetime.now(UTC))
    assert table_snapshot(settings.database_url) == before


def test_broken_and_unreachable_sites_are_reported_and_spare_the_others(settings: Settings, tmp_path) -> None:
    extra = failing_registry(tmp_path)
    summary = run_all(settings.model_copy(update={"registry": str(extra)}), "faults-1",
                      ["fixture-yancheng", "unreachable", "broken"], None)
    assert summary["sites"]["fixture-yancheng"]["articles"] == 2
    reasons = {f["site"]: f for f in summary["failures"]}
    assert reasons["unreachable"]["reason"] == "private_address"
    assert reasons["broken"]["reason"] == "bad_site_config"
    assert "site 'broken'" in reasons["broken"]["detail"]
    assert "not an absolute http(s) URL" in reasons["broken"]["detail"]
    with store.session_factory(settings.database_url)() as session:
        assert session.scalar(select(Rejection.site).where(Rejection.site == "unreachable")) == "unreachable"


def test_reextract_updates_only_what_changed(settings: Settings, replayed: dict[str, object],
                                             monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """`govnews reextract` reads the stored raw pages again: unchanged results touch nothing."""
    from sqlalchemy import update

    from pipeline.cli import main
    from pipeline.extract import EXTRACTOR_VERSION

    monkeypatch.setenv("GOVNEWS_DATABASE_URL", settings.database_url)
    before = table_snapshot(settings.database_url)
    assert main(["reextract"]) == 0
    assert table_snapshot(settings.database_url)["articles"] == before["articles"], "nothing changed"

    # A stored page whose bytes now read differently (as after an extractor fix) is updated in place.
    fixture = next(f for f in MANIFEST if f.site == "fixture-songjiang")
    sessions = store.session_factory(settings.database_url)
    with sessions.begin() as session:
        page = session.scalars(select(Page).where(Page.url.endswith(fixture.path))).one()
        old = fixture.body[0].encode("utf-8")
        session.execute(update(Page).where(Page.id == page.id)
                        .values(body=page.body.replace(old, "会议开始。".encode() + old)))
    assert main(["reextract", "--site", "fixture-songjiang"]) == 0
    with sessions() as session:
        articles = session.scalars(select(Article)).all()
        versions = session.scalars(select(ArticleVersion)).all()
        report = session.scalars(select(Run.report).where(Run.run_id.startswith("reextract__"))
                                 .order_by(Run.started_at.desc())).first()
    changed = [a for a in articles if "会议开始。" in a.body]
    assert [a.title for a in changed] == [fixture.title]
    assert all(a.extractor_version == EXTRACTOR_VERSION and a.title_source and a.date_source for a in articles)
    assert len(articles) == len(before["articles"]), "re-extraction adds no rows"
    assert [(v.article_id, "会议开始。" in v.body) for v in versions] == [(changed[0].id, False)], \
        "the previous text is kept as a version"
    assert report["sites"]["fixture-songjiang"]["updated"] == 1, "the report counts the changed article"
    assert report["sites"]["fixture-songjiang"]["versions"] == 1
