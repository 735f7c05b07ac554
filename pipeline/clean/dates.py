"""Chinese date expressions to aware datetimes in Asia/Shanghai.

Year-less dates (``4月2日``) are common in lead paragraphs; they are resolved against a
reference date the caller passes in (the fetch time), never against the clock.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

_CN_DIGITS = {c: i for i, c in enumerate("〇一二三四五六七八九")} | {"零": 0, "○": 0, "Ｏ": 0}
_CN = "〇○Ｏ零一二三四五六七八九十"
_CLOCK = r"(?:[\sT-]*(?P<hour>\d{1,2})[:：时時](?P<minute>\d{1,2})(?:[:：分](?P<second>\d{1,2}))?)?"
_NUMERIC = re.compile(
    r"(?<!\d)(?P<year>(?:19|20)\d{2})\s*(?:[-/.]|年)\s*(?P<month>\d{1,2})\s*(?:[-/.]|月)\s*"
    r"(?P<day>\d{1,2})(?!\d)\s*日?" + _CLOCK
)
_CHINESE = re.compile(rf"(?P<year>[{_CN}]{{4}})年(?P<month>[{_CN}]{{1,2}})月(?P<day>[{_CN}]{{1,3}})日")
_YEARLESS = re.compile(r"(?<![\d年])(?P<month>\d{1,2})月(?P<day>\d{1,2})[日号]" + _CLOCK)


def _cn_number(text: str) -> int | None:
    """``二〇二〇`` digit by digit; ``二十七`` and ``十`` by place value; ``None`` if neither."""
    if "十" not in text:
        return int("".join(str(_CN_DIGITS[c]) for c in text))
    tens, _, units = text.partition("十")
    if len(tens) > 1 or len(units) > 1:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[units] if units else 0)


def _build(day: date, match: re.Match[str]) -> datetime:
    groups = match.groupdict()
    clock = time(0, 0)
    if groups.get("hour") is not None:
        hour, minute = int(groups["hour"]), int(groups["minute"])
        second = int(groups["second"] or 0)
        if hour < 24 and minute < 60 and second < 60:
            clock = time(hour, minute, second)
    return datetime.combine(day, clock, tzinfo=SHANGHAI)


def _safe_date(year: int | None, month: int | None, day: int | None) -> date | None:
    if year is None or month is None or day is None:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _resolve_year(month: int, day: int, reference: date) -> date | None:
    """The latest such day not after the reference: news reports on what already happened."""
    candidate = _safe_date(reference.year, month, day)
    if candidate is not None and candidate <= reference:
        return candidate
    return _safe_date(reference.year - 1, month, day)


def _day(match: re.Match[str], reference: date | None) -> date | None:
    if match.re is _YEARLESS:
        return _resolve_year(int(match["month"]), int(match["day"]), reference) if reference else None
    if match.re is _CHINESE:
        return _safe_date(*(_cn_number(match[key]) for key in ("year", "month", "day")))
    return _safe_date(int(match["year"]), int(match["month"]), int(match["day"]))


def parse_date(text: str, reference: date | None = None) -> datetime | None:
    """The first valid date written in ``text``, full forms before year-less ones, which are
    read only when a reference is given."""
    for pattern in (_NUMERIC, _CHINESE, _YEARLESS):
        for match in pattern.finditer(text):
            day = _day(match, reference)
            if day:
                return _build(day, match)
    return None


# Dates in article URLs, by CMS family and news-site habit; each gives (year, month, day).
_URL_DATES = (
    re.compile(r"/t((?:19|20)\d\d)(\d\d)(\d\d)_\d+"),  # TRS: /202607/t20260718_1.html
    re.compile(r"/art/((?:19|20)\d\d)/(\d{1,2})/(\d{1,2})/"),  # Hanweb: /art/2022/1/20/art_1_2.html
    re.compile(r"/((?:19|20)\d\d)-(\d\d)/(\d\d)/"),  # /2019-06/03/content_5397093.htm
    re.compile(r"/((?:19|20)\d\d)-(\d\d)-(\d\d)/"),  # /2024-05-10/doc-x.shtml
    re.compile(r"/((?:19|20)\d\d)/(\d\d)/?(\d\d)/"),  # /2024/05/10/ and /n1/2024/0510/
    re.compile(r"/((?:19|20)\d\d)(\d\d)/(\d\d)/"),  # /202405/10/
    re.compile(r"/((?:19|20)\d\d)(\d\d)(\d\d)/"),  # /20240510/
)


def url_date(url: str) -> date | None:
    """The publication day an article URL carries, in the forms CMSs and news sites write it."""
    for pattern in _URL_DATES:
        for match in pattern.finditer(url):
            found = _safe_date(*(int(part) for part in match.groups()))
            if found:
                return found
    return None


def date_prefix(text: str) -> int:
    """Length of the full date (with year) that ``text`` starts with; 0 when it starts otherwise."""
    match = _NUMERIC.match(text) or _CHINESE.match(text)
    return match.end() if match else 0
