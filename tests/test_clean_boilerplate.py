"""Line rules: credits and metadata lines, page chrome, the repeated headline.

Lines come from the seed documents (verbatim, with their pinyin glosses removed) and, at test
time, from the extraction benchmark's gold answers.
"""

from __future__ import annotations

import pytest

from pipeline.clean.boilerplate import (
    clean_body,
    drop_headline,
    is_chrome,
    parse_labelled,
    read_labels,
    split_markup,
)
from tests.conftest import benchmark_gold

HEADLINE_003 = "精心組織、齊心協力完成好收官衝刺、謀篇開局任務!今天這個會議為推進四季度工作劃重點"
PARAGRAPH_003 = "市委副書記、市長龔正部署四季度經濟社會發展重點工作。"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        pytest.param(
            "发布时间:2020-04-07  来源:上海市松江区人民政府  发布开发区:上海松江经济技术开发区",
            {"published": "2020-04-07", "source": "上海市松江区人民政府"},
            id="seed-000-info-line",
        ),
        pytest.param("攝影:陳正寶", {"photographer": "陳正寶"}, id="seed-003-photographer"),
        pytest.param("編輯:林欣", {"editor": "林欣"}, id="seed-003-editor"),
        pytest.param("(來源:鹽阜大眾報報業集團)", {"source": "鹽阜大眾報報業集團"}, id="seed-004-source-in-brackets"),
        pytest.param("(责编：汤诗瑶、丁涛)", {"editor": "汤诗瑶、丁涛"}, id="bench-005-editor"),
        pytest.param("【编辑：姚昊】", {"editor": "姚昊"}, id="bench-007-editor"),
        pytest.param("(作者：方敏北京大学经济学院教授)", {"author": "方敏北京大学经济学院教授"}, id="bench-010-author"),
        pytest.param(
            "2019年06月15日08:18  来源：人民网-文化频道",
            {"published": "2019年06月15日08:18", "source": "人民网-文化频道"},
            id="bench-005-date-then-source",
        ),
        pytest.param("2024-05-20 16:25:01", {"published": "2024-05-20 16:25:01"}, id="bench-031-bare-timestamp"),
        pytest.param(
            "發布時間:2022-05-07 08:50  來源:鹽阜大眾報報業集團",
            {"published": "2022-05-07 08:50", "source": "鹽阜大眾報報業集團"},
            id="traditional-info-line",
        ),
        pytest.param(
            "2024年05月10日06:58 | 来源：人民网－人民日报",
            {"published": "2024年05月10日06:58", "source": "人民网－人民日报"},
            id="bench-019-separator",
        ),
        pytest.param("发布时间：2024年05月05日 |", {"published": "2024年05月05日"}, id="bench-029-trailing-bar"),
        pytest.param(
            "来源：人民网 2024年05月10日 08:00",
            {"source": "人民网", "published": "2024年05月10日 08:00"},
            id="date-after-a-value",
        ),
    ],
)
def test_labelled_lines_give_their_values(line: str, expected: dict[str, str]) -> None:
    assert dict(read_labels([line]).values) == expected


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("雨游黄鹤楼照样开心。城市摄影队 周斌 摄", id="bench-007-caption"),
        pytest.param("资料来源：", id="bench-013-table-note"),
        pytest.param("游客咨询电话：58792888", id="bench-030-phone-in-body"),
        pytest.param("2012年6月24日", id="bench-003-dateline-of-a-speech"),
        pytest.param("（2023年5月）", id="bench-013-month"),
        pytest.param("时间：5月17日至5月19日", id="event-time-without-year"),
        pytest.param("会议要求，各区融媒体中心要配强编辑：记者队伍，守好导向关。", id="editor-mid-sentence"),
        pytest.param("市委副書記、市長龔正部署四季度經濟社會發展重點工作。", id="seed-003-paragraph"),
        pytest.param("相关新闻发布会上，有关负责人介绍了情况。", id="related-opens-a-sentence"),
        pytest.param("根据著作权法，版权所有人有权禁止他人复制其作品。", id="copyright-discussed-in-text"),
        pytest.param("下一步，我们将继续推进复工复产。", id="next-step-is-not-a-pager"),
    ],
)
def test_body_lines_are_not_labelled(line: str) -> None:
    assert parse_labelled(line) == []
    assert not is_chrome(line)


@pytest.mark.parametrize(
    "line",
    [
        pytest.param("您现在的位置:首页 > 开发区新闻 > 松江区 > 文字新闻", id="seed-000-breadcrumb"),
        pytest.param("上一条:金塘镇创新推出“稻-油-游”农旅融合模式成效初显", id="seed-000-previous"),
        pytest.param("下一条:永乐店邀专家解读十八大精神", id="seed-000-next"),
        pytest.param("与我们联系", id="seed-000-contact-heading"),
        pytest.param("联系电话:+86-0512-53660867", id="seed-000-phone"),
        pytest.param("传  真:+86-0512-53660867", id="seed-000-fax"),
        pytest.param("邮  箱:info@investchn.com", id="seed-000-mail"),
        pytest.param(
            "Copyright © 2015-2024 InvestCHN.com All Rights Reserved. 版权所有:投促中国", id="seed-000-copyright"
        ),
        pytest.param("分享到:", id="seed-001-share"),
        pytest.param("相關文章:", id="seed-001-related"),
        pytest.param("劍網行動舉報電話:12318(市文化執法總隊)、021-64334547(市版權局)", id="seed-002-report-line"),
        pytest.param(
            "Copyright ? 2016 Kankanews.com Inc. All Rights Reserved. 看東方(上海)傳媒有限公司 版權所有",
            id="seed-002-copyright",
        ),
        pytest.param("全部評論", id="seed-002-comments"),
        pytest.param("暫無評論,快來發表你的評論吧", id="seed-002-no-comments"),
        pytest.param("【字體:大 中 小】 打印本頁 關閉窗口", id="font-size-widget"),
        pytest.param("沪ICP备12023472号-1 网站标识码:3101170001", id="icp-footer"),
        pytest.param("主办单位:上海市松江区人民政府办公室 承办单位:上海市松江区大数据中心", id="organiser-footer"),
        pytest.param("扫一扫在手机打开当前页", id="qr-code"),
        pytest.param("（完）", id="end-mark"),
        pytest.param("【字号：A+ A A-】 无障碍 长者模式", id="accessibility-widgets"),
        pytest.param(
            "新浪声明：此消息系转载自新浪合作媒体，新浪网登载此文出于传递更多信息之目的", id="repost-disclaimer"
        ),
    ],
)
def test_chrome_lines(line: str) -> None:
    assert is_chrome(line)


