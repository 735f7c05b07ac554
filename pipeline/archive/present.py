"""Pure helpers of the archive's pages: a site's status, the per-night chart's geometry, a version diff."""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass

from pipeline.store.archive import NIGHTS, Night, SiteSummary

CHART_WIDTH, CHART_HEIGHT = 240, 48


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str  # the tooltip: night and figures


@dataclass(frozen=True, slots=True)
class Chart:
    """New articles per night as bars, median body length per night as a line (each to its own scale)."""

    bars: tuple[Bar, ...]
    line: str  # SVG polyline points
    most_articles: int
    longest_median: int
    width: int = CHART_WIDTH
    height: int = CHART_HEIGHT


def status(summary: SiteSummary) -> tuple[str, str]:
    """(label, kind) of a site's last night: kind is "ok", "warn" or "bad" (the page's colours)."""
    last = summary.last
    if summary.alerts:
        return f"{len(summary.alerts)} open alert{'s' if len(summary.alerts) > 1 else ''}", "bad"
    if last is None:
        return "no run yet", "warn"
    if not last.good:
        return "failed last night", "bad"
    if last.counts.get("failures", 0):
        return f"ok, {last.counts['failures']} failures", "warn"
    return "ok", "ok"


def night_chart(nights: Sequence[Night], slots: int = NIGHTS) -> Chart:
    """The last ``slots`` nights, the latest at the right edge, so every site's chart has one scale of time."""
    nights = nights[-slots:]
    most = max((n.counts.get("articles", 0) for n in nights), default=0)
    longest = max((n.median_body_chars or 0 for n in nights), default=0)
    step = CHART_WIDTH / slots
    bars, points = [], []
    for i, night in enumerate(nights, start=slots - len(nights)):
        articles = night.counts.get("articles", 0)
        height = CHART_HEIGHT * articles / most if most else 0
        label = (f"{night.started_at:%Y-%m-%d}: {articles} new articles, median body "
                 f"{night.median_body_chars if night.median_body_chars is not None else '-'} characters")
        bars.append(Bar(round(i * step + 1, 1), round(CHART_HEIGHT - height, 1), round(max(step - 2, 1), 1),
                        round(height, 1), label))
        if night.median_body_chars is not None and longest:
            y = CHART_HEIGHT - (CHART_HEIGHT - 2) * night.median_body_chars / longest
            points.append(f"{i * step + step / 2:.1f},{y:.1f}")
    return Chart(tuple(bars), " ".join(points), most, longest)


@dataclass(frozen=True, slots=True)
class DiffLine:
    kind: str  # "same" | "added" | "removed"
    text: str


def version_diff(old: str, new: str) -> list[DiffLine]:
    """Paragraph by paragraph: what a later version removed and added."""
    kinds = {" ": "same", "+": "added", "-": "removed"}
    return [DiffLine(kinds[line[0]], line[2:]) for line in difflib.ndiff(old.split("\n"), new.split("\n"))
            if line[0] in kinds]
