"""Mojibake: lost characters and mis-decoded bytes are counted, clean Chinese text is not."""

from __future__ import annotations

import json

import pytest

from pipeline.clean.mojibake import count_mojibake
from tests.conftest import BENCHMARK

HEADLINE = "发布时间来源上海市松江区人民政府"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("全力落實航班專場???、分流專用通道", id="seed-002-question-marks"),
        pytest.param("把行\ufffd\ufffd", id="replacement-characters"),
        pytest.param(HEADLINE.encode("utf-8").decode("gbk", "replace"), id="utf8-read-as-gbk"),
        pytest.param(HEADLINE.encode("utf-8").decode("latin-1"), id="utf8-read-as-latin1"),
        pytest.param(HEADLINE.encode("gbk").decode("utf-8", "replace"), id="gbk-read-as-utf8"),
        pytest.param("锟斤拷锟斤拷", id="kunjinkao"),
    ],
)
def test_damage_is_counted(text: str) -> None:
    assert count_mojibake(text) > 0


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("Copyright ? 2016 Kankanews.com Inc.", id="seed-002-single-question-mark"),
        pytest.param("你知道吗?这是真的", id="ascii-question-mark"),
        pytest.param("市委副書記、市長龔正部署四季度經濟社會發展重點工作。", id="seed-003-traditional"),
        pytest.param("4月2日下午,区委常委(扩大)会", id="seed-000"),
    ],
)
def test_clean_text_is_not_flagged(text: str) -> None:
    assert count_mojibake(text) == 0


def gold_bodies() -> list[object]:
    if not (BENCHMARK / "gold").is_dir():
        return [
            pytest.param(
                None,
                id="benchmark-absent",
                marks=pytest.mark.skip(f"no extraction benchmark at {BENCHMARK}; set GOVNEWS_BENCHMARK"),
            )
        ]
    return [
        pytest.param("\n".join(json.loads(path.read_text(encoding="utf-8"))["body"]), id=path.stem)
        for path in sorted((BENCHMARK / "gold").glob("*.json"))
    ]


@pytest.mark.parametrize("body", gold_bodies())
def test_gold_bodies_are_clean(body: str) -> None:
    assert count_mojibake(body) == 0
