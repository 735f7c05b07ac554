"""The extract stage over stored pages: a site's name learned from its stored <title>s, the list
page's title and date weighed, the sources stored with the staged article."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from pipeline import stages, store
from pipeline.records import SHANGHAI
from pipeline.store.models import Extraction
from tests.synthetic import PARAGRAPHS, Page, raw

SITE_NAME = " 振兴东北网"  # after a mere space: only learning tells it from the headline
HEADLINES = ["全市秋粮收购工作有序推进", "市区新增三条公交线路方便群众出行", "全市中小学开展消防安全演练",
             "市医保局优化异地就医备案服务", "城区老旧小区改造项目全部开工"]


def stored_page(index: int, headline: str, **listed: object):  # type: ignore[no-untyped-def]
    page = Page(title_tag=headline + SITE_NAME, headline="", info="", paragraphs=PARAGRAPHS)
    return raw(page, url=f"http://www.example.gov.cn/xwzx/content_{index}.html", **listed)


def test_site_names_are_learned_and_list_data_weighed(database_url: str) -> None:
    sessions = store.session_factory(database_url)
    pages = [stored_page(i, headline) for i, headline in enumerate(HEADLINES[:-1])]
    pages.append(stored_page(9, HEADLINES[-1], listed_title=HEADLINES[-1], listed_date=date(2026, 10, 20)))
    with sessions.begin() as session:
        store.start_run(session, "learn-1", {"sites": ["example"]}, pages[0].fetched_at)
        store.save_pages(session, "learn-1", pages)
    counts = stages.extract(sessions, "learn-1")
    assert counts.articles == len(HEADLINES)
    with sessions() as session:
        staged = {row.url: row for row in session.scalars(select(Extraction))}
    assert sorted(row.title for row in staged.values()) == sorted(HEADLINES), "the site's name was not learned"
    listed = staged["http://www.example.gov.cn/xwzx/content_9.html"]
    assert (listed.title_source, listed.date_source) == ("listed", "listed")
    assert listed.published_at.astimezone(SHANGHAI).date() == date(2026, 10, 20)
    others = [row for url, row in staged.items() if not url.endswith("content_9.html")]
    assert {(row.title_source, row.date_source) for row in others} == {("title", "")}
