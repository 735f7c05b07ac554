"""Bytes to text: the charset a page declares, checked against its bytes.

Bytes that are valid UTF-8 are UTF-8, whatever the page declares: pages saved by a browser keep
a ``gb2312`` meta tag over UTF-8 bytes, misconfigured servers send ``iso-8859-1``, and text in
any other Chinese charset practically never forms valid UTF-8 over a whole page. Otherwise the
order of trust is the HTTP header, then a meta tag, then detection. Chinese sites declare
``gb2312`` for pages that use characters outside it, so the GB family always decodes as its
superset gb18030.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
# Browsers look for the meta tag in the first 1024 bytes; real pages put it later, after
# long comment banners, so we read a little further.
_META_WINDOW = 8192
_GB_FAMILY = frozenset({"gb2312", "gbk", "gb18030"})
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def header_charset(content_type: str) -> str | None:
    """The charset parameter of a Content-Type header, if any."""
    match = _HEADER_CHARSET.search(content_type)
    return match.group(1) if match else None


def meta_charset(body: bytes) -> str | None:
    """The charset a ``<meta>`` tag near the top of the page declares, if any."""
    match = _META_CHARSET.search(body[:_META_WINDOW])
    return match.group(1).decode("ascii", "ignore") if match else None


def canonical(label: str | None) -> str | None:
    """A Python codec name for a declared label; ``None`` for labels Python does not know."""
    if not label:
        return None
    try:
        name = codecs.lookup(label.strip().lower()).name
    except LookupError:
        return None
    return "gb18030" if name in _GB_FAMILY else name


def _decodes(body: bytes, codec: str) -> str | None:
    try:
        return body.decode(codec)
    except UnicodeDecodeError:
        return None


def decode(body: bytes, content_type: str = "") -> tuple[str, str]:
    """Decode a page; return the text and the codec used.

    A declaration is used only when the bytes decode cleanly under it; detection comes next, and
    as a last resort the declared codec (else gb18030) with replacement characters, which the
    mojibake check then counts.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, "replace"), codec
    text = _decodes(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    declared = [codec for codec in (canonical(header_charset(content_type)), canonical(meta_charset(body))) if codec]
    for codec in declared:
        text = _decodes(body, codec)
        if text is not None:
            return text, codec
    best = from_bytes(body).best()
    codec = canonical(best.encoding) if best else None
    if codec is None:
        codec = declared[0] if declared else "gb18030"
    return body.decode(codec, "replace"), codec
