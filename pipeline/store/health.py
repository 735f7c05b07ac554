"""Site health: each site's crawl stats, metrics and open drift alerts per run (``pipeline/health``).

Readers for the UI and the command line: :func:`latest_health` (every site's latest measured run
and its open alerts), :func:`metrics_history` (a site's runs, newest first) and
:func:`last_good_runs` (each site's latest run without an open alert).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import Session, aliased

from pipeline.health.drift import Alert, OpenAlert
from pipeline.health.metrics import ArticleFacts, CrawlStats
from pipeline.health.metrics import SiteMetrics as MetricsRecord
from pipeline.store.engine import insert_for
from pipeline.store.models import Article, CrawlStat, Extraction, Rejection, Run, SiteAlert, SiteMetrics

METRIC_FIELDS = tuple(f.name for f in fields(MetricsRecord))
_CRAWL_FIELDS = tuple(f.name for f in fields(CrawlStats))


def _upsert(session: Session, model: type, rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> None:
    if not rows:
        return
    statement = insert_for(session, model).values(list(rows))
    columns = [c for c in rows[0] if c not in keys]
    session.execute(statement.on_conflict_do_update(index_elements=list(keys),
                                                    set_={c: statement.excluded[c] for c in columns}))


def save_crawl_stats(session: Session, run_id: str, site: str, stats: CrawlStats, started_at: datetime,
                     finished_at: datetime) -> None:
    row = {"run_id": run_id, "site": site, "started_at": started_at, "finished_at": finished_at, **asdict(stats)}
    _upsert(session, CrawlStat, [row], ("run_id", "site"))


def crawl_stats_of(session: Session, run_id: str) -> dict[str, CrawlStats]:
    rows = session.scalars(select(CrawlStat).where(CrawlStat.run_id == run_id))
    return {row.site: CrawlStats(**{name: getattr(row, name) for name in _CRAWL_FIELDS}) for row in rows}


def rejection_counts(session: Session, run_id: str) -> dict[str, dict[str, dict[str, int]]]:
    """Per site, the run's rejections as ``{stage: {reason: count}}``."""
    rows = session.execute(select(Rejection.site, Rejection.stage, Rejection.reason, func.count())
                           .where(Rejection.run_id == run_id).group_by(Rejection.site, Rejection.stage, Rejection.reason))
    counts: dict[str, dict[str, dict[str, int]]] = {}
    for site, stage, reason, n in rows:
        counts.setdefault(site, {}).setdefault(stage, {})[reason] = n
    return counts


def new_articles(session: Session, run_id: str) -> dict[str, int]:
    """Per site, the rows the run added to ``articles`` (duplicates included)."""
    rows = session.execute(select(Article.site, func.count()).where(Article.first_run_id == run_id)
                           .group_by(Article.site))
    return {site: n for site, n in rows}


def article_facts(session: Session, run_id: str) -> dict[str, list[ArticleFacts]]:
    """Per site, what the metrics need of the articles the run extracted (no text is read)."""
    rows = session.execute(
        select(Extraction.site, Extraction.canonical_url, Extraction.title != "", Extraction.published_at.is_not(None),
               func.coalesce(Extraction.source, "") != "", Extraction.date_source, func.length(Extraction.body),
               Extraction.body_hash, Extraction.flags)
        .where(Extraction.run_id == run_id)
    )
    facts: dict[str, list[ArticleFacts]] = {}
    for site, url, has_title, has_date, has_source, date_source, chars, body_hash, flags in rows:
        facts.setdefault(site, []).append(ArticleFacts(url, bool(has_title), bool(has_date), bool(has_source),
                                                       date_source, chars, body_hash, frozenset(flags or ())))
    return facts


def run_started_at(session: Session, run_id: str) -> datetime | None:
    return session.scalar(select(Run.started_at).where(Run.run_id == run_id))


def save_metrics(session: Session, metrics: Sequence[MetricsRecord]) -> None:
    rows = [{name: _plain(getattr(m, name)) for name in METRIC_FIELDS} for m in metrics]
    _upsert(session, SiteMetrics, rows, ("run_id", "site"))


def _plain(value: Any) -> Any:
    """Mappings as JSON-ready dicts (nested ones too)."""
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _record(row: SiteMetrics) -> MetricsRecord:
    return MetricsRecord(**{name: getattr(row, name) for name in METRIC_FIELDS})


