"""A small archive for the archive's page tests, filled by the real stages: two sites, a story
reprinted in the other script, a corrected article (two versions), a hostile title, a rejection."""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from pipeline import store
from pipeline.records import Attachment, Rejected
from pipeline.store.models import Article
from tests.stories import NOW, cross_script, make_article, run, seed_article

HOSTILE_TITLE = '<script>alert("title")</script>松江召开防汛工作会议'
HOSTILE_BODY = '防汛工作会议要求各镇做好汛期值守。<img src=x onerror=alert("body")>\n会议部署了防汛物资储备和排涝泵站检修工作。'
HOSTILE_URL = "http://www.songjiang.gov.cn/a/flood.html"
REPRINT_URL = "http://news.example.com/sh/traditional-000.html"
CORRECTION = "\n（更正：本文第二段中的日期有誤，已於次日更正。）"


@dataclass(frozen=True)
class Archive:
    seed: int  # seed 000 (a reprint of it is in its story cluster)
    reprint: int
    corrected: int  # seed 001, re-crawled with a correction: two versions
    hostile: int


def fill(sessions: sessionmaker[Session]) -> Archive:
    seed, corrected = seed_article("000"), seed_article("001")
    hostile = replace(make_article(HOSTILE_URL, "fixture-songjiang", HOSTILE_TITLE, HOSTILE_BODY, NOW),
                      attachments=(Attachment("防汛预案.pdf", "javascript:alert('attachment')"),
                                   Attachment("排涝泵站名单.xls", "http://www.songjiang.gov.cn/a/pumps.xls")))
    run(sessions, "crawl-1", [seed, corrected, cross_script(seed, REPRINT_URL), hostile])
    with sessions.begin() as session:
        store.save_rejections(session, "crawl-1", [Rejected("http://www.songjiang.gov.cn/a/wall.html",
                                                            "fixture-songjiang", "fetch", "anti_bot_challenge",
                                                            '<b>412</b> $_ts challenge')])
    run(sessions, "crawl-2", [make_article(corrected.url, corrected.site, corrected.title,
                                           corrected.body + CORRECTION, corrected.published_at)])
    with sessions() as session:
        ids = dict(session.execute(select(Article.url, Article.id)).all())
    return Archive(ids[seed.url], ids[REPRINT_URL], ids[corrected.url], ids[HOSTILE_URL])
