"""Extraction: one fetched page to an ``Article``, or a ``Rejected`` saying why not.

trafilatura finds the main text; the Chinese-aware finishing (charset, pinyin glosses,
labelled metadata lines, credits, page chrome, script) lives in ``pipeline.clean``. Metadata is
taken from the best source first: the government meta tags most Chinese CMSs emit, then the
labelled lines of the page, then trafilatura's own metadata.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from itertools import pairwise

import lxml.html
import trafilatura
from lxml.etree import ParserError, _Element

from pipeline.antibot import challenge_reason
from pipeline.clean.attachments import find_attachments
from pipeline.clean.boilerplate import (
    FIELDS,
    CleanBody,
    clean_body,
    could_be,
    is_placeholder,
    normalize,
    read_labels,
)
from pipeline.clean.dates import SHANGHAI, parse_date
from pipeline.clean.encoding import decode
from pipeline.clean.layout import focus, unwrap_layout_tables
from pipeline.clean.mojibake import count_mojibake
from pipeline.clean.pinyin import strip_pinyin
from pipeline.clean.script import detect_script, to_simplified
from pipeline.records import Article, RawPage, Rejected

EXTRACTOR_VERSION = "govnews-2"

# Below this many characters (whitespace removed) a body is a stub, an index or an error page.
MIN_BODY_CHARS = 40

_EARLIEST = date(1990, 1, 1)
# Servers label HTML as text/plain or send no type at all; the bytes decide then.
_HTML_TYPES = ("text/html", "application/xhtml", "text/plain")
_LOOKS_HTML = re.compile(rb"<\s*(!doctype|html|head|body|meta|div|p|title|table)\b", re.IGNORECASE)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# A stray </body> or </html> mid-page makes lxml drop everything after it; browsers ignore
# such tags, so removing them before parsing gives the tree a reader sees.
_END_OF_DOCUMENT = re.compile(r"</(?:body|html)\s*>", re.IGNORECASE)
# libxml2 stops reading at a NUL byte; control characters are never text a reader sees.
_CONTROLS = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n\r")
_TITLE_SEPARATOR = re.compile(r"\s*(?:_+|\||｜|-{2,}|\s-|-\s|—\s)\s*")
# A shown line this short that starts the <title> is a site name or a column, not the headline.
_MIN_TITLE_CHARS = 6
_LABEL_PREFIX = re.compile(r"^\s*(来源|來源|作者|发布时间|發布時間)\s*[:：]")
_WORDY = re.compile(r"[^\W\d_]")
_BLOCKS = frozenset(
    {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt", "footer", "form", "header", "hr"}
    | {"h1", "h2", "h3", "h4", "h5", "h6", "li", "main", "nav", "ol", "p", "pre", "section", "table", "td", "th"}
    | {"tr", "ul"}
)
# libxml2 caps nesting at 256 levels, so the recursive walk in _page_lines stays shallow.
_HIDDEN = frozenset({"script", "style", "noscript", "template", "head"})

# Government CMS meta tags (lower-cased names), best first for each field.
_META = {
    "title": ("articletitle", "og:title"),
    "published": ("pubdate", "firstpublishedtime", "publishdate", "pubtime", "article:published_time"),
    "source": ("contentsource",),
    "author": ("author",),
}


def _length(text: str) -> int:
    return sum(not c.isspace() for c in text)


def _reject(page: RawPage, reason: str, detail: str = "") -> Rejected:
    return Rejected(url=page.url, site=page.site, stage="extract", reason=reason, detail=detail)


def _refusal(page: RawPage) -> tuple[str, str] | None:
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


def _parse(text: str) -> _Element | None:
    text = _END_OF_DOCUMENT.sub("", _XML_DECLARATION.sub("", text)).translate(_CONTROLS)
    try:
        return lxml.html.document_fromstring(text)
    except ParserError:
        return None


def _meta_tags(tree: _Element) -> dict[str, str]:
    found: dict[str, str] = {}
    for meta in tree.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").strip().lower()
        content = (meta.get("content") or "").strip()
        if name and content:
            found.setdefault(name, content)
    return found


def _first_meta(meta: Mapping[str, str], field: str) -> str | None:
    """The best meta value for a field; CMSs fill unused name tags with ids or the label itself."""
    for name in _META[field]:
        value = _LABEL_PREFIX.sub("", meta.get(name, "")).strip()
        if value and (field == "published" or (_WORDY.search(value) and not is_placeholder(value))):
            return value
    return None


def _page_lines(tree: _Element) -> list[str]:
    """The visible text of the page, one line per block element."""
    parts: list[str] = []

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


def _title(meta: Mapping[str, str], tree: _Element, lines: list[str]) -> str:
    """The headline: the meta tag, else what of <title> the page also shows, else the <h1>."""
    declared = _first_meta(meta, "title")
    if declared:
        return " ".join(declared.split())
    head = " ".join((tree.findtext(".//title") or "").split())
    near = [line for line in lines if could_be(line, head)]
    single = {normalize(line): line for line in near}
    # A long headline wraps onto two lines of the page.
    shown = single | {normalize(a + b): a + b for a, b in pairwise(near)}
    segments = [s for s in _TITLE_SEPARATOR.split(head) if normalize(s)]
    for candidate in (head, *segments):
        if normalize(candidate) in shown:
            return candidate
    key = normalize(head)
    # "标题 站点名" has no separator, and "很长的标题…" is cut short: the page shows it whole.
    matches = [line for k, line in single.items() if len(k) >= _MIN_TITLE_CHARS and key.startswith(k)]
    for stem in (normalize(s).rstrip(".…") for s in segments if s.endswith(("...", "…"))):
        matches += [line for k, line in single.items() if len(stem) >= _MIN_TITLE_CHARS and k.startswith(stem)]
    if matches:
        return max(matches, key=len)
    # A <title> the page never shows is the site's name or an SEO phrase.
    heading = " ".join((tree.findtext(".//h1") or "").split())
    if len(normalize(heading)) >= _MIN_TITLE_CHARS:
        return heading
    return segments[0] if segments else heading


def _labelled(lines: list[str], title: str) -> Mapping[str, str]:
    """Labelled values from the page lines, read from the headline on when it is shown; lines
    above the headline only fill what is still missing (some templates put the date above)."""
    target = normalize(title)
    start = next((i for i, line in enumerate(lines) if could_be(line, title) and normalize(line) == target), 0)
    below = read_labels(lines[start:]).values
    if start == 0 or all(field in below for field in FIELDS):
        return below
    return {**read_labels(lines[:start]).values, **below}


def _published(tagged: str | None, shown: str | None, page: RawPage) -> datetime | None:
    """The publication time from the meta tag and the date line the page shows.

    They agree on most pages, and then the one that gives a time of day wins. When they name
    different days the shown date wins: CMS migrations rewrite the meta tag of old articles,
    while the reader still sees the original date. A date after the fetch is noise, and so is one
    before 1990: broken CMS fields print 1900-01-01 or the Unix epoch.
    """
    fetched = page.fetched_at.astimezone(SHANGHAI)
    parsed = [parse_date(value, reference=fetched.date()) if value else None for value in (tagged, shown)]
    valid = [
        when for when in parsed if when is not None and _EARLIEST <= when.date() and when <= fetched + timedelta(days=1)
    ]
    if len(valid) == 2 and valid[0].date() != valid[1].date():
        return valid[1]
    timed = [when for when in valid if when.time() != time(0)]
    return (timed or valid or [None])[0]


def _body_text(tree: _Element, url: str, *, favor_recall: bool) -> str:
    document = trafilatura.bare_extraction(
        tree,
        url=url,
        include_comments=False,
        include_tables=True,
        favor_recall=favor_recall,
    )
    return document.text or "" if document else ""


def _fallback_metadata(tree: _Element, url: str) -> tuple[str | None, str]:
    """trafilatura's date and title, for pages whose own tags and lines name neither."""
    document = trafilatura.extract_metadata(tree, default_url=url)
    return document.date, document.title or ""


