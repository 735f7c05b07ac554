"""Layout tables become divs; data tables stay; CMS body containers focus extraction."""

from __future__ import annotations

import lxml.html

from pipeline.clean.layout import focus, unwrap_layout_tables

PARAGRAPH = "會議強調,要認真學習、堅決貫徹習近平總書記重要講話精神,準確把握國內外疫情防控和經濟形勢的階段性變化。"


def test_layout_table_becomes_divs_and_nested_data_table_stays() -> None:
    tree = lxml.html.document_fromstring(
        "<html><body><table><tr><td><h1>標題</h1>"
        "<table><tr><td>产品名称</td><td>产量</td></tr><tr><td>饮料酒</td><td>15767</td></tr></table>"
        "</td></tr></table></body></html>"
    )
    unwrap_layout_tables(tree)
    assert [element.tag for element in tree.iter("table", "tr", "td")] == ["table", "tr", "td", "td", "tr", "td", "td"]


def test_data_table_with_paragraphs_in_cells_stays() -> None:
    tree = lxml.html.document_fromstring(
        "<html><body><table><tr><td><p>产品名称</p></td><td><p>产量</p></td></tr></table></body></html>"
    )
    unwrap_layout_tables(tree)
    assert tree.find(".//table") is not None


def test_focus_reads_the_cms_container_only() -> None:
    tree = lxml.html.document_fromstring(
        "<html><body><table class='nav'><tr><td><a href='/'>首頁</a></td></tr></table>"
        f"<div class='TRS_Editor'><p>{PARAGRAPH}</p><p>{PARAGRAPH}</p></div></body></html>"
    )
    focused = focus(tree)
    assert "首頁" not in focused.text_content()
    assert focused.text_content().count(PARAGRAPH) == 2


def test_focus_keeps_the_page_when_the_container_is_nearly_empty() -> None:
    tree = lxml.html.document_fromstring(f"<html><body><div id='zoom'>圖片</div><p>{PARAGRAPH}</p></body></html>")
    assert focus(tree) is tree
