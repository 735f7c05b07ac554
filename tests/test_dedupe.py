"""Exact dedupe as pure functions."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.dedupe import Candidate, Decision, body_hash, canonical_url, decide
from pipeline.records import SHANGHAI


@pytest.mark.parametrize(
    ("url", "canonical"),
    [
        pytest.param("HTTP://WWW.Songjiang.gov.cn:80/a/t1.html#top", "http://www.songjiang.gov.cn/a/t1.html",
                     id="case-port-fragment"),
        pytest.param("http://x.gov.cn/a.html?source=share&utm_medium=wx", "http://x.gov.cn/a.html",
                     id="tracking-params"),
        pytest.param("http://x.gov.cn/a.jsp?b=2&id=7&from=timeline", "http://x.gov.cn/a.jsp?b=2&id=7",
                     id="real-params-kept-sorted"),
        pytest.param("http://127.0.0.1:8765/a.html", "http://127.0.0.1:8765/a.html", id="other-port-kept"),
    ],
)
def test_canonical_url(url: str, canonical: str) -> None:
    assert canonical_url(url) == canonical


def test_body_hash_ignores_spacing_and_punctuation_width() -> None:
    assert body_hash("会议指出，要 稳就业。") == body_hash("会议指出,要稳就业.")
    assert body_hash("会议指出，要稳就业。") != body_hash("会议指出，要稳物价。")


def at(day: int) -> datetime:
    return datetime(2020, 4, day, 10, tzinfo=SHANGHAI)


def test_decide_marks_url_and_body_duplicates_earliest_first() -> None:
    candidates = [
        Candidate(3, "http://b/reprint.html", "h1", at(8)),
        Candidate(1, "http://a/t1.html", "h1", at(7)),
        Candidate(2, "http://a/t1.html", "h1", at(7)),  # the same page under a tracking URL
        Candidate(4, "http://a/t2.html", "h2", None),
    ]
    assert sorted(decide(candidates, stored={}), key=lambda d: d.key) == [
        Decision(1, None, None),
        Decision(2, "http://a/t1.html", "url"),
        Decision(3, "http://a/t1.html", "body"),
        Decision(4, None, None),
    ]


def test_decide_against_stored_originals() -> None:
    stored = {"h1": "http://old/t0.html"}
    decisions = decide([Candidate(1, "http://a/t1.html", "h1", at(7))], stored)
    assert decisions == [Decision(1, "http://old/t0.html", "body")]
