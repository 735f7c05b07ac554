"""extract() on the five fixture pages, rendered in-process from the seeds (no HTTP needed), each
twice: as the fixture sites serve it, and with its page chrome inside the body div (/inline), where
only the line rules of the extractor keep the chrome out."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest

from pipeline.clean.pinyin import strip_pinyin
from pipeline.extract import extract
from pipeline.fixtures.seed_sites import FixtureArticle, build_pages, chrome_inside, load_manifest
from pipeline.records import Article, RawPage

ARTICLES = load_manifest() + chrome_inside(load_manifest())
PAGES = build_pages(ARTICLES)


def normalize(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", strip_pinyin(text)).split())


@pytest.fixture(scope="module", params=ARTICLES,
                ids=[article.seed[:3] + ("-inline" if article.inline else "") for article in ARTICLES])
def case(request: pytest.FixtureRequest) -> tuple[FixtureArticle, Article]:
    fixture: FixtureArticle = request.param
    served = PAGES[fixture.path]
    raw = RawPage(
        url=f"http://127.0.0.1{fixture.path}",
        site=fixture.site,
        status=200,
        headers={"content-type": served.content_type},
        body=served.body,
        fetched_at=datetime(2026, 11, 1, tzinfo=UTC),
    )
    result = extract(raw)
    assert isinstance(result, Article), f"{fixture.seed}: rejected as {result}"
    return fixture, result


def test_metadata(case: tuple[FixtureArticle, Article]) -> None:
    fixture, article = case
    assert (article.title, article.published_at, article.source) == (
        fixture.title,
        fixture.published_at,
        fixture.source,
    )


def test_every_body_paragraph_is_kept(case: tuple[FixtureArticle, Article]) -> None:
    fixture, article = case
    body = normalize(article.body)
    missing = [line for line in fixture.body if normalize(line) not in body]
    assert not missing, f"{fixture.seed}: body lines lost: {missing}"


def test_no_chrome_line_leaks(case: tuple[FixtureArticle, Article]) -> None:
    fixture, article = case
    body = normalize(article.body)
    leaked = [line for line in fixture.chrome if normalize(line) in body]
    assert not leaked, f"{fixture.seed}: chrome in the body: {leaked}; add a rule to pipeline/clean/rules.yaml"


def test_credits(case: tuple[FixtureArticle, Article]) -> None:
    fixture, article = case
    for field, value in fixture.credits.items():
        assert getattr(article, field) == value


def test_script_and_glosses(case: tuple[FixtureArticle, Article]) -> None:
    fixture, article = case
    assert "(lǐng)" not in article.body
    expected = "simplified" if fixture.seed.startswith("000") else "traditional"
    assert article.script == expected
