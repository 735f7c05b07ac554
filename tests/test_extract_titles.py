"""Titles: candidates from meta tags, <title>, headings and the list page, chosen by agreement;
site and channel names stripped, learned per site; markup and layout spaces removed."""

from __future__ import annotations

import pytest

from pipeline.extract.titles import learn_site_names, strip_site_names, tidy
from tests.synthetic import HEADLINE, Page, article

H = HEADLINE
BARE = Page(headline="", info='<div class="info">发布时间：2026-10-28 09:30</div>')


@pytest.mark.parametrize(
    "title_tag",
    [
        pytest.param(f"{H}-新华网河北频道-新华网", id="dash-channel-and-site"),
        pytest.param(f"{H}_振兴东北", id="underscore-site"),
        pytest.param(f"{H} - 某某市人民政府", id="spaced-dash-government"),
        pytest.param(f"{H}|要闻|某某日报", id="bars-column-and-paper"),
        pytest.param(f"{H}--经济·科技--人民网", id="double-dash-channel"),
        pytest.param(f"某某县人民政府 | {H}", id="site-name-first"),
        pytest.param(f"{H} 某某县人民政府门户网站", id="space-only-separator"),
        pytest.param(f"{H}_某某区_某某市人民政府_中国某某", id="three-levels"),
    ],
)
@pytest.mark.parametrize(
    "headline",
    [
        pytest.param(f"<h1>{H}</h1>", id="h1"),
        pytest.param(f'<div class="article-title">{H}</div>', id="title-class"),
        pytest.param(f"<h2>{H}</h2>", id="h2"),
        pytest.param(f"<div><strong>{H}</strong></div>", id="plain-line"),
    ],
)
def test_site_and_channel_names_are_stripped(title_tag: str, headline: str) -> None:
    result = article(Page(title_tag=title_tag, headline=headline))
    assert result.title == H


@pytest.mark.parametrize(
    "title_tag",
    [f"{H}_某某市人民政府", f"{H}-某某新闻网", f"{H}|某某频道", f"{H} - 某某日报", f"{H}--某某在线"],
    ids=["underscore", "dash", "bar", "spaced-dash", "double-dash"],
)
def test_a_title_tag_alone_loses_its_suffix(title_tag: str) -> None:
    result = article(BARE.but(title_tag=title_tag))
    assert (result.title, result.title_source) == (H, "title")


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(f"&lt;div&gt;{H}&lt;/div&gt;", id="escaped-div"),
        pytest.param(f"{H[:10]}&lt;br&gt;{H[10:]}", id="escaped-br-mid-headline"),
        pytest.param(f"<p>{H}</p>", id="raw-p"),
        pytest.param(f"&lt;span style=&quot;color:red&quot;&gt;{H}&lt;/span&gt;&lt;br/&gt;", id="styled-span-and-br"),
        pytest.param(f"&lt;div&gt;&lt;br&gt;{H[:6]}&lt;/div&gt;&lt;div&gt;{H[6:]}&lt;/div&gt;", id="split-divs"),
    ],
)
def test_markup_inside_a_title_meta_is_removed(content: str) -> None:
    page = BARE.but(title_tag="某某市人民政府", metas={"ArticleTitle": content})
    result = article(page)
    assert (result.title, result.title_source) == (H, "meta")


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        pytest.param("2007 年末全市常住人口达到 120 万人", "2007年末全市常住人口达到120万人", id="digit-and-han"),
        pytest.param("关 于 做 好 冬 季 供 暖 工 作 的 通 知", "关于做好冬季供暖工作的通知", id="letter-spaced"),
        pytest.param("第 3 季度全市经济运行情况通报", "第3季度全市经济运行情况通报", id="digit-in-between"),
        pytest.param("市政府\u3000召开常务会议 “ 十四五 ” 规划实施", "市政府 召开常务会议“十四五”规划实施",
                     id="ideographic-space-and-quotes"),
        pytest.param("被控受贿超5亿 某省某市政协原主席受审", "被控受贿超5亿 某省某市政协原主席受审",
                     id="a-headline-pause-stays"),
    ],
)
def test_layout_spaces_are_removed(shown: str, expected: str) -> None:
    result = article(Page(title_tag=f"{shown}_某某市人民政府", headline=f"<h1>{shown}</h1>"))
    assert result.title == expected


KICKER, SUBTITLE = "坚持以人民为中心", "——某某市推进民生实事项目建设综述"