@pytest.mark.parametrize(
    ("lines", "expected"),
    [
        pytest.param(
            [HEADLINE_003, PARAGRAPH_003, HEADLINE_003, PARAGRAPH_003, HEADLINE_003],
            [PARAGRAPH_003, PARAGRAPH_003],
            id="seed-003-headline-repeated",
        ),
        pytest.param(
            ["精心組織、齊心協力完成好收官衝刺、謀篇開局任務!", "今天這個會議為推進四季度工作劃重點", PARAGRAPH_003],
            [PARAGRAPH_003],
            id="headline-split-over-two-lines",
        ),
        pytest.param(
            ["只爭朝夕推進四季度各項工作,精心組織、齊心協力完成好收官衝刺、謀篇開局任務", PARAGRAPH_003],
            ["只爭朝夕推進四季度各項工作,精心組織、齊心協力完成好收官衝刺、謀篇開局任務", PARAGRAPH_003],
            id="seed-003-subheading-sharing-words-stays",
        ),
        pytest.param([HEADLINE_003.replace("!", "！"), PARAGRAPH_003], [PARAGRAPH_003], id="full-width-punctuation"),
    ],
)
def test_drop_headline(lines: list[str], expected: list[str]) -> None:
    assert drop_headline(lines, HEADLINE_003) == expected


def test_seed_003_body_keeps_subheadings_and_returns_credits() -> None:
    lines = [
        HEADLINE_003,
        PARAGRAPH_003,
        "把常態化疫情防控抓得更實,確保四季度重大活動圓滿成功",
        HEADLINE_003,
        "在把握上海經濟特徵中不斷增創發展優勢",
        "攝影:陳正寶",
        "編輯:林欣",
        "分享到:",
        "相關文章:",
    ]
    cleaned = clean_body(lines, HEADLINE_003)
    assert cleaned.lines == (
        PARAGRAPH_003,
        "把常態化疫情防控抓得更實,確保四季度重大活動圓滿成功",
        "在把握上海經濟特徵中不斷增創發展優勢",
    )
    assert dict(cleaned.credits) == {"photographer": "陳正寶", "editor": "林欣"}


def test_related_section_is_cut_only_after_the_text() -> None:
    body = [PARAGRAPH_003 * 3, "相关链接", "金塘镇创新推出“稻-油-游”农旅融合模式成效初显"]
    assert clean_body(body, "").lines == (PARAGRAPH_003 * 3,)
    top = ["相关链接", "金塘镇创新推出“稻-油-游”农旅融合模式成效初显", PARAGRAPH_003 * 3]
    assert clean_body(top, "").lines == tuple(top[1:])


def test_bare_label_takes_the_next_cell() -> None:
    cells = ["索引号：", "002482871/2019-00123", "发布日期：", "2019-03-22", PARAGRAPH_003]
    labels = read_labels(cells)
    assert labels.values == {"published": "2019-03-22"}
    assert labels.consumed == {0, 1, 2, 3}


def test_date_line_inside_a_notice_stays() -> None:
    body = [PARAGRAPH_003] * 4 + ["时间：2024年5月19日 9:00-17:00", "地点：上海市文化广场"] + [PARAGRAPH_003] * 6
    assert clean_body(body, "").lines == tuple(body)


def test_bare_date_label_leaves_a_dateless_line() -> None:
    assert read_labels(["时间：", "5月17日至5月19日"]).consumed == {0}


def test_sign_off_in_brackets_is_a_credit() -> None:
    cleaned = clean_body([PARAGRAPH_003, "（万载县统计局）"], "")
    assert cleaned.lines == (PARAGRAPH_003,)
    assert cleaned.credits["author"] == "万载县统计局"


def test_trafilatura_markup_is_split() -> None:
    assert split_markup(["| 产品名称 | 计量单位 |", "- 评论", "正文"]) == ["产品名称", "计量单位", "评论", "正文"]


@pytest.mark.parametrize("gold", benchmark_gold())
def test_gold_body_lines_survive(gold: dict) -> None:
    body = [line.strip() for line in gold["body"] if line.strip()]
    assert list(clean_body(body, gold["title"]).lines) == body, "a rule in rules.yaml drops real body text"


@pytest.mark.parametrize("gold", benchmark_gold())
def test_gold_chrome_lines_are_removed(gold: dict) -> None:
    for line in gold["must_not_contain"]:
        kept = clean_body([*gold["body"], line], gold["title"]).lines
        assert line.strip() not in kept, f"no rule in rules.yaml removes {line!r}"
