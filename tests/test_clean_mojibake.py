"""Mojibake: lost characters and mis-decoded bytes are counted, clean Chinese text is not."""

from __future__ import annotations

import pytest

from pipeline.clean.mojibake import count_mojibake
from tests.conftest import benchmark_gold

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


@pytest.mark.parametrize("gold", benchmark_gold())
def test_gold_bodies_are_clean(gold: dict) -> None:
    assert count_mojibake("\n".join(gold["body"])) == 0