def _clean_text(tree: _Element, url: str, title: str, *, favor_recall: bool) -> CleanBody:
    return clean_body(strip_pinyin(_body_text(tree, url, favor_recall=favor_recall)).splitlines(), title)


def _clean_body(tree: _Element, url: str, title: str) -> tuple[CleanBody, _Element]:
    """trafilatura, then the line rules; returns the body and the tree it came from.

    Inside a CMS body container everything is article, so trafilatura runs in recall mode there;
    on a whole page it runs with its defaults, and again in recall mode if that leaves a stub.
    """
    focused = focus(unwrap_layout_tables(tree))
    if focused is not tree:
        cleaned = _clean_text(focused, url, title, favor_recall=True)
        if _length("".join(cleaned.lines)) >= MIN_BODY_CHARS:
            return cleaned, focused
    cleaned = _clean_text(tree, url, title, favor_recall=False)
    if _length("".join(cleaned.lines)) >= MIN_BODY_CHARS:
        return cleaned, tree
    return _clean_text(tree, url, title, favor_recall=True), tree


def _date_and_title(
    page: RawPage, tree: _Element, tagged: str | None, shown: str | None, title: str
) -> tuple[datetime | None, str]:
    """The publication time and headline, asking trafilatura only for what the page lacks."""
    published = _published(tagged, shown, page)
    if published is None or not title:
        found_date, found_title = _fallback_metadata(tree, page.url)
        published = published or _published(found_date, None, page)
        title = title or strip_pinyin(found_title)
    return published, title


def _flags(published: datetime | None, body: str, title: str) -> frozenset[str]:
    flags = {"no_date"} if published is None else set()
    if count_mojibake(body) or count_mojibake(title):
        flags.add("mojibake")
    return frozenset(flags)


def extract(page: RawPage) -> Article | Rejected:
    """Turn one fetched page into an article, or say why it is not one."""
    refusal = _refusal(page)
    if refusal:
        return _reject(page, *refusal)
    tree = _parse(decode(page.body, page.content_type)[0])
    if tree is None:
        return _reject(page, "empty_page")
    meta = _meta_tags(tree)
    lines = [strip_pinyin(line) for line in _page_lines(tree)]
    title = strip_pinyin(_title(meta, tree, lines))
    cleaned, container = _clean_body(tree, page.url, title)
    body = "\n".join(cleaned.lines)
    if _length(body) < MIN_BODY_CHARS:
        return _reject(page, "too_short" if lines else "empty_page", f"{_length(body)} characters")
    labelled = _labelled(lines, title)
    credit = {field: labelled.get(field) or cleaned.credits.get(field) for field in FIELDS}
    published, title = _date_and_title(page, tree, _first_meta(meta, "published"), credit["published"], title)
    script = detect_script(body)
    return Article(
        url=page.url,
        site=page.site,
        title=title,
        published_at=published,
        body=body,
        # Converting text that is already Simplified can only damage it: t2s turns 乾清宫 into 干清宫.
        body_simplified=body if script == "simplified" else to_simplified(body),
        source=_first_meta(meta, "source") or credit["source"],
        author=_first_meta(meta, "author") or credit["author"],
        editor=credit["editor"],
        photographer=credit["photographer"],
        script=script,
        flags=_flags(published, body, title),
        attachments=find_attachments(container, page.url),
        extractor_version=EXTRACTOR_VERSION,
    )
