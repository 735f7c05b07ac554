"""Script detection and conversion to Simplified."""

from __future__ import annotations

import pytest

from pipeline.clean.script import detect_script, to_simplified


@pytest.mark.parametrize(
    ("text", "script"),
    [
        pytest.param(
            "4月2日下午,区委常委(扩大)会、区第二季度党政负责干部例会暨区疫情防控领导小组会议在长三角G60科创走廊召开",
            "simplified",
            id="seed-000",
        ),
        pytest.param("李強:化危為機 只爭朝夕 走出向上向好節奏", "traditional", id="seed-001-title"),
        pytest.param("市委副書記、市長龔正部署四季度經濟社會發展重點工作。", "traditional", id="seed-003"),
        pytest.param(
            "市委副書記、市長龔正部署四季度經濟社會發展重點工作。区委书记程向民主持会议并讲话。", "mixed", id="both"
        ),
        pytest.param("2020年4月7日", "simplified", id="no-script-specific-characters"),
        pytest.param("", "simplified", id="empty"),
    ],
)
def test_detect_script(text: str, script: str) -> None:
    assert detect_script(text) == script


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "李強:化危為機 只爭朝夕 走出向上向好節奏", "李强:化危为机 只争朝夕 走出向上向好节奏", id="seed-001-title"
        ),
        pytest.param(
            "市委季度工作會議今天下午(10月9日)舉行。", "市委季度工作会议今天下午(10月9日)举行。", id="seed-003"
        ),
        pytest.param(
            "会上,程向民与台积电(中国)有限公司", "会上,程向民与台积电(中国)有限公司", id="simplified-unchanged"
        ),
    ],
)
def test_to_simplified(text: str, expected: str) -> None:
    assert to_simplified(text) == expected
