"""A simulated history through the real pipeline: seven fixture-farm sites over real HTTP, each night
publishing four articles, crawled by Scrapy, extracted, deduped, loaded and reported into PostgreSQL.
On night BREAK six of them break, each in its own way (list redesign, body loaded by a script, only a
teaser left, dates gone, an anti-bot wall, dead links). Each alert must fire on its break night and
not before, the steady site never.

Thirty stable nights more would take minutes of crawling, so the drift check is then fed stored
history rows built from the real nights' metrics (articles, crawl stats, rejections, with the night
to night variation of a real site: quiet weekends, a dead link now and then), followed by the real
metrics of the break nights: nothing may fire in 30 stable nights, each alert on its break night.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from benchmarks.common import throwaway_database
from pipeline import stages, store
from pipeline.cli import main
from pipeline.cli.stages import run_all
from pipeline.fixtures.farm import Farm, FarmSite, Fault
from pipeline.health.assess import judge_runs
from pipeline.health.drift import HealthConfig
from pipeline.health.metrics import ArticleFacts, CrawlStats, SiteMetrics, measure
from pipeline.settings import Settings
from pipeline.store import health as stored
from pipeline.store.models import CrawlStat, Run, SiteAlert
from pipeline.store.models import SiteMetrics as MetricsRow
from tests.crawling import farm_settings

NIGHTS, BREAK, PER_NIGHT, FIRST_NIGHT = 8, 7, 4, 12
STEADY = "drift-steady"
Switch = Callable[[Farm, str], None]
# site -> (CMS family, the alert its break must raise, the break switched on at night BREAK)
BREAKS: dict[str, tuple[str, str, Switch]] = {
    "drift-list": ("trs", "no_new_links", lambda farm, site: farm.redesign(site, "redesign_list")),
    "drift-script": ("trs_div", "extraction_rejects", lambda farm, site: farm.redesign(site, "script_body")),
    "drift-teaser": ("hanweb", "body_length_drop", lambda farm, site: farm.redesign(site, "teaser_body")),
    "drift-dates": ("json_api", "date_fill_drop", lambda farm, site: farm.redesign(site, "no_dates")),
    "drift-wall": ("trs_inline", "blocked", lambda farm, site: farm.set_faults(site, Fault("challenge_412",
                                                                                              on_lists=True))),
    "drift-errors": ("trs", "error_rate", lambda farm, site: farm.set_faults(site, Fault("not_found"))),
}
SITES = [STEADY, *BREAKS]


def run_id(night: int) -> str:
    return f"night-{night:02d}"


@dataclass
class History:
    settings: Settings
    registry: Path
    reports: dict[int, dict[str, Any]]  # night -> the run report

    def alerts(self, site: str) -> dict[int, dict[str, dict[str, Any]]]:
        """Night -> the site's open alerts after it, by name."""
        return {night: {a["alert"]: a for a in report["alerts"] if a["site"] == site}
                for night, report in self.reports.items()}


