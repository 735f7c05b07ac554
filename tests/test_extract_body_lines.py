"""The body's first and last lines: the headline repeated however it is broken, credit lines in any
combination of roles and names, and separator and widget lines, each class in several forms."""

from __future__ import annotations

import pytest

from pipeline.clean.credits import parse_credit, split_opening_credit
from pipeline.clean.headline import drop_headline
from tests.synthetic import HEADLINE, PARAGRAPHS, Page, article, body_lines

H = HEADLINE
KICKER, SUBTITLE = "坚持以人民为中心", "——某某市推进民生实事项目建设综述"


# --- the headline repeated in the body --------------------------------------------------------


@pytest.mark.parametrize(
    "repeated",
    [
        pytest.param([H], id="whole"),
        pytest.param([H[:9], H[9:]], id="wrapped-early"),
        pytest.param([H[:20], H[20:]], id="wrapped-late"),
        pytest.param([H[:7], H[7:15], H[15:]], id="three-lines"),
        pytest.param([KICKER, H, SUBTITLE], id="kicker-headline-subtitle"),
        pytest.param([H.replace("第十二次", "第12次")], id="one-word-differs"),
        pytest.param([H + "[1]"], id="footnote-mark"),
        pytest.param([f"{H}播报文章"], id="widget-text-glued-on"),
        pytest.param(["2026-10-28", H[:12], H[12:]], id="after-a-date-line"),
    ],
)
def test_the_headline_repeated_at_the_top_is_dropped(repeated: list[str]) -> None:
    page = Page(before_body="".join(f"<p>{line}</p>" for line in repeated))
    assert body_lines(article(page)) == list(PARAGRAPHS)


def test_a_first_paragraph_that_starts_like_the_headline_stays() -> None:
    lines = [f"{H}，这是今年以来市政府召开的又一次专题会议，会议听取了有关部门的工作汇报。", *PARAGRAPHS]
    assert drop_headline(lines, H) == lines


def test_short_lines_that_merely_share_words_with_the_headline_stay() -> None:
    lines = ["一、安全生产工作", "二、森林防火工作", *PARAGRAPHS]
    assert drop_headline(lines, H) == lines


# --- credit lines -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "credits"),
    [
        pytest.param("新华社发（王明摄）", [("photographer", "王明")], id="agency-release-photo"),
        pytest.param("某某日报·某某网记者 李强 来源：某某日报", [("author", "李强"), ("source", "某某日报")],
                     id="paper-and-site-reporter-then-source"),
        pytest.param("某某网某某频道 记者 张伟 刘芳", [("author", "张伟、刘芳")], id="channel-reporters"),
        pytest.param("原标题：关于做好冬季供暖工作的通知", [("ignored", "关于做好冬季供暖工作的通知")], id="original-title"),
        pytest.param("出品︱某某日报社", [("ignored", "某某日报社")], id="produced-by-bar"),
        pytest.param("图片来源：某某市融媒体中心", [("ignored", "某某市融媒体中心")], id="picture-source"),
        pytest.param("责编：赵敏", [("editor", "赵敏")], id="duty-editor"),
        pytest.param("审核：孙磊", [("editor", "孙磊")], id="reviewer"),
        pytest.param("校对 周婷", [("editor", "周婷")], id="proofreader-spaced"),
        pytest.param("监制｜吴刚", [("editor", "吴刚")], id="supervisor-bar"),
        pytest.param("来源：某某晚报", [("source", "某某晚报")], id="source-full-width-colon"),
        pytest.param("来源:某某晚报", [("source", "某某晚报")], id="source-ascii-colon"),
        pytest.param("来源 某某晚报", [("source", "某某晚报")], id="source-space"),
        pytest.param("（本报记者 郑洁 通讯员 黄涛）", [("author", "郑洁"), ("author", "黄涛")], id="bracketed-pair"),
        pytest.param("编辑/马骏", [("editor", "马骏")], id="editor-slash"),
        pytest.param("文/图 林峰", [("author", "林峰")], id="text-and-photo"),
        pytest.param("某某县融媒体中心记者 欧阳明 摄", [("photographer", "欧阳明")], id="compound-surname-photo"),
        pytest.param("何静 摄", [("photographer", "何静")], id="name-then-role"),
        pytest.param("总监制：邹 明", [("editor", "邹明")], id="spaced-two-character-name"),
    ],
)
def test_credit_lines_are_parsed(line: str, credits: list[tuple[str, str]]) -> None:
    assert parse_credit(line) == credits