@pytest.mark.parametrize(
    "headline",
    [
        pytest.param(f"<h3>{KICKER}</h3><h1>{H}</h1><h2>{SUBTITLE}</h2>", id="h3-h1-h2"),
        pytest.param(f'<div class="yt">{KICKER}</div><div class="title">{H}</div><div class="ft">{SUBTITLE}</div>',
                     id="classed-divs"),
        pytest.param(f"<h2>{KICKER}</h2><h1>{H}</h1>", id="kicker-only"),
        pytest.param(f"<h1>{H}</h1><h3>{SUBTITLE}</h3>", id="subtitle-only"),
        pytest.param(f"<p>{KICKER}</p><h1>{H}</h1><p>{SUBTITLE}</p>", id="paragraph-lines"),
    ],
)
def test_stacked_headlines_give_the_main_headline(headline: str) -> None:
    result = article(Page(headline=headline))
    assert result.title == H


def test_a_site_only_title_tag_loses_to_the_shown_headline() -> None:
    assert article(Page(title_tag="某某市人民政府门户网站")).title == H


def test_a_logo_heading_loses_to_the_agreed_headline() -> None:
    page = Page(chrome='<h1 class="logo">某某市人民政府</h1>', headline=f'<div class="title">{H}</div>')
    assert article(page).title == H


def test_open_graph_title_with_a_suffix_agrees_with_the_heading() -> None:
    page = BARE.but(title_tag="某某市人民政府", metas={"og:title": f"{H}_要闻_某某网"}, headline=f"<h2>{H}</h2>")
    assert article(page).title == H


def test_the_list_page_title_when_the_page_names_none() -> None:
    result = article(BARE.but(title_tag="某某市人民政府"), listed_title=H)
    assert (result.title, result.title_source) == (H, "listed")


def test_a_truncated_list_link_supports_the_full_headline() -> None:
    page = BARE.but(title_tag="某某市人民政府", headline=f"<h2>{H}</h2>", chrome='<h1 class="logo">要闻动态</h1>')
    result = article(page, listed_title=f"{H[:12]}...")
    assert result.title == H


def test_a_truncated_title_tag_supports_the_full_heading() -> None:
    result = article(Page(title_tag=f"{H[:14]}…_某某市人民政府"))
    assert (result.title, result.title_source) == (H, "heading")


def test_the_meta_title_wins_and_says_so() -> None:
    result = article(Page(metas={"ArticleTitle": H}))
    assert (result.title, result.title_source) == (H, "meta")


TITLES = [f"{topic}{tail}" for topic, tail in (
    ("关于做好冬季供暖工作的通知", " 振兴东北网"), ("全市经济运行情况通报", " 振兴东北网"), ("市长调研重点项目", " 振兴东北网"),
    ("秋季森林防火工作部署", " 振兴东北网"), ("春耕生产工作会议召开", "-新华网河北频道-新华网"),
)]


def test_site_names_are_learned_from_the_title_tags_of_a_site() -> None:
    names = learn_site_names(TITLES)
    assert " 振兴东北网" in names
    assert strip_site_names("某某大桥通车 振兴东北网", names) == "某某大桥通车"
    assert learn_site_names(["某某市人民政府门户网站"] * 4) == {"某某市人民政府门户网站"}
    assert learn_site_names(TITLES[:2]) == frozenset(), "two pages teach nothing"
    assert learn_site_names(["甲_一", "乙_二", "丙_三", "丁_四"]) == frozenset(), "no shared suffix, no name"


def test_a_learned_name_without_a_separator_is_stripped() -> None:
    page = BARE.but(title_tag=f"{H} 振兴东北网")
    assert article(page, site_names=learn_site_names(TITLES)).title == H


def test_a_learned_whole_title_is_a_site_name_not_a_headline() -> None:
    page = Page(title_tag="某某市人民政府门户网站", headline=f'<div class="bt">{H}</div>')
    names = learn_site_names(["某某市人民政府门户网站"] * 5)
    assert article(page, site_names=names).title == H


@pytest.mark.parametrize(
    ("text", "expected"),
    [("<b>标题</b>", "标题"), ("上半<br>下半", "上半下半"), ("A  B\n C", "A B C"), ("2024 年", "2024年"),
     ("<span>Title</span><span>two</span>", "Title two")],
)
def test_tidy(text: str, expected: str) -> None:
    assert tidy(text) == expected


def test_a_headline_that_starts_with_a_site_name_keeps_it() -> None:
    headline = "新华网评：让安全生产责任落到实处"
    result = article(Page(title_tag=f"{headline}_新华网", headline=f"<h1>{headline}</h1>"))
    assert result.title == headline


def test_sidebar_titles_of_other_articles_are_no_candidates() -> None:
    sidebar = ('<div class="side"><div class="tit">热点新闻</div><ul>'
               + "".join(f'<li class="list-tit"><a href="/a/{i}.html">某地开展第{i}批重点项目集中开工活动</a></li>'
                         for i in range(15)) + "</ul></div>")
    result = article(BARE.but(chrome=sidebar))
    assert (result.title, result.title_source) == (H, "title")
