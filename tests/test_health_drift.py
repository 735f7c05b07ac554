"""The pure core of site health: metrics of a run, and each drift check against a site's history.
The simulated history over real crawls is in test_health_nights.py."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from pipeline.health.drift import ALERTS, HealthConfig, judge, open_alerts
from pipeline.health.metrics import ArticleFacts, CrawlStats, SiteMetrics, latency_summary, measure

CONFIG = HealthConfig()
START = datetime(2026, 7, 1, 17, 30, tzinfo=UTC)
STEADY = SiteMetrics(
    run_id="", site="site", run_started_at=START, measured_at=START, crawl_outcome="complete", list_pages=1,
    links_found=10, new_links=4, requests=6, retries=0, latency_median_ms=20.0, latency_p95_ms=40.0, pages=4,
    new_articles=4, extracted=4, error_rate=0.0, reject_rate=0.0, title_fill=1.0, date_fill=1.0, source_fill=1.0,
    date_sources={"meta": 1.0}, body_chars_median=900, mojibake_rate=0.0, boilerplate_rate=0.0,
)
# What each alert sees on the night a site breaks.
BROKEN = {
    "no_new_links": {"links_found": 0, "new_links": 0, "pages": 0, "extracted": 0, "error_rate": 0.0,
                     "reject_rate": None, "date_fill": None, "body_chars_median": None},
    "body_length_drop": {"body_chars_median": 90},
    "date_fill_drop": {"date_fill": 0.0},
    "blocked": {"crawl_outcome": "blocked", "list_pages": 0, "links_found": 0, "new_links": 0, "pages": 0,
                "extracted": 0, "blocked_pages": 1, "error_rate": None, "reject_rate": None, "date_fill": None,
                "body_chars_median": None},
    "error_rate": {"pages": 1, "extracted": 1, "fetch_errors": 3, "error_rate": 0.6},
    "extraction_rejects": {"extracted": 0, "extract_rejects": 4, "reject_rate": 1.0, "date_fill": None,
                           "body_chars_median": None},
}


def night(n: int, **changes: object) -> SiteMetrics:
    return replace(STEADY, run_id=f"run-{n:02d}", run_started_at=START + timedelta(days=n), **changes)


def raised(latest: SiteMetrics, history: list[SiteMetrics]) -> set[str]:
    return {alert.name for alert in judge(latest, history, CONFIG).raised}


def test_every_alert_has_a_broken_night() -> None:
    assert set(BROKEN) == set(ALERTS)


@pytest.mark.parametrize("alert", sorted(BROKEN))
def test_each_alert_fires_on_its_break_and_only_it(alert: str) -> None:
    history = [night(n) for n in range(10)]
    assert raised(night(10), history) == set(), "a steady night raises nothing"
    assert raised(night(10, **BROKEN[alert]), history) == {alert}


@pytest.mark.parametrize("alert", sorted(set(BROKEN) - {"blocked"}))
def test_no_judgement_before_the_minimum_history(alert: str) -> None:
    short = [night(n) for n in range(CONFIG.min_history - 1)]
    assert raised(night(9, **BROKEN[alert]), short) == set()
    assert raised(night(9, **BROKEN[alert]), [*short, night(8)]) == {alert}


def test_blocked_needs_no_history() -> None:
    assert raised(night(0, **BROKEN["blocked"]), []) == {"blocked"}


def test_no_new_links_fires_on_the_kth_quiet_night_where_the_site_usually_has_some() -> None:
    history = [night(n) for n in range(10)]
    quiet = {"new_links": 0, "pages": 0, "extracted": 0, "date_fill": None, "body_chars_median": None}
    for k in range(1, CONFIG.quiet_nights):
        assert raised(night(9 + k, **quiet), history) == set(), f"quiet night {k} is not yet drift"
        history.append(night(9 + k, **quiet))
    assert raised(night(9 + CONFIG.quiet_nights, **quiet), history) == {"no_new_links"}
    usually_quiet = [night(n, **(quiet if n % 3 else {})) for n in range(10)]
    assert raised(night(10, **quiet), usually_quiet) == set()


def test_a_failure_or_two_is_not_drift() -> None:
    history = [night(n) for n in range(10)]
    assert raised(night(10, pages=1, fetch_errors=2, error_rate=2 / 4), history) == set()
    assert raised(night(10, extracted=2, extract_rejects=2, reject_rate=0.5), history) == set()
    assert raised(night(10, extracted=4, date_fill=0.5), history) == set()  # two undated of four


def test_a_noisy_site_needs_a_larger_change() -> None:
    noisy = [night(n, body_chars_median=length) for n, length in enumerate([500, 1400, 700, 1100, 450, 1300, 800])]
    assert raised(night(9, body_chars_median=300), noisy) == set()
    assert raised(night(9, body_chars_median=60), noisy) == {"body_length_drop"}


def test_an_alert_keeps_its_start_and_is_carried_over_when_the_run_cannot_judge_it() -> None:
    history = [night(n) for n in range(10)]
    broken = night(10, **BROKEN["body_length_drop"])
    first = open_alerts(broken, judge(broken, history, CONFIG), {})
    assert [(a.alert.name, a.new, a.judged) for a in first] == [("body_length_drop", True, True)]
    again = night(11, **BROKEN["body_length_drop"])
    second = open_alerts(again, judge(again, [*history, broken], CONFIG), {"body_length_drop": first[0]})
    assert [(a.run_id, a.since_run_id, a.new, a.judged) for a in second] == [("run-11", "run-10", False, True)]
    nothing = night(12, extracted=0, body_chars_median=None, date_fill=None)  # a night without articles
    carried = open_alerts(nothing, judge(nothing, history, CONFIG), {"body_length_drop": second[0]})
    assert [(a.run_id, a.since_run_id, a.judged) for a in carried] == [("run-12", "run-10", False)]
    healed = night(13)
    assert open_alerts(healed, judge(healed, history, CONFIG), {"body_length_drop": carried[0]}) == ()


def facts(n: int, **changes: object) -> list[ArticleFacts]:
    base = ArticleFacts("", True, True, True, "meta", 800, "", frozenset())
    return [replace(base, canonical_url=f"http://a.test/{i}", body_hash=f"h{i}", **changes) for i in range(n)]


def test_measure_rates_sources_and_templates() -> None:
    articles = [
        *facts(4),
        *facts(2, has_date=False, date_source=""),
        replace(facts(1)[0], canonical_url="http://a.test/x", date_source="", flags=frozenset({"mojibake"})),
        # One text under three URLs: a page template, not three articles.
        *(replace(f, body_hash="nav", body_chars=60, has_source=False) for f in facts(3)),
    ]
    crawl = CrawlStats("complete", 2, 30, 12, 16, 1, 12.0, 30.0, 1000)
    rejections = {"fetch": {"http_404": 1, "timeout": 1, "anti_bot_challenge": 1, "robots_disallowed": 2},
                  "extract": {"too_short": 2}}
    m = measure("r", "site", START, START, crawl=crawl, counts={"pages": 10, "new_articles": 9, "versions": 1},
                rejections=rejections, articles=articles)
    assert (m.extracted, m.fetch_errors, m.blocked_pages, m.extract_rejects) == (10, 2, 1, 2)
    assert m.error_rate == 2 / (2 + 10 + 2)  # list pages, stored pages, failures
    assert m.reject_rate == 2 / 12
    assert (m.title_fill, m.date_fill, m.source_fill) == (1.0, 0.8, 0.7)
    assert m.date_sources == {"meta": 0.7, "none": 0.2, "unknown": 0.1}
    assert (m.mojibake_rate, m.boilerplate_rate) == (0.1, 0.3)
    assert m.body_chars_median == 800
    assert (m.list_pages, m.links_found, m.new_links, m.new_articles) == (2, 30, 12, 9)


def test_measure_without_crawl_or_articles_leaves_them_unmeasured() -> None:
    m = measure("r", "site", START, START, crawl=None, counts={}, rejections={}, articles=[])
    assert (m.new_links, m.error_rate, m.date_fill, m.body_chars_median, m.date_sources) == (None, None, None, None, {})


def test_latency_summary() -> None:
    assert latency_summary([]) == (None, None)
    assert latency_summary([0.010]) == (10.0, 10.0)
    assert latency_summary([0.001 * i for i in range(1, 101)]) == (50.5, pytest.approx(95.05, abs=0.06))
