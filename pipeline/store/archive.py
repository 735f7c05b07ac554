"""What the archive's pages read (read-only): sites and their nights, a site's articles and
rejections, one article with its versions, and the run history they come from.

Per-night figures come from the runs' stored reports (new articles, pages, failures) and from the
dedupe index (``story_members.body_chars``: body lengths without reading a body), so no query here
reads article bodies except the one article shown. Each takes a ``Session`` and returns records.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pipeline.health.drift import OpenAlert
from pipeline.store import health
from pipeline.store.models import Article, ArticleVersion, Rejection, Run, StoryMember

NIGHTS = 30  # the runs the charts and the history show


@dataclass(frozen=True, slots=True)
class Night:
    """One run as one site saw it."""

    run_id: str
    started_at: datetime
    counts: dict[str, int]  # the run report's counts for the site (pages, articles, failures, ...)
    median_body_chars: int | None  # of the bodies the run indexed for the site

    @property
    def good(self) -> bool:
        """Pages came in, or nothing failed (a quiet night with no news is a good night)."""
        return self.counts.get("pages", 0) > 0 or self.counts.get("failures", 0) == 0


@dataclass(frozen=True, slots=True)
class SiteSummary:
    site: str
    articles: int
    latest_published: datetime | None
    nights: tuple[Night, ...]  # oldest first; only runs that had the site
    alerts: tuple[OpenAlert, ...] = ()  # drift alerts open after the site's latest measured run
    # The latest measured run after which no alert was open (health checks), as (run id, start).
    healthy_run: tuple[str, datetime] | None = None

    @property
    def last(self) -> Night | None:
        return self.nights[-1] if self.nights else None

    @property
    def last_good(self) -> tuple[str, datetime] | None:
        """The health checks' last good run; before any, the last run that brought pages or failed nothing."""
        if self.healthy_run is not None:
            return self.healthy_run
        night = next((n for n in reversed(self.nights) if n.good), None)
        return (night.run_id, night.started_at) if night else None


@dataclass(frozen=True, slots=True)
class ArticleLine:
    id: int
    site: str
    url: str
    title: str
    published_at: datetime | None
    script: str
    flags: list[str]
    version: int


@dataclass(frozen=True, slots=True)
class RejectionLine:
    run_id: str
    url: str
    stage: str
    reason: str
    detail: str


@dataclass(frozen=True, slots=True)
class ArticleDetail:
    article: Article
    cluster_id: int | None
    versions: tuple[ArticleVersion, ...]  # earlier bodies, oldest first
    field_sources: dict[str, str] = field(default_factory=dict)  # e.g. title -> "meta:ArticleTitle"


def recent_runs(session: Session, limit: int = NIGHTS) -> list[Run]:
    """The latest runs that have a report, oldest first."""
    runs = session.scalars(select(Run).where(Run.report.is_not(None)).order_by(Run.started_at.desc()).limit(limit))
    return list(reversed(list(runs)))


