"""Chinese date expressions, always aware in Asia/Shanghai; year-less ones need a reference."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from pipeline.clean.dates import SHANGHAI, date_prefix, parse_date

REFERENCE = date(2020, 4, 7)


def at(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("2020年4月7日", at(2020, 4, 7), id="chinese-numerals-mixed"),
        pytest.param("发布时间:2020-04-07", at(2020, 4, 7), id="seed-000-info-line"),
        pytest.param("2020-04-07 10:00", at(2020, 4, 7, 10, 0), id="iso-with-clock"),
        pytest.param("2020/04/07", at(2020, 4, 7), id="slashes"),
        pytest.param("二〇二〇年四月七日", at(2020, 4, 7), id="chinese-digits"),
        pytest.param("二〇二〇年十二月二十七日", at(2020, 12, 27), id="chinese-tens"),
        pytest.param("2019年06月15日08:18  来源：人民网-文化频道", at(2019, 6, 15, 8, 18), id="bench-005-info-line"),
        pytest.param("2023-08-16 10:33:59", at(2023, 8, 16, 10, 33, 59), id="seconds"),
        pytest.param("2020-04-07T10:30:00+08:00", at(2020, 4, 7, 10, 30), id="meta-iso"),
        pytest.param("2020-04-07-10:30:00", at(2020, 4, 7, 10, 30), id="meta-dash-before-clock"),
        pytest.param("2020-04-07至2020-05-01", at(2020, 4, 7), id="range-starts"),
        pytest.param("4月2日下午,区委常委(扩大)会", at(2020, 4, 2), id="seed-000-yearless"),
        pytest.param("12月30日", at(2019, 12, 30), id="yearless-after-reference-is-last-year"),
        pytest.param("（2023年5月）", None, id="bench-013-month-only"),
        pytest.param("2020年2月30日", None, id="impossible-day"),
        pytest.param("游客咨询电话：58792888", None, id="bench-030-phone"),
        pytest.param("编号2020-13-45，发布于2020-04-07", at(2020, 4, 7), id="first-valid-date"),
        pytest.param("十一十二年三月", None, id="not-a-chinese-year"),
    ],
)
def test_parse_date(text: str, expected: datetime | None) -> None:
    assert parse_date(text, reference=REFERENCE) == expected


def test_yearless_date_needs_a_reference() -> None:
    assert parse_date("4月2日下午") is None


@pytest.mark.parametrize(
    ("text", "length"),
    [
        pytest.param("2019年06月15日08:18  来源：人民网", len("2019年06月15日08:18"), id="date-then-label"),
        pytest.param("2024-05-20 16:25:01", len("2024-05-20 16:25:01"), id="bench-031-timestamp"),
        pytest.param("来源：人民网 2019年06月15日", 0, id="label-first"),
    ],
)
def test_date_prefix(text: str, length: int) -> None:
    assert date_prefix(text) == length
