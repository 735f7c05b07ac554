"""A fetched page as extraction reads it: refused or parsed, with its meta tags and visible lines."""

from __future__ import annotations

import re

import lxml.html
from lxml.etree import ParserError, _Element

from pipeline.antibot import challenge_reason
from pipeline.records import RawPage

# Servers label HTML as text/plain or send no type at all; the bytes decide then.
_HTML_TYPES = ("text/html", "application/xhtml", "text/plain")
_LOOKS_HTML = re.compile(rb"<\s*(!doctype|html|head|body|meta|div|p|title|table)\b", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# A stray </body> or </html> mid-page makes lxml drop everything after it; browsers ignore
# such tags, so removing them before parsing gives the tree a reader sees.
_END_OF_DOCUMENT = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
# libxml2 stops reading at a NUL byte; control characters are never text a reader sees.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_BLOCKS = frozenset(
    {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer", "form", "header", "hr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th"}
    | {"tr", "ul"}
)
_HIDDEN = frozenset({"script", "style", "noscript", "template", "head"})


def refusal(page: RawPage) -> tuple[str, str] | None:
    """Why the response cannot hold an article, before any parsing; ``None`` when it may."""
    protection = challenge_reason(page.status, page.headers, page.body)
    if protection:
        return "anti_bot_challenge", protection
    if not 200 <= page.status < 300:
        return f"http_{page.status}", ""
    if not page.body.strip():
        return "empty_page", ""
    mime = page.content_type.split(";")[0].strip().lower()
    if (mime and not mime.startswith(_HTML_TYPES)) or not _LOOKS_HTML.search(page.body[:4096]):
        return "not_html", mime
    return None


def parse(text: str) -> _Element | None:
    text = _CONTROLS.sub("", _END_OF_DOCUMENT.sub("", _XML_DECLARATION.sub("", text)))
    try:
        return lxml.html.document_fromstring(text)
    except ParserError:
        return None


def meta_tags(tree: _Element) -> dict[str, str]:
    """Meta tag values by lower-cased name, property or itemprop (the first of each name)."""
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        name = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if name and content:
            found.setdefault(name, content)
    return found


def page_lines(tree: _Element) -> list[str]:
    """The visible text of the page, one line per block element."""
    parts: list[str] = []

    # libxml2 caps nesting at 256 levels, so the recursion stays shallow.
    def walk(element: _Element) -> None:
        if not isinstance(element.tag, str) or element.tag in _HIDDEN:
            parts.append(element.tail or "")
            return
        block = element.tag in _BLOCKS
        parts.append("\n" if block else "")
        parts.append(element.text or "")
        for child in element:
            walk(child)
        parts.append("\n" if block else "")
        parts.append(element.tail or "")

    walk(tree)
    return [" ".join(line.split()) for line in "".join(parts).splitlines() if line.strip()]