@pytest.mark.parametrize(
    "line",
    [
        "记者手记",  # a heading: 手 is no surname
        "文明城市创建工作",
        "作者简介",
        "记者了解到，今年以来全市新增就业岗位两万余个。",
        "来源广泛的群众性文化活动",
        "雨中的城市公园。某某 摄影爱好者供稿的图片展示了秋色",
    ],
)
def test_lines_that_only_look_like_credits_are_not(line: str) -> None:
    assert parse_credit(line) == []


@pytest.mark.parametrize(
    ("after", "field", "value"),
    [
        pytest.param("<p>新华社发（王明摄）</p>", "photographer", "王明", id="agency-photo"),
        pytest.param("<p>某某日报·某某网记者 李强 来源：某某日报</p>", "author", "李强", id="reporter-and-source"),
        pytest.param("<p>责编：赵敏</p><p>审核：孙磊</p><p>校对：周婷</p>", "editor", "赵敏", id="editor-chain"),
        pytest.param("<p>出品︱某某日报社</p><p>监制｜吴刚</p>", "editor", "吴刚", id="production-credits"),
        pytest.param("<p>原标题：关于做好冬季供暖工作的通知</p><p>来源：某某晚报</p>", "source", "某某晚报",
                     id="original-title-and-source"),
    ],
)
def test_credit_lines_leave_the_body_and_fill_the_article(after: str, field: str, value: str) -> None:
    result = article(Page(after_body=after, info="", metas={"PubDate": "2026-10-28"}))
    assert body_lines(result) == list(PARAGRAPHS)
    assert getattr(result, field) == value


@pytest.mark.parametrize(
    "opening",
    ["（记者 郑洁 通讯员 黄涛）", "(记者郑洁)", "【记者 郑洁 摄影 黄涛】", "（本报记者 郑洁 杨帆）", "（通讯员 黄涛）"],
)
def test_a_credit_opening_the_first_paragraph_is_cut_from_it(opening: str) -> None:
    paragraphs = (opening + PARAGRAPHS[0], *PARAGRAPHS[1:])
    result = article(Page(paragraphs=paragraphs))
    assert body_lines(result) == list(PARAGRAPHS)
    assert result.author in ("郑洁", "黄涛", "郑洁、杨帆")


def test_a_dateline_keeps_its_credit() -> None:
    line = "本报讯（记者 郑洁）" + PARAGRAPHS[0]
    assert split_opening_credit(line) == (line, [])
    assert split_opening_credit("（一）加强组织领导。各部门要高度重视。") == ("（一）加强组织领导。各部门要高度重视。", [])


# --- separator and widget lines -----------------------------------------------------------------


@pytest.mark.parametrize(
    "chrome",
    ["＊＊＊", "* * *", "————————", "■■■■", "☆☆☆☆☆", "==========", "·  ·  ·", "—— ——", "-----"],
)
def test_separator_lines_are_dropped(chrome: str) -> None:
    paragraphs = (PARAGRAPHS[0], chrome, *PARAGRAPHS[1:])
    assert body_lines(article(Page(paragraphs=paragraphs))) == list(PARAGRAPHS)


@pytest.mark.parametrize("word", ["扫一扫", "打印", "关闭", "打印本页", "关闭窗口"])
@pytest.mark.parametrize("brackets", ["{}", "【{}】", "[{}]", "（{}）", "({})", "〔{}〕", "「{}」", "<{}>", "[ {} ]"])
def test_widget_lines_in_any_brackets_are_dropped(word: str, brackets: str) -> None:
    widget = brackets.format(word).replace("<", "&lt;").replace(">", "&gt;")
    result = article(Page(after_body=f"<p>{widget}</p>"))
    assert body_lines(result) == list(PARAGRAPHS)


def test_print_and_close_together_are_dropped() -> None:
    result = article(Page(after_body="<p>【打印】 【关闭】</p><p>[扫一扫在手机打开当前页]</p>"))
    assert body_lines(result) == list(PARAGRAPHS)
