"""Attached documents: absolute URLs of linked files, once each, in page order."""

from __future__ import annotations

import lxml.html
import pytest

from pipeline.clean.attachments import find_attachments
from pipeline.records import Attachment

BASE = "http://fgw.zj.gov.cn/art/2019/3/22/art_1621004_30332664.html"


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        pytest.param(
            '<a href="P020190322.pdf">分解表.pdf</a>',
            Attachment("分解表.pdf", "http://fgw.zj.gov.cn/art/2019/3/22/P020190322.pdf"),
            id="relative-pdf",
        ),
        pytest.param(
            '<a href="/module/download/downfile.jsp?classid=0&amp;filename=1903221228.doc">通知</a>',
            Attachment("通知", "http://fgw.zj.gov.cn/module/download/downfile.jsp?classid=0&filename=1903221228.doc"),
            id="download-script",
        ),
        pytest.param(
            '<a href="/files/table.XLSX"> </a>',
            Attachment("table.XLSX", "http://fgw.zj.gov.cn/files/table.XLSX"),
            id="no-link-text",
        ),
        pytest.param('<a href="/art/2019/3/21/art_1.html">上一篇</a>', None, id="article-link"),
        pytest.param('<a href="javascript:window.print()">打印本页</a>', None, id="script-link"),
    ],
)
def test_find_attachments(link: str, expected: Attachment | None) -> None:
    container = lxml.html.fragment_fromstring(f"<div><p>附件：{link}</p><p>{link}</p></div>")
    assert find_attachments(container, BASE) == ((expected,) if expected else ())
