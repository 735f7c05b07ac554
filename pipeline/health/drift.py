"""The drift check: a site's latest run against its own recent runs. Pure functions.

The baseline of a measure is its median over the site's last ``window`` runs that measured it; its
spread is ``z`` times the MAD scaled to read as a standard deviation (x 1.4826). A measure alerts
when it moves past the baseline by more than the spread and by more than a floor, so a site whose
history never varies does not alert on a small change. Body length is judged on a log scale (it
varies by factors, not amounts). A check judges only once ``min_history``
earlier runs measured its value; ``blocked`` needs no history.

An alert raised again in the next run stays the same alert (its ``since_run_id`` does not move);
one the next run cannot judge (e.g. nothing was extracted) is carried over, not closed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from statistics import median

from pipeline.health.metrics import SiteMetrics

# What each alert watches: its value, baseline and threshold are in this unit.
ALERTS = {
    "no_new_links": "new article links the list pages named (links)",
    "body_length_drop": "median body length of the extracted articles (characters)",
    "date_fill_drop": "share of the extracted articles with a publication date",
    "blocked": "fetches answered with an anti-bot challenge (pages)",
    "error_rate": "share of fetches that failed after their retries",
    "extraction_rejects": "share of fetched articles that extraction rejected",
}
MAD_TO_SIGMA = 1.4826


@dataclass(frozen=True, slots=True)
class HealthConfig:
    window: int = 14  # earlier runs a baseline is taken from
    min_history: int = 5  # earlier runs that measured a value before it is judged
    quiet_nights: int = 3  # runs in a row without new links before no_new_links (K)
    z: float = 3.5  # robust z-score from which a change is drift
    min_articles: int = 3  # extracted articles a run needs for its body length and date fill to count
    min_failures: int = 3  # failed fetches, rejected or undated articles before their share can alert
    body_drop: float = 0.4  # floor: median body length at least this share below the baseline
    date_fill_drop: float = 0.25  # floor: date fill at least this much below the baseline
    rate_rise: float = 0.25  # floor: error or reject rate at least this much above the baseline
    blocked_share: float = 0.5  # share of fetches challenged from which a site is blocked


@dataclass(frozen=True, slots=True)
class Alert:
    name: str  # one of ALERTS
    message: str
    value: float | None = None
    baseline: float | None = None
    threshold: float | None = None


@dataclass(frozen=True, slots=True)
class Judgement:
    raised: tuple[Alert, ...]
    cleared: frozenset[str]  # judged and fine; an alert name in neither was not judged


@dataclass(frozen=True, slots=True)
class OpenAlert:
    """An alert open on a site after a run (a ``site_alerts`` row)."""

    site: str
    run_id: str
    alert: Alert
    judged: bool  # False: carried over from the run before, this run could not judge it
    since_run_id: str
    opened_at: datetime

    @property
    def new(self) -> bool:
        return self.since_run_id == self.run_id

    def as_report(self) -> dict[str, object]:
        """As the run report and the JSON outputs show it."""
        return {"site": self.site, "alert": self.alert.name, "message": self.alert.message, "new": self.new,
                "judged": self.judged, "value": self.alert.value, "baseline": self.alert.baseline,
                "threshold": self.alert.threshold, "since_run_id": self.since_run_id,
                "opened_at": self.opened_at.isoformat()}


@dataclass(frozen=True, slots=True)
class SiteHealth:
    metrics: SiteMetrics
    alerts: tuple[OpenAlert, ...]
    history_runs: int  # earlier runs the latest was compared with
    learning: bool  # too few of them for the checks that need a history

    @property
    def status(self) -> str:
        return "alert" if self.alerts else ("learning" if self.learning else "ok")


@dataclass(frozen=True, slots=True)
class Baseline:
    center: float
    spread: float


NOT_JUDGED: tuple[bool, Alert | None] = (False, None)
CLEAR: tuple[bool, Alert | None] = (True, None)


def baseline(values: Sequence[float], config: HealthConfig) -> Baseline | None:
    """Median and robust spread of the last ``window`` values; ``None`` with too few of them."""
    recent = list(values)[-config.window:]
    if len(recent) < config.min_history:
        return None
    center = median(recent)
    mad = median(abs(value - center) for value in recent)
    return Baseline(center, config.z * MAD_TO_SIGMA * mad)


def is_blocked(metrics: SiteMetrics, config: HealthConfig) -> bool:
    attempts = (metrics.list_pages or 0) + metrics.pages + metrics.fetch_errors + metrics.blocked_pages
    return metrics.crawl_outcome == "blocked" or (
        metrics.blocked_pages > 0 and metrics.blocked_pages >= config.blocked_share * attempts)


def _blocked(latest: SiteMetrics, history: Sequence[SiteMetrics], config: HealthConfig) -> tuple[bool, Alert | None]:
    if latest.crawl_outcome is None and not (latest.pages or latest.blocked_pages or latest.fetch_errors):
        return NOT_JUDGED
    if not is_blocked(latest, config):
        return CLEAR
    return True, Alert("blocked", f"{latest.site} answered {latest.blocked_pages} fetch(es) with an anti-bot "
                       f"challenge (crawl {latest.crawl_outcome or 'not recorded'}); `govnews sites check "
                       f"{latest.site}` names the protection: raise the site's delay in its registry entry or ask "
                       "its operators", latest.blocked_pages)


def _no_new_links(latest: SiteMetrics, history: Sequence[SiteMetrics],
                  config: HealthConfig) -> tuple[bool, Alert | None]:
    if latest.new_links is None or latest.links_found is None or is_blocked(latest, config):
        return NOT_JUDGED  # no crawl, or a wall that `blocked` reports
    crawled = [m for m in history if m.new_links is not None and m.links_found is not None]
    if latest.links_found == 0:
        return _empty_lists(latest, crawled, config)
    if latest.new_links > 0:
        return CLEAR
    return _quiet_runs(latest, crawled, config)


def _empty_lists(latest: SiteMetrics, crawled: Sequence[SiteMetrics], config: HealthConfig) -> tuple[bool, Alert | None]:
    """The lists name no article at all: not a quiet night but a broken list, so it alerts at once."""
    found = baseline([m.links_found or 0 for m in crawled], config)
    if found is None:
        return NOT_JUDGED
    if found.center == 0:
        return CLEAR
    return True, Alert("no_new_links", f"the list pages of {latest.site} named no article links (usually "
                       f"{found.center:.0f}): the list's template or URL changed, or the entry's article_url no "
                       f"longer matches; `govnews sites check {latest.site}` shows what the list yields",
                       0, found.center, 0)


def _quiet_runs(latest: SiteMetrics, crawled: Sequence[SiteMetrics], config: HealthConfig) -> tuple[bool, Alert | None]:
    """No new link in ``quiet_nights`` runs in a row (this one included), where most runs bring some."""
    split = max(len(crawled) - (config.quiet_nights - 1), 0)
    recent, usual = crawled[split:], crawled[:split][-config.window:]
    if len(recent) < config.quiet_nights - 1 or any(m.new_links for m in recent):
        return CLEAR
    if len(usual) < config.min_history:
        return NOT_JUDGED
    if sum(bool(m.new_links) for m in usual) * 2 < len(usual):
        return CLEAR  # the site is usually quiet
    typical = median(m.new_links or 0 for m in usual)
    return True, Alert("no_new_links", f"no new article links on {latest.site} for {config.quiet_nights} runs, "
                       f"where it usually has some ({typical:.0f} a run): the site may have moved its news to "
                       "another column; compare its start page with the registry entry", 0, typical, 0)


def _article_measure(latest: SiteMetrics, history: Sequence[SiteMetrics], attribute: str,
                     config: HealthConfig) -> tuple[float, list[float]] | None:
    """The latest value of a per-article measure and its earlier values, of runs with enough articles."""
    value = getattr(latest, attribute)
    if value is None or latest.extracted < config.min_articles:
        return None
    return value, [getattr(m, attribute) for m in history
                   if getattr(m, attribute) is not None and m.extracted >= config.min_articles]


def _body_length_drop(latest: SiteMetrics, history: Sequence[SiteMetrics],
                      config: HealthConfig) -> tuple[bool, Alert | None]:
    """On a log scale: lengths vary by factors from night to night, not by fixed amounts."""
    measured = _article_measure(latest, history, "body_chars_median", config)
    base = baseline([math.log(max(v, 1)) for v in measured[1]], config) if measured else None
    if measured is None or base is None:
        return NOT_JUDGED
    value, usual = measured[0], math.exp(base.center)
    threshold = math.exp(base.center - max(-math.log1p(-config.body_drop), base.spread))
    if value >= threshold:
        return CLEAR
    return True, Alert("body_length_drop", f"the median body of {latest.site}'s articles is {value:.0f} "
                       f"characters, usually {usual:.0f} (alert below {threshold:.0f}): the article template "
                       "may have changed; compare a stored page with its extraction (`govnews extract URL`)",
                       value, usual, threshold)


def _date_fill_drop(latest: SiteMetrics, history: Sequence[SiteMetrics],
                    config: HealthConfig) -> tuple[bool, Alert | None]:
    measured = _article_measure(latest, history, "date_fill", config)
    base = baseline(measured[1], config) if measured else None
    if measured is None or base is None:
        return NOT_JUDGED
    value = measured[0]
    threshold = base.center - max(config.date_fill_drop, base.spread)
    if value >= threshold or round(latest.extracted * (1 - value)) < config.min_failures:
        return CLEAR  # an undated article or two is never drift
    return True, Alert("date_fill_drop", f"{value:.0%} of {latest.site}'s articles have a date, usually "
                       f"{base.center:.0%} (alert below {threshold:.0%}): the page no longer shows its date "
                       "where it used to", value, base.center, threshold)


def _rise(name: str, value: float | None, count: int, values: Sequence[float], config: HealthConfig,
          describe: Callable[[float, Baseline, float], str]) -> tuple[bool, Alert | None]:
    """A rate that alerts when it rises, once ``count`` (its numerator) reaches ``min_failures``."""
    if value is None:
        return NOT_JUDGED
    if count < config.min_failures:
        return CLEAR  # a failure or two is never drift
    base = baseline(values, config)
    if base is None:
        return NOT_JUDGED
    threshold = base.center + max(config.rate_rise, base.spread)
    if value <= threshold:
        return CLEAR
    return True, Alert(name, describe(value, base, threshold), value, base.center, threshold)


def _error_rate(latest: SiteMetrics, history: Sequence[SiteMetrics], config: HealthConfig) -> tuple[bool, Alert | None]:
    def describe(value: float, base: Baseline, threshold: float) -> str:
        return (f"{value:.0%} of {latest.site}'s fetches failed ({latest.fetch_errors}), usually {base.center:.0%} "
                f"(alert above {threshold:.0%}); the run report lists each failure and its reason")

    values = [m.error_rate for m in history if m.error_rate is not None]
    return _rise("error_rate", latest.error_rate, latest.fetch_errors, values, config, describe)


def _extraction_rejects(latest: SiteMetrics, history: Sequence[SiteMetrics],
                        config: HealthConfig) -> tuple[bool, Alert | None]:
    def describe(value: float, base: Baseline, threshold: float) -> str:
        reasons = ", ".join(f"{reason} {n}" for reason, n in sorted(latest.rejections.get("extract", {}).items()))
        return (f"extraction rejected {value:.0%} of {latest.site}'s pages ({reasons}), usually {base.center:.0%} "
                f"(alert above {threshold:.0%}): the article template may have changed")

    values = [m.reject_rate for m in history if m.reject_rate is not None]
    return _rise("extraction_rejects", latest.reject_rate, latest.extract_rejects, values, config, describe)


CHECKS = {
    "no_new_links": _no_new_links,
    "body_length_drop": _body_length_drop,
    "date_fill_drop": _date_fill_drop,
    "blocked": _blocked,
    "error_rate": _error_rate,
    "extraction_rejects": _extraction_rejects,
}


def judge(latest: SiteMetrics, history: Sequence[SiteMetrics], config: HealthConfig) -> Judgement:
    """Each check of the latest run against ``history``: the site's earlier runs, oldest first."""
    raised, cleared = [], set()
    for name, check in CHECKS.items():
        judged, alert = check(latest, history, config)
        if alert is not None:
            raised.append(alert)
        elif judged:
            cleared.add(name)
    return Judgement(tuple(raised), frozenset(cleared))


def open_alerts(latest: SiteMetrics, judgement: Judgement, previous: Mapping[str, OpenAlert]) -> tuple[OpenAlert, ...]:
    """The site's open alerts after ``latest``: those raised (one open in the run before keeps its
    start), and those of the run before that this run could not judge."""
    opened = []
    for alert in judgement.raised:
        before = previous.get(alert.name)
        opened.append(OpenAlert(latest.site, latest.run_id, alert, True,
                                before.since_run_id if before else latest.run_id,
                                before.opened_at if before else latest.run_started_at))
    raised = {alert.name for alert in judgement.raised}
    for name, before in previous.items():
        if name not in raised and name not in judgement.cleared:
            opened.append(replace(before, run_id=latest.run_id, judged=False))
    return tuple(sorted(opened, key=lambda a: a.alert.name))
