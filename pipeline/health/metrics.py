"""Per-site metrics of one run, from what the crawl saw and what the stages stored. Pure functions.

The fields of :class:`SiteMetrics` are the columns of the ``site_metrics`` table (its docstring in
``pipeline/store/models.py`` says what each one measures).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median, quantiles

# Fetch rejections that are not a failure of the site: a challenge (the one that blocked the site,
# or a single page's) is `blocked`, robots.txt and the request budget are our own policy.
BLOCK_REASONS = frozenset({"anti_bot_challenge", "anti_bot_page"})
POLICY_REASONS = frozenset({"robots_disallowed", "request_budget_exhausted"})
# A body shared by this many canonical URLs of one site in one run is a page template, not an article.
TEMPLATE_REPEATS = 3


@dataclass(frozen=True, slots=True)
class CrawlStats:
    """What one site's spider saw (the ``crawl_stats`` row)."""

    outcome: str
    list_pages: int
    links_found: int
    new_links: int
    requests: int
    retries: int
    latency_median_ms: float | None
    latency_p95_ms: float | None
    response_bytes: int


@dataclass(frozen=True, slots=True)
class ArticleFacts:
    """What the metrics need of one extracted article (not its text)."""

    canonical_url: str
    has_title: bool
    has_date: bool
    has_source: bool
    date_source: str  # "" when unknown or undated
    body_chars: int
    body_hash: str
    flags: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class SiteMetrics:
    run_id: str
    site: str
    run_started_at: datetime
    measured_at: datetime
    crawl_outcome: str | None = None
    list_pages: int | None = None
    links_found: int | None = None
    new_links: int | None = None
    requests: int | None = None
    retries: int | None = None
    latency_median_ms: float | None = None
    latency_p95_ms: float | None = None
    pages: int = 0
    new_articles: int = 0
    versions: int = 0
    extracted: int = 0
    rejections: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    fetch_errors: int = 0
    blocked_pages: int = 0
    extract_rejects: int = 0
    error_rate: float | None = None
    reject_rate: float | None = None
    title_fill: float | None = None
    date_fill: float | None = None
    source_fill: float | None = None
    date_sources: Mapping[str, float] = field(default_factory=dict)
    body_chars_median: int | None = None
    mojibake_rate: float | None = None
    boilerplate_rate: float | None = None


def latency_summary(seconds: Sequence[float]) -> tuple[float | None, float | None]:
    """Median and 95th percentile of download latencies, in milliseconds."""
    if not seconds:
        return None, None
    p95 = quantiles(seconds, n=20, method="inclusive")[-1] if len(seconds) > 1 else seconds[0]
    return round(median(seconds) * 1000, 1), round(p95 * 1000, 1)


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def measure(
    run_id: str, site: str, run_started_at: datetime, measured_at: datetime, *,
    crawl: CrawlStats | None, counts: Mapping[str, int], rejections: Mapping[str, Mapping[str, int]],
    articles: Sequence[ArticleFacts],
) -> SiteMetrics:
    """One site's metrics of a run: ``counts`` of pages, new_articles and versions, ``rejections``
    as ``{stage: {reason: count}}``, and the articles extracted in the run."""
    fetch = rejections.get("fetch", {})
    fetch_errors = sum(n for reason, n in fetch.items() if reason not in BLOCK_REASONS | POLICY_REASONS)
    extract_rejects = sum(rejections.get("extract", {}).values())
    list_pages = crawl.list_pages if crawl else 0
    pages, extracted = counts.get("pages", 0), len(articles)
    crawled = {
        "crawl_outcome": crawl.outcome, "list_pages": crawl.list_pages, "links_found": crawl.links_found,
        "new_links": crawl.new_links, "requests": crawl.requests, "retries": crawl.retries,
        "latency_median_ms": crawl.latency_median_ms, "latency_p95_ms": crawl.latency_p95_ms,
    } if crawl else {}
    return SiteMetrics(
        run_id=run_id, site=site, run_started_at=run_started_at, measured_at=measured_at, **crawled,
        pages=pages, new_articles=counts.get("new_articles", 0), versions=counts.get("versions", 0), extracted=extracted,
        rejections={stage: dict(reasons) for stage, reasons in rejections.items()},
        fetch_errors=fetch_errors, blocked_pages=sum(fetch.get(reason, 0) for reason in BLOCK_REASONS),
        extract_rejects=extract_rejects,
        error_rate=share(fetch_errors, list_pages + pages + fetch_errors),
        reject_rate=share(extract_rejects, extracted + extract_rejects),
        **article_measures(articles),
    )


def date_source_key(article: ArticleFacts) -> str:
    """The key of ``date_sources``: the source, "unknown" for a date of unrecorded source, "none"."""
    if not article.has_date:
        return "none"
    return article.date_source or "unknown"


def article_measures(articles: Sequence[ArticleFacts]) -> dict[str, object]:
    """Fill rates, date sources, median length, flag and template rates of the extracted articles."""
    n = len(articles)
    if not n:
        return {"date_sources": {}}
    sources = Counter(date_source_key(a) for a in articles)
    urls_by_body: dict[str, set[str]] = {}
    for article in articles:
        urls_by_body.setdefault(article.body_hash, set()).add(article.canonical_url)
    templated = sum(len(urls_by_body[a.body_hash]) >= TEMPLATE_REPEATS for a in articles)
    return {
        "title_fill": sum(a.has_title for a in articles) / n,
        "date_fill": sum(a.has_date for a in articles) / n,
        "source_fill": sum(a.has_source for a in articles) / n,
        "date_sources": {source: count / n for source, count in sorted(sources.items())},
        "body_chars_median": int(median(a.body_chars for a in articles)),
        "mojibake_rate": sum("mojibake" in a.flags for a in articles) / n,
        "boilerplate_rate": templated / n,
    }
