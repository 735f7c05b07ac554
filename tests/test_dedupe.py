"""Dedupe as pure functions: exact, and near (shingles, MinHash, clusters, the canonical rule)."""

from __future__ import annotations

from datetime import datetime

import pytest

from pipeline.dedupe import (
    Candidate,
    Decision,
    Member,
    body_hash,
    canonical_member,
    canonical_url,
    decide,
    merge_clusters,
    shingle_hashes,
    signatures,
    similarity,
)
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


# --- near duplicates --------------------------------------------------------------------------


def test_shingles_ignore_punctuation_width_and_case() -> None:
    a, b = signatures(["会议指出，要稳就业ABC。", "会议指出,要 稳就业ａｂｃ."])
    assert similarity(a, b) == 1.0


def test_short_bodies_are_one_shingle_each() -> None:
    hashes, offsets = shingle_hashes(["会议", "会议", "通知"], 5)
    assert list(offsets) == [0, 1, 2, 3] and hashes[0] == hashes[1] != hashes[2]


def test_merge_clusters_keeps_the_oldest_id() -> None:
    clusters = {1: 1, 2: 2, 3: 3, 4: 4}
    assert merge_clusters(clusters, [(4, 2), (3, 4)]) == {3: 2, 4: 2}
    assert merge_clusters(clusters, [(1, 1)]) == {}


@pytest.mark.parametrize(
    ("members", "expected"),
    [
        pytest.param([Member(1, "http://news.example.com/a", at(8), 900), Member(2, "http://x.gov.cn/a", at(9), 900)],
                     1, id="earliest-first"),
        pytest.param([Member(1, "http://news.example.com/a", at(8), 900), Member(2, "http://x.gov.cn/a", at(8), 900)],
                     2, id="then-government-domain"),
        pytest.param([Member(1, "http://a.gov.cn/a", at(8), 900), Member(2, "http://b.gov.cn/a", at(8), 950)],
                     2, id="then-longest-body"),
        pytest.param([Member(1, "http://a.gov.cn/a", None, 900), Member(2, "http://m.example.com/a", at(9), 10)],
                     2, id="undated-last"),
    ],
)
def test_canonical_member_rule(members: list[Member], expected: int) -> None:
    assert canonical_member(members).id == expected
