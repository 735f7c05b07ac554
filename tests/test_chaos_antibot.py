"""The ``antibot_one_article`` scenario of ``benchmarks.chaos``: both nights held to the target
(every good article stored once, nothing lost, memory bounded)."""

from __future__ import annotations

from benchmarks.chaos.pages import SCENARIOS


def test_one_challenged_article_loses_nothing(postgres_url: str) -> None:  # postgres_url: the server answers
    rows = SCENARIOS["antibot_one_article"]()
    assert [row.outcome.split(":")[0] for row in rows] == ["first night", "next night"]
    for row in rows:
        assert row.held, f"antibot_one_article, {row.outcome}: {row}"