def _latest(session: Session, sites: Collection[str], limit: int, *conditions: Any) -> dict[str, list[MetricsRecord]]:
    """Per site (all when ``sites`` is empty), its ``limit`` latest runs meeting ``conditions``, oldest first."""
    query = select(SiteMetrics, func.row_number().over(
        partition_by=SiteMetrics.site,
        order_by=(SiteMetrics.run_started_at.desc(), SiteMetrics.run_id.desc())).label("rank")).where(*conditions)
    if sites:
        query = query.where(SiteMetrics.site.in_(list(sites)))
    ranked = query.subquery()
    row = aliased(SiteMetrics, ranked)
    found: dict[str, list[MetricsRecord]] = {}
    for metrics in session.scalars(select(row).where(ranked.c.rank <= limit)
                                   .order_by(row.site, row.run_started_at, row.run_id)):
        found.setdefault(metrics.site, []).append(_record(metrics))
    return found


def recent_metrics(session: Session, sites: Collection[str], limit: int,
                   before: tuple[datetime, str] | None = None) -> dict[str, list[MetricsRecord]]:
    """Per site (all when ``sites`` is empty), its ``limit`` last measured runs, oldest first; with
    ``before`` (a run's start and id), only the runs before that one."""
    if before is None:
        return _latest(session, sites, limit)
    started, run_id = before
    return _latest(session, sites, limit, or_(SiteMetrics.run_started_at < started,
                                              and_(SiteMetrics.run_started_at == started, SiteMetrics.run_id < run_id)))


def metrics_history(session: Session, site: str, limit: int) -> list[MetricsRecord]:
    """A site's last ``limit`` measured runs, newest first (the UI's charts, `govnews sites health SITE`)."""
    return list(reversed(recent_metrics(session, [site], limit).get(site, [])))


def measured_runs(session: Session, sites: Collection[str]) -> dict[str, int]:
    """How many runs measured each of the given sites."""
    rows = session.execute(select(SiteMetrics.site, func.count()).where(SiteMetrics.site.in_(list(sites)))
                           .group_by(SiteMetrics.site))
    return {site: n for site, n in rows}


def _open_alert(row: SiteAlert) -> OpenAlert:
    alert = Alert(row.alert, row.message, row.value, row.baseline, row.threshold)
    return OpenAlert(row.site, row.run_id, alert, row.judged, row.since_run_id, row.opened_at)


def alerts_of(session: Session, runs: Mapping[str, str]) -> dict[str, dict[str, OpenAlert]]:
    """The alerts open on each site after the given run of it (``{site: run_id}``), by name."""
    if not runs:
        return {}
    found: dict[str, dict[str, OpenAlert]] = {}
    for row in session.scalars(select(SiteAlert).where(tuple_(SiteAlert.site, SiteAlert.run_id).in_(list(runs.items())))):
        found.setdefault(row.site, {})[row.alert] = _open_alert(row)
    return found


def save_alerts(session: Session, run_id: str, alerts: Mapping[str, Sequence[OpenAlert]]) -> None:
    """The open alerts of each site (``{site: alerts}``) after the run; alerts of those sites the
    run had before and no longer has are removed, so re-judging a run leaves only its verdict."""
    for site, opened in alerts.items():
        stale = SiteAlert.__table__.delete().where(SiteAlert.run_id == run_id, SiteAlert.site == site)
        if opened:
            stale = stale.where(SiteAlert.alert.not_in([a.alert.name for a in opened]))
        session.execute(stale)
    rows = [{"run_id": run_id, "site": a.site, "alert": a.alert.name, "message": a.alert.message,
             "value": a.alert.value, "baseline": a.alert.baseline, "threshold": a.alert.threshold,
             "judged": a.judged, "since_run_id": a.since_run_id, "opened_at": a.opened_at}
            for opened in alerts.values() for a in opened]
    _upsert(session, SiteAlert, rows, ("run_id", "site", "alert"))


def latest_health(session: Session, sites: Collection[str] = ()) -> list[tuple[MetricsRecord, list[OpenAlert]]]:
    """Every measured site (or the given ones) with the metrics of its latest run and the alerts
    open after it, by site name."""
    latest = {site: runs[-1] for site, runs in recent_metrics(session, sites, 1).items()}
    alerts = alerts_of(session, {site: m.run_id for site, m in latest.items()})
    return [(m, sorted(alerts.get(site, {}).values(), key=lambda a: a.alert.name))
            for site, m in sorted(latest.items())]


def last_good_runs(session: Session, sites: Collection[str] = ()) -> dict[str, MetricsRecord]:
    """Per site, its latest measured run after which no alert was open."""
    alerted = select(SiteAlert.run_id).where(SiteAlert.run_id == SiteMetrics.run_id, SiteAlert.site == SiteMetrics.site)
    return {site: runs[-1] for site, runs in _latest(session, sites, 1, ~alerted.exists()).items()}
