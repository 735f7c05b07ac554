"""A small archive for the archive's page tests, filled by the real stages: two sites, a story
reprinted in the other script, a corrected article (two versions), a hostile title, a rejection."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.corpus import Corpus
from pipeline import store
from pipeline.health.drift import Alert, OpenAlert
from pipeline.store import health
from pipeline.records import Attachment, Rejected
from pipeline.store.models import Article, Run, SiteMetrics
from tests.stories import NOW, cross_script, make_article, run, seed_article

HOSTILE_TITLE = '<script>alert("title")</script>松江召开防汛工作会议'
HOSTILE_BODY = '防汛工作会议要求各镇做好汛期值守。<img src=x onerror=alert("body")>\n会议部署了防汛物资储备和排涝泵站检修工作。'
HOSTILE_URL = "http://www.songjiang.gov.cn/a/flood.html"
REPRINT_URL = "http://news.example.com/sh/traditional-000.html"
DATE_ALERT = "3 of 4 articles have no date (usually all are dated)"
CORRECTION = "\n（更正：本文第二段中的日期有誤，已於次日更正。）"


@dataclass(frozen=True)
class Archive:
    seed: int  # seed 000 (a reprint of it is in its story cluster)
    reprint: int
    corrected: int  # seed 001, re-crawled with a correction: two versions
    hostile: int


def _started(sessions: sessionmaker[Session], run_id: str, when: datetime) -> None:
    """Date a run (and its health measurements) back to the night it stands for."""
    with sessions.begin() as session:
        session.execute(update(Run).where(Run.run_id == run_id).values(started_at=when))
        session.execute(update(SiteMetrics).where(SiteMetrics.run_id == run_id).values(run_started_at=when))


def _earlier_nights(sessions: sessionmaker[Session], nights: int = 6) -> None:
    """A week of Songjiang's news before the runs below, a few articles a night, for the charts."""
    corpus = Corpus(seed=5)  # unrelated bodies of 800-3,000 characters: each its own story
    for night in range(nights):
        run_id = f"night-{night}"
        run(sessions, run_id, [
            make_article(f"http://www.songjiang.gov.cn/a/{night}-{i}.html", "fixture-songjiang",
                         f"松江区第{night}夜第{i}条新闻", corpus.base(night * 10 + i).body, NOW - timedelta(days=9 - night))
            for i in range(1 + night % 4)])
        _started(sessions, run_id, NOW - timedelta(days=9 - night))


def fill(sessions: sessionmaker[Session]) -> Archive:
    _earlier_nights(sessions)
    seed, corrected = seed_article("000"), seed_article("001")
    hostile = replace(make_article(HOSTILE_URL, "fixture-songjiang", HOSTILE_TITLE, HOSTILE_BODY, NOW),
                      title_source="heading", date_source="label",
                      attachments=(Attachment("防汛预案.pdf", "javascript:alert('attachment')"),
                                   Attachment("排涝泵站名单.xls", "http://www.songjiang.gov.cn/a/pumps.xls")))
    run(sessions, "crawl-1", [seed, corrected, cross_script(seed, REPRINT_URL), hostile])
    with sessions.begin() as session:
        store.save_rejections(session, "crawl-1", [Rejected("http://www.songjiang.gov.cn/a/wall.html",
                                                            "fixture-songjiang", "fetch", "anti_bot_challenge",
                                                            '<b>412</b> $_ts challenge')])
    run(sessions, "crawl-2", [make_article(corrected.url, corrected.site, corrected.title,
                                           corrected.body + CORRECTION, corrected.published_at)])
    _started(sessions, "crawl-1", NOW - timedelta(days=1))
    with sessions.begin() as session:
        [(latest, _)] = health.latest_health(session, ["fixture-songjiang"])  # an alert open after it
        health.save_alerts(session, latest.run_id, {"fixture-songjiang": [OpenAlert(
            "fixture-songjiang", latest.run_id, Alert("date_fill_drop", DATE_ALERT), True, latest.run_id, NOW)]})
    with sessions() as session:
        ids = dict(session.execute(select(Article.url, Article.id)).all())
    return Archive(ids[seed.url], ids[REPRINT_URL], ids[corrected.url], ids[HOSTILE_URL])
