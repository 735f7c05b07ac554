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
# An error page is small: its message, a link home, perhaps a search box.
_ERROR_PAGE_MAX_CHARS = 300
_ERROR_MESSAGE = re.compile(
    r"^\W*(?:抱歉|对不起|對不起|sorry)?\W*(?:404|403|500|error|错误|錯誤)?\W*"
    r"(?:(?:您|你)(?:所|要)?(?:访问|訪問|请求|請求|查找)的)?(?:页面|頁面|网页|網頁|文章|信息|资源|資源)"
    r"(?:不存在|未找到|找不到|无法找到|無法找到|已删除|已刪除|已被删除|已被刪除|已过期|已過期)"
    r"|^\W*(?:404\s*)?not found\b|^\W*(?:http\s*)?(?:404|error 404)\b"
    r"|^\W*(?:系统|系統|网站|網站|服务器|服務器)(?:正在)?(?:升级|升級)?(?:维护|維護)",
    re.IGNORECASE)
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


def parse(text: str) -> tuple[_Element | None, str | None]:
    """The page's tree, and why it cannot be read in full: "too_deep" when its nesting passes the
    parser's limit (libxml2 then keeps nothing of the page; a limit that also keeps every later
    walk over the tree, trafilatura's included, far from Python's recursion limit)."""
    text = _CONTROLS.sub("", _END_OF_DOCUMENT.sub("", _XML_DECLARATION.sub("", text)))
    parser = lxml.html.HTMLParser()
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except ParserError:
        return None, None
    if any(error.type_name == "ERR_RESOURCE_LIMIT" for error in parser.error_log):
        return tree, "too_deep"
    return tree, None


def error_page(tree: _Element, lines: list[str]) -> str | None:
    """The error message of a small page that says it is an error (a "soft 404" served with HTTP
    200, a maintenance notice), or ``None``. Only a line that starts with the message counts, so a
    notice about maintenance ("关于系统维护的公告") is no error page."""
    if sum(len("".join(line.split())) for line in lines) > _ERROR_PAGE_MAX_CHARS:
        return None
    title = " ".join((tree.findtext(".//title") or "").split())
    return next((line for line in (title, *lines) if len(line) <= 60 and _ERROR_MESSAGE.search(line)), None)


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
