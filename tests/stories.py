"""Test inputs for dedupe, clusters and versions, built from the seeds: staged as extractions
directly (pages as records, no crawl), then deduped, loaded and reported by the real stages."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

import opencc
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pipeline import stages, store
from pipeline.clean.script import detect_script
from pipeline.fixtures.seed_sites import load_manifest
from pipeline.records import Article, RawPage
from pipeline.store.models import Base, Page

SEEDS = {f.seed[:3]: f for f in load_manifest()}
REPRINTS = "fixture-reprints"  # the second site: a media portal reprinting the seeds
T2S, S2T = opencc.OpenCC("t2s"), opencc.OpenCC("s2t")
NOW = datetime.fromisoformat("2026-11-30T02:00:00+08:00")

UNRELATED = "\n".join([
    "本報訊 昨天上午，區農業農村委組織召開秋季農作物病蟲害防治現場會，來自各鎮的農技人員參加了會議。",
    "會議通報了今年水稻、玉米等主要作物的病蟲害發生情況，稻飛蝨和稻縱捲葉螟的發生程度較去年明顯偏輕。",
    "與會人員實地察看了新浜鎮的綠色防控示範方，了解性誘劑、殺蟲燈和生物農藥的使用效果。",
    "下一步，各鎮要加強田間監測，做好統防統治服務，確保秋糧豐收到手，並做好秸稈還田和冬季深翻工作。",
])


def seed_article(seed: str, url: str | None = None, site: str | None = None) -> Article:
    fixture = SEEDS[seed]
    body = "\n".join(fixture.body)
    return make_article(url or f"http://www.{fixture.site}.gov.cn{fixture.path}", site or fixture.site,
                        fixture.title, body, fixture.published_at)


def make_article(url: str, site: str, title: str, body: str, published_at: datetime | None) -> Article:
    return Article(url=url, site=site, title=title, published_at=published_at, body=body,
                   body_simplified=T2S.convert(body), script=detect_script(body))


def cross_script(article: Article, url: str, later: timedelta = timedelta(hours=3)) -> Article:
    """The same report reprinted in the other script."""
    converter = S2T if article.script == "simplified" else T2S
    return make_article(url, REPRINTS, converter.convert(article.title), converter.convert(article.body),
                        article.published_at + later)


def edited_reprint(article: Article, url: str, share: float = 0.02, seed: int = 7) -> Article:
    """A reprint with a paragraph dropped, ``share`` of the characters changed and a credit line."""
    rng = random.Random(seed)
    paragraphs = article.body.split("\n")
    del paragraphs[rng.randrange(1, len(paragraphs))]
    chars = list("\n".join(paragraphs))
    for i in rng.sample(range(len(chars)), int(len(chars) * share)):
        chars[i] = rng.choice("的一是在不了有和人這中大為上個國我以要他時來用們生到作地於出就分對成會")
    body = "".join(chars) + "\n（來源：解放日報 記者 談燕 責任編輯：王芳）"
    return replace(make_article(url, REPRINTS, "轉載：" + article.title, body, article.published_at),
                   published_at=article.published_at + timedelta(days=1))


def stage(session: Session, run_id: str, articles: Sequence[Article]) -> None:
    """Store each article's page and staged extraction, as the crawl and extract stages would."""
    store.start_run(session, run_id, {"sites": sorted({a.site for a in articles})}, NOW)
    store.save_pages(session, run_id, [RawPage(a.url, a.site, 200, {}, a.body.encode(), NOW) for a in articles])
    page_ids = dict(session.execute(select(Page.url, Page.id)
                                    .where(Page.url.in_([a.url for a in articles]))).all())
    store.save_extractions(session, run_id, [(page_ids[a.url], stages.extraction_row(a)) for a in articles])


def run(sessions: sessionmaker[Session], run_id: str, articles: Sequence[Article]) -> dict[str, object]:
    """Stage, then the real dedupe, load and report stages, each in its own transaction."""
    with sessions.begin() as session:
        stage(session, run_id, articles)
    with sessions.begin() as session:
        stages.dedupe(session, run_id)
    with sessions.begin() as session:
        stages.load(session, run_id, NOW)
    with sessions.begin() as session:
        return stages.report(session, run_id, NOW)


def snapshot(sessions: sessionmaker[Session]) -> dict[str, list[tuple]]:
    """Every row of every table, to show that a re-run changed nothing."""
    with sessions() as session:
        return {t.name: sorted((tuple(r) for r in session.execute(select(t)).all()), key=repr)
                for t in Base.metadata.sorted_tables if t.name != "runs"}