def _median_body_chars(session: Session, run_ids: Sequence[str], site: str | None) -> dict[tuple[str, str], int]:
    """Per (run, site): the median body length of what the run indexed (in the server on PostgreSQL)."""
    where = [StoryMember.run_id.in_(run_ids), *([StoryMember.site == site] if site is not None else [])]
    if session.get_bind().dialect.name == "postgresql":
        median = func.percentile_disc(0.5).within_group(StoryMember.body_chars)
        rows = session.execute(select(StoryMember.run_id, StoryMember.site, median).where(*where)
                               .group_by(StoryMember.run_id, StoryMember.site))
        return {(run_id, member_site): chars for run_id, member_site, chars in rows}
    statement = select(StoryMember.run_id, StoryMember.site, StoryMember.body_chars).where(*where)
    lengths: dict[tuple[str, str], list[int]] = {}
    for run_id, member_site, chars in session.execute(statement):
        lengths.setdefault((run_id, member_site), []).append(chars)
    # The lower median, as percentile_disc(0.5) gives it.
    return {key: sorted(values)[(len(values) - 1) // 2] for key, values in lengths.items()}


def _nights(runs: Sequence[Run], medians: dict[tuple[str, str], int], site: str) -> tuple[Night, ...]:
    return tuple(
        Night(run.run_id, run.started_at, dict(run.report["sites"][site]), medians.get((run.run_id, site)))
        for run in runs if site in (run.report or {}).get("sites", {})
    )


def site_summaries(session: Session, sites: Sequence[str]) -> list[SiteSummary]:
    """Every site of the registry and every site with articles, with its recent nights."""
    runs = recent_runs(session)
    medians = _median_body_chars(session, [r.run_id for r in runs], None)
    stored = {site: (n, latest) for site, n, latest in session.execute(
        select(Article.site, func.count(), func.max(Article.published_at)).group_by(Article.site))}
    reported = {s for run in runs for s in (run.report or {}).get("sites", {})}
    names = sorted(set(sites) | set(stored) | reported)
    alerts = {m.site: tuple(a) for m, a in health.latest_health(session)}
    good = {site: (m.run_id, m.run_started_at) for site, m in health.last_good_runs(session).items()}
    return [SiteSummary(name, *stored.get(name, (0, None)), _nights(runs, medians, name), alerts.get(name, ()),
                        good.get(name)) for name in names]


def site_summary(session: Session, site: str) -> SiteSummary:
    runs = recent_runs(session)
    medians = _median_body_chars(session, [r.run_id for r in runs], site)
    articles, latest = session.execute(
        select(func.count(), func.max(Article.published_at)).where(Article.site == site)).one()
    alerts = next((tuple(a) for _, a in health.latest_health(session, [site])), ())
    good = health.last_good_runs(session, [site]).get(site)
    return SiteSummary(site, articles, latest, _nights(runs, medians, site), alerts,
                       (good.run_id, good.run_started_at) if good else None)


def recent_articles(session: Session, site: str, limit: int = 50) -> list[ArticleLine]:
    """The site's newest articles by publish time (bodies are not read)."""
    rows = session.execute(
        select(Article.id, Article.site, Article.url, Article.title, Article.published_at, Article.script,
               Article.flags, Article.version)
        .where(Article.site == site).order_by(Article.published_at.desc().nulls_last(), Article.id.desc())
        .limit(limit))
    return [ArticleLine(*row) for row in rows]


def recent_rejections(session: Session, site: str, run_ids: Sequence[str], limit: int = 100) -> list[RejectionLine]:
    """The site's rejections in the given runs, the latest run first."""
    order = {run_id: i for i, run_id in enumerate(run_ids)}
    rows = session.execute(
        select(Rejection.run_id, Rejection.url, Rejection.stage, Rejection.reason, Rejection.detail)
        .where(Rejection.site == site, Rejection.run_id.in_(run_ids)).order_by(Rejection.id.desc()).limit(limit))
    lines = [RejectionLine(*row) for row in rows]
    return sorted(lines, key=lambda r: -order[r.run_id])


def article_detail(session: Session, article_id: int) -> ArticleDetail | None:
    article = session.get(Article, article_id)
    if article is None:
        return None
    cluster_id = session.scalar(select(StoryMember.cluster_id)
                                .where(StoryMember.canonical_url == article.canonical_url))
    versions = session.scalars(select(ArticleVersion).where(ArticleVersion.article_id == article_id)
                               .order_by(ArticleVersion.version))
    return ArticleDetail(article, cluster_id, tuple(versions), _field_sources(article))


def _field_sources(article: Article) -> dict[str, str]:
    """Where each metadata field was read from, for the columns the schema has (``title_source``, ...)."""
    names = [c.name for c in Article.__table__.columns if c.name.endswith("_source")]
    return {name.removesuffix("_source"): str(getattr(article, name)) for name in names if getattr(article, name)}
