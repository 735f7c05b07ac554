"""Pinyin glosses: removed only after a Han character and only when tone-marked."""

from __future__ import annotations

import pytest

from pipeline.clean.pinyin import count_pinyin, strip_pinyin


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param("領(lǐng)導(dǎo)", "領導", id="two-glosses"),
        pytest.param(
            "市新冠肺炎疫情防控工作領(lǐng)導(dǎo)小組今天上午舉行擴(kuò)大會(huì)議",
            "市新冠肺炎疫情防控工作領導小組今天上午舉行擴大會議",
            id="seed-002-line-1",
        ),
        pytest.param(
            "(來(lái)源:鹽阜大眾報(bào)報(bào)業(yè)集團(tuán))", "(來源:鹽阜大眾報報業集團)", id="seed-004-credit"
        ),
        pytest.param("全部評(píng)論", "全部評論", id="seed-002-comments"),
        pytest.param("会议(huì)", "会议", id="falling-tone"),
        pytest.param("女(nǚ)士", "女士", id="u-umlaut"),
        pytest.param("領（lǐng）導", "領導", id="full-width-brackets"),
    ],
)
def test_glosses_are_removed(line: str, expected: str) -> None:
    assert strip_pinyin(line) == expected


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("程向民在区委常委(扩大)会、区第二季度党政负责干部例会", id="seed-000-han-in-brackets"),
        pytest.param("程向民与台积电(中国)有限公司、尼西半导体科技(上海)有限公司", id="seed-000-company-names"),
        pytest.param("全县实现生产总值(GDP)1102284万元", id="bench-012-acronym"),
        pytest.param("疫情防控(2020)", id="year"),
        pytest.param("北京(Beijing)", id="english-word"),
        pytest.param("连(lian)", id="toneless-pinyin"),
        pytest.param("(lǐng)开头", id="no-han-before"),
        pytest.param("Copyright ? 2016 Kankanews.com Inc. All Rights Reserved.", id="seed-002-footer"),
    ],
)
def test_real_parentheses_stay(line: str) -> None:
    assert strip_pinyin(line) == line
    assert count_pinyin(line) == 0
