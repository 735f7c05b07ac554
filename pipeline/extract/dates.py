"""The publication time: candidates from the page, the URL and the list page, the best valid one.

Order of trust: a labelled date the reader sees near the headline (发布时间/发布日期/时间/日期), then the
publication meta tags, then the date in the URL, then the date the list page showed next to the
link, then a labelled date elsewhere in the text or on the page, and last htmldate's reading of
the markup. Machine-readable
dates are often not the publication date: CMS migrations rewrite meta tags, expiry and index fields
hold ``23:59:59``, broken fields print 1900 or the Unix epoch. A candidate after the fetch, before
1990 or at 23:59:59 is rejected. A date without a time of day takes the time of a later candidate
on the same day.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from lxml.etree import _Element

from pipeline.clean.dates import SHANGHAI, parse_date, url_date

EARLIEST = date(1990, 1, 1)
# A server clock a little ahead, or a page dated in its own time zone, is still plausible.
_TOLERANCE = timedelta(days=1)
# Expiry, index and "end of day" fields: never a publication time.
_PLACEHOLDER_TIMES = frozenset({time(23, 59, 59)})
# Meta tags (lower-cased name, property or itemprop) that hold the publication time, best first.
PUBLISH_METAS = (
    "pubdate", "publishdate", "firstpublishedtime", "pubtime", "publishtime", "publish_time",
    "article:published_time", "og:article:published_time", "datepublished", "og:release_date",
    "og:time", "dc.date.issued", "dc.date", "release_date", "ptime", "weibo: article:create_at",
)  # fmt: skip
_JSON_LD_PUBLISHED = re.compile(r'"datePublished"\s*:\s*"([^"]{8,40})"')
# Lines around the headline where the date line of a template sits.
_ABOVE, _BELOW = 3, 8


@dataclass(frozen=True, slots=True)
class DateCandidate:
    source: str  # "label" | "meta" | "url" | "listed" | "body" | "page" | "markup"
    when: datetime  # aware, Asia/Shanghai


def valid(when: datetime, fetched_at: datetime) -> bool:
    """Not before 1990, not after the fetch, not an expiry or index placeholder."""
    local = when.astimezone(SHANGHAI)
    return EARLIEST <= local.date() and when <= fetched_at + _TOLERANCE and local.timetz().replace(
        tzinfo=None) not in _PLACEHOLDER_TIMES


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=SHANGHAI)


def meta_dates(meta: Mapping[str, str], tree: _Element) -> list[str]:
    """The publication times the page's metadata states: meta tags, then JSON-LD."""
    values = [meta[name] for name in PUBLISH_METAS if meta.get(name)]
    for script in tree.iterfind(".//script[@type='application/ld+json']"):
        values += _JSON_LD_PUBLISHED.findall(script.text or "")
    return values


def headline_window(lines: Sequence[str], headline_index: int | None) -> Sequence[str]:
    """The lines where a template puts the date line: around the headline; none when the page does
    not show it (a date anywhere on the page is then a weak candidate, not a near one)."""
    if headline_index is None:
        return ()
    return lines[max(0, headline_index - _ABOVE) : headline_index + _BELOW]


def candidates(
    *,
    labelled: str | None,
    metas: Sequence[str],
    url: str,
    listed: date | None,
    in_body: str | None,
    on_page: str | None,
    fetched_at: datetime,
) -> list[DateCandidate]:
    """Every date the page and its crawl state, in order of trust, the invalid ones left out."""
    reference = fetched_at.astimezone(SHANGHAI).date()
    texts = [("label", labelled), *(("meta", value) for value in metas)]
    days = [("url", url_date(url)), ("listed", listed)]
    found: list[DateCandidate] = []
    for source, text in texts:
        when = parse_date(text, reference=reference) if text else None
        if when is not None:
            found.append(DateCandidate(source, when))
    found += [DateCandidate(source, _day_start(day)) for source, day in days if day is not None]
    for source, text in (("body", in_body), ("page", on_page)):
        when = parse_date(text, reference=reference) if text else None
        if when is not None:
            found.append(DateCandidate(source, when))
    return [c for c in found if valid(c.when, fetched_at)]


def choose(found: Sequence[DateCandidate]) -> DateCandidate | None:
    """The most trusted candidate, with the time of day of a later one on the same day."""
    if not found:
        return None
    best = found[0]
    if best.when.timetz().replace(tzinfo=None) == time(0):
        timed = next((c for c in found[1:] if c.when.date() == best.when.date() and c.when.time() != time(0)), None)
        if timed is not None:
            return DateCandidate(best.source, timed.when)
    return best


def markup_date(tree: _Element, url: str, fetched_at: datetime) -> DateCandidate | None:
    """htmldate's reading of the markup, for pages that state no date any other way."""
    from htmldate import find_date  # only for the few pages that need it

    latest = (fetched_at + _TOLERANCE).astimezone(SHANGHAI).date()
    found = find_date(tree, extensive_search=False, original_date=True, url=url,
                      min_date=EARLIEST.isoformat(), max_date=latest.isoformat())
    if not found:
        return None
    return DateCandidate("markup", _day_start(date.fromisoformat(found)))
