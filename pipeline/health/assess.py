"""Measure each site of a run, judge it against the site's own history, store both.

The thin shell around the pure ``metrics`` and ``drift`` modules: reads what the stages stored,
writes ``site_metrics`` and ``site_alerts`` with upserts, so assessing a run again leaves the same rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.orm import Session

from pipeline.health.drift import HealthConfig, SiteHealth, judge, open_alerts
from pipeline.health.metrics import SiteMetrics, measure
from pipeline.store import health as stored
from pipeline.store.runs import run_counts, run_sites


def assess_run(session: Session, run_id: str, now: datetime, config: HealthConfig) -> list[SiteHealth]:
    """The health of every site the run was asked to crawl or produced rows for, by site name."""
    started = stored.run_started_at(session, run_id) or now
    counts = run_counts(session, run_id)
    added = stored.new_articles(session, run_id)
    crawls = stored.crawl_stats_of(session, run_id)
    rejections = stored.rejection_counts(session, run_id)
    articles = stored.article_facts(session, run_id)
    sites = sorted(set(run_sites(session, run_id)) | set(counts) | set(crawls) | set(rejections) | set(articles))
    return judge_runs(session, [
        measure(run_id, site, started, now, crawl=crawls.get(site),
                counts={**counts.get(site, {}), "new_articles": added.get(site, 0)},
                rejections=rejections.get(site, {}), articles=articles.get(site, []))
        for site in sites
    ], config)


def judge_runs(session: Session, measured: Sequence[SiteMetrics], config: HealthConfig) -> list[SiteHealth]:
    """Store the metrics of one run's sites, judge each against the site's stored earlier runs, and
    store the alerts open after it."""
    if not measured:
        return []
    stored.save_metrics(session, measured)
    latest = measured[0]
    sites = [m.site for m in measured]
    histories = stored.recent_metrics(session, sites, config.window + config.quiet_nights,
                                      before=(latest.run_started_at, latest.run_id))
    previous = stored.alerts_of(session, {site: runs[-1].run_id for site, runs in histories.items()})
    assessed = []
    for metrics in measured:
        history = histories.get(metrics.site, [])
        alerts = open_alerts(metrics, judge(metrics, history, config), previous.get(metrics.site, {}))
        assessed.append(SiteHealth(metrics, alerts, len(history), learning=len(history) < config.min_history))
    stored.save_alerts(session, latest.run_id, {health.metrics.site: health.alerts for health in assessed})
    return assessed
