"""Charset: header, then meta tag, then detection; the GB family reads as gb18030."""

from __future__ import annotations

import pytest

from pipeline.clean.encoding import canonical, decode, header_charset, meta_charset

TEXT = "會議強調,要認真學習、堅決貫徹習近平總書記重要講話精神"  # seed 002, line 3, glosses removed
SIMPLIFIED = "程向民强调,要加强党的全面领导"  # seed 000, line 12


@pytest.mark.parametrize(
    ("body", "content_type", "codec"),
    [
        pytest.param(TEXT.encode("gbk"), "text/html; charset=gbk", "gb18030", id="header-gbk"),
        pytest.param(SIMPLIFIED.encode("gb2312"), "text/html; charset=gb2312", "gb18030", id="header-gb2312"),
        pytest.param(
            b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312">' + TEXT.encode("gbk"),
            "text/html",
            "gb18030",
            id="meta-gb2312-with-gbk-bytes",
        ),
        pytest.param(
            b'<meta charset="gb2312">' + TEXT.encode("utf-8"), "text/html", "utf-8", id="meta-gb2312-over-utf8"
        ),
        pytest.param(TEXT.encode("utf-8"), "text/html; charset=gb2312", "utf-8", id="header-gb2312-over-utf8"),
        pytest.param(TEXT.encode("utf-8"), "text/html; charset=utf-8", "utf-8", id="header-utf8"),
        pytest.param(TEXT.encode("utf-8"), "text/html; charset=iso-8859-1", "utf-8", id="header-latin1-over-utf8"),
        pytest.param(TEXT.encode("gbk"), "text/html; charset=utf-8", "gb18030", id="wrong-header-detected"),
        pytest.param("\ufeff".encode() + TEXT.encode("utf-8"), "", "utf-8", id="bom"),
    ],
)
def test_decode(body: bytes, content_type: str, codec: str) -> None:
    text, used = decode(body, content_type)
    assert used == codec
    assert TEXT in text or SIMPLIFIED in text


def test_gb18030_keeps_characters_outside_gb2312() -> None:
    # 㙟 (U+365F) is in gb18030 only; a page declaring gb2312 that uses it must not lose it.
    body = "鎔基㙟".encode("gb18030")
    assert decode(body, "text/html; charset=gb2312") == ("鎔基㙟", "gb18030")


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        pytest.param("GB2312", "gb18030", id="gb2312"),
        pytest.param("gbk", "gb18030", id="gbk"),
        pytest.param("UTF-8", "utf-8", id="utf8"),
        pytest.param("x-unknown", None, id="unknown"),
        pytest.param(None, None, id="missing"),
    ],
)
def test_canonical(label: str | None, codec: str | None) -> None:
    assert canonical(label) == codec


def test_header_and_meta_labels() -> None:
    assert header_charset("text/html; charset=GBK") == "GBK"
    assert header_charset("text/html") is None
    assert meta_charset(b'<head><meta charset="utf-8"></head>') == "utf-8"
    assert meta_charset(b'<meta http-equiv="Content-Type" content="text/html; charset=gb2312" />') == "gb2312"