@pytest.fixture(scope="module")
def history(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[History]:
    articles = FIRST_NIGHT + PER_NIGHT * (NIGHTS - 1)
    families = {STEADY: "trs", **{site: family for site, (family, _, _) in BREAKS.items()}}
    farm_sites = [FarmSite(site, families[site], articles, page_size=10, unpublished=articles - FIRST_NIGHT)
                  for site in SITES]
    tmp = tmp_path_factory.mktemp("health")
    with throwaway_database("govnews_health") as url, Farm(farm_sites) as farm:
        # No break here is a slow answer: a generous time-out keeps a loaded machine's slowness
        # from reading as a broken site.
        settings = farm_settings(Settings(database_url=url, registry=""), farm, tmp, download_timeout=30.0)
        reports = {}
        for night in range(1, NIGHTS + 1):
            if night == BREAK:
                for site, (_, _, switch) in BREAKS.items():
                    switch(farm, site)
            reports[night] = run_all(settings, run_id(night), SITES, None)
            for site in SITES:
                farm.publish(site, PER_NIGHT)
        yield History(settings, Path(settings.registry), reports)


@pytest.mark.parametrize("site", sorted(BREAKS))
def test_each_alert_fires_on_its_break_night_and_not_before(history: History, site: str) -> None:
    expected = BREAKS[site][1]
    alerts = history.alerts(site)
    fired = [night for night, open_ in alerts.items() if open_]
    assert fired and fired[0] == BREAK, f"{site}: alerts by night {alerts}; {expected} should open on night {BREAK}"
    assert set(alerts[BREAK]) == {expected}, f"{site} broke one way only: {alerts[BREAK]}"
    assert alerts[BREAK][expected]["new"] and alerts[BREAK][expected]["judged"]
    later = alerts[BREAK + 1][expected]
    assert not later["new"] and later["since_run_id"] == run_id(BREAK), "the alert stays the same alert"


def test_the_steady_site_never_alerts(history: History) -> None:
    assert not any(history.alerts(STEADY).values())
    with store.session_factory(history.settings.database_url)() as session:
        judged = stored.measured_runs(session, [STEADY])[STEADY]
        last_good = {site: m.run_id for site, m in stored.last_good_runs(session, SITES).items()}
    assert judged == NIGHTS
    assert last_good == {STEADY: run_id(NIGHTS), **dict.fromkeys(BREAKS, run_id(BREAK - 1))}


def test_each_sites_crawl_is_recorded(history: History) -> None:
    with store.session_factory(history.settings.database_url)() as session:
        rows = {(r.run_id, r.site): r for r in session.scalars(select(CrawlStat))}
    assert len(rows) == NIGHTS * len(SITES), "one crawl_stats row per site and night"
    first, later = rows[(run_id(1), STEADY)], rows[(run_id(3), STEADY)]
    assert (first.new_links, later.new_links) == (FIRST_NIGHT, PER_NIGHT)
    assert first.links_found >= FIRST_NIGHT and later.list_pages >= 1 and later.outcome == "complete"
    assert later.requests >= later.list_pages + later.new_links
    assert 0 < later.latency_median_ms <= later.latency_p95_ms and later.response_bytes > 0
    assert rows[(run_id(BREAK), "drift-wall")].outcome == "blocked"
    assert rows[(run_id(BREAK), "drift-list")].links_found == 0


def test_a_steady_nights_metrics(history: History) -> None:
    with store.session_factory(history.settings.database_url)() as session:
        m = session.get(MetricsRow, (run_id(4), STEADY))
    assert (m.pages, m.new_articles, m.extracted, m.new_links) == (PER_NIGHT,) * 4
    assert (m.title_fill, m.date_fill, m.source_fill, m.error_rate, m.reject_rate) == (1.0, 1.0, 1.0, 0.0, 0.0)
    assert sum(m.date_sources.values()) == pytest.approx(1.0) and "none" not in m.date_sources
    assert 150 < m.body_chars_median < 400 and (m.mojibake_rate, m.boilerplate_rate) == (0.0, 0.0)
    with store.session_factory(history.settings.database_url)() as session:
        broken = session.get(MetricsRow, (run_id(BREAK), "drift-errors"))
    assert broken.rejections == {"fetch": {"http_404": PER_NIGHT}} and broken.fetch_errors == PER_NIGHT


def test_the_report_stores_the_alerts_and_reassessing_adds_no_rows(history: History) -> None:
    sessions = store.session_factory(history.settings.database_url)

    def snapshot() -> tuple[int, int, list[tuple[str, str, str]]]:
        with sessions() as session:
            alerts = session.execute(select(SiteAlert.run_id, SiteAlert.site, SiteAlert.since_run_id)
                                     .order_by(SiteAlert.run_id, SiteAlert.site)).all()
            return (session.scalar(select(func.count()).select_from(MetricsRow)), len(alerts),
                    [tuple(row) for row in alerts])

    with sessions() as session:
        stored_report = session.scalar(select(Run.report).where(Run.run_id == run_id(BREAK)))
    assert stored_report["alerts"] == history.reports[BREAK]["alerts"]
    before = snapshot()
    with sessions.begin() as session:
        again = stages.report(session, run_id(BREAK), datetime.now(UTC))
        stages.health(session, run_id(BREAK), datetime.now(UTC))
    assert snapshot() == before
    assert [(a["site"], a["alert"], a["new"]) for a in again["alerts"]] == \
        [(a["site"], a["alert"], a["new"]) for a in history.reports[BREAK]["alerts"]]


def test_sites_health_command(history: History, monkeypatch: pytest.MonkeyPatch,
                              capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("GOVNEWS_DATABASE_URL", history.settings.database_url)
    monkeypatch.setenv("GOVNEWS_REGISTRY", str(history.registry))
    assert main(["sites", "health", *SITES, "--format", "json"]) == 1, "open alerts: exit 1"
    rows = {row["site"]: row for row in json.loads(capsys.readouterr().out)}
    assert rows[STEADY]["status"] == "ok" and rows[STEADY]["run_id"] == run_id(NIGHTS)
    assert len(rows[STEADY]["history"]) == NIGHTS and rows[STEADY]["metrics"]["new_links"] == PER_NIGHT
    for site, (_, alert, _) in BREAKS.items():
        assert rows[site]["status"] == "alert"
        assert [(a["alert"], a["since_run_id"]) for a in rows[site]["alerts"]] == [(alert, run_id(BREAK))]
    assert main(["sites", "health", STEADY]) == 0, "no alert open on the steady site: exit 0"
    table = capsys.readouterr().out
    assert "drift-steady: recent runs" in table and run_id(1) in table
    assert main(["sites", "health", "drift-teaser"]) == 1
    assert "body_length_drop" in capsys.readouterr().out
    assert main(["sites", "health", "nowhere"]) == 2
    assert "not in the registry" in capsys.readouterr().err


# --- thirty stable nights, from the real nights' stored metrics ------------------------------------

SIMULATED, WEEKEND = 30, (5, 6)  # nights n with n % 7 in WEEKEND publish nothing


@dataclass(frozen=True)
class RealNight:
    crawl: CrawlStats
    articles: list[ArticleFacts]


def real_stable_nights(session: Any, site: str) -> list[RealNight]:
    """What the site's real stable nights (not the first, whose backlog is larger) crawled and extracted."""
    return [RealNight(stored.crawl_stats_of(session, run_id(n))[site], stored.article_facts(session, run_id(n))[site])
            for n in range(2, BREAK)]


def stable_night(rng: random.Random, real: list[RealNight], site: str, run: str, started: datetime,
                 publishes: bool) -> SiteMetrics:
    """A night with a real site's variation: a few articles (none at weekends), a dead link or a
    rejected page now and then, an undated article, bodies a third longer or a quarter shorter."""
    model = rng.choice(real)
    published = rng.randint(2, 6) if publishes else 0
    dead = int(published > 0 and rng.random() < 0.1)
    rejected = int(published - dead > 0 and rng.random() < 0.1)
    articles = []
    for i in range(published - dead - rejected):
        dated = rng.random() > 0.05
        fact = rng.choice(model.articles)
        articles.append(replace(fact, canonical_url=f"{run}/{site}/{i}", body_hash=f"{run}/{site}/{i}",
                                body_chars=int(fact.body_chars * rng.uniform(0.75, 1.33)), has_date=dated,
                                date_source=fact.date_source if dated else ""))
    rejections = {"fetch": {"http_404": dead}} if dead else {}
    if rejected:
        rejections["extract"] = {"too_short": rejected}
    crawl = replace(model.crawl, new_links=published, latency_median_ms=rng.uniform(5, 80))
    return measure(run, site, started, started, crawl=crawl, rejections=rejections, articles=articles,
                   counts={"pages": published - dead, "new_articles": len(articles), "versions": 0})


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_thirty_stable_nights_raise_nothing_and_each_break_fires_on_its_night(history: History, seed: int) -> None:
    """Stored history rows: 30 stable nights per site, then each site's real break nights (31, 32);
    a copy of the steady site stops publishing on night 31 and must alert on its Kth quiet night."""
    config = HealthConfig()
    rng = random.Random(seed)
    quiet_from, quiet_alert = SIMULATED + 1, SIMULATED + config.quiet_nights
    sessions = store.session_factory(history.settings.database_url)
    with sessions() as session:
        real = {site: real_stable_nights(session, site) for site in SITES}
        broken = {site: {m.run_id: m for m in stored.metrics_history(session, site, NIGHTS)} for site in BREAKS}
    sim = {site: f"sim{seed}-{site}" for site in [*SITES, "quiet"]}
    opened: dict[str, dict[int, set[str]]] = {site: {} for site in sim}
    for night in range(1, quiet_alert + 1):
        run, started = f"sim{seed}-night-{night:02d}", datetime(2025, 1, 1, 17, 30, tzinfo=UTC) + timedelta(days=night)
        measured = []
        for site, name in sim.items():
            if site in BREAKS and night > SIMULATED:  # the real break nights (the last one again after)
                real_night = broken[site][run_id(min(BREAK + night - SIMULATED - 1, NIGHTS))]
                measured.append(replace(real_night, run_id=run, site=name, run_started_at=started))
                continue
            publishes = night % 7 not in WEEKEND and not (site == "quiet" and night >= quiet_from)
            measured.append(stable_night(rng, real[STEADY if site == "quiet" else site], name, run, started,
                                         publishes))
        with sessions.begin() as session:
            for health in judge_runs(session, measured, config):
                site = next(s for s, name in sim.items() if name == health.metrics.site)
                opened[site][night] = {a.alert.name for a in health.alerts}
    for site, nights in opened.items():
        stable = {n: alerts for n, alerts in nights.items() if n <= SIMULATED and alerts}
        assert not stable, f"{site}: alerts on stable nights: {stable}"
    for site, (_, alert, _) in BREAKS.items():
        assert opened[site][SIMULATED + 1] == {alert}, f"{site}: {opened[site]}"
    assert [n for n, alerts in opened["quiet"].items() if alerts] == [quiet_alert]
    assert opened["quiet"][quiet_alert] == {"no_new_links"}
    assert not any(opened[STEADY].values())
