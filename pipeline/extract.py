"""Extraction: one fetched page to an ``Article``, or a ``Rejected`` saying why not.

trafilatura finds the main text; the Chinese-aware finishing (charset, pinyin glosses,
labelled metadata lines, credits, page chrome, script) lives in ``pipeline.clean``. Metadata is
taken from the best source first: the government meta tags most Chinese CMSs emit, then the
labelled lines of the page, then trafilatura's own metadata.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, time, timedelta

import lxml.html
import trafilatura
from lxml.etree import ParserError, _Element

from pipeline.clean.boilerplate import FIELDS, CleanBody, clean_body, normalize, parse_labelled
from pipeline.clean.dates import SHANGHAI, parse_date
from pipeline.clean.encoding import decode
from pipeline.clean.layout import focus, unwrap_layout_tables
from pipeline.clean.mojibake import count_mojibake
from pipeline.clean.pinyin import strip_pinyin
from pipeline.clean.script import detect_script, to_simplified
from pipeline.records import Article, RawPage, Rejected

EXTRACTOR_VERSION = "govnews-1"

# Below this many characters (whitespace removed) a body is a stub, an index or an error page.
MIN_BODY_CHARS = 40

# Anti-bot interstitials: RuiShu answers 412 with a "$_ts" bootstrap script; Jiasule and
# Aliyun set these cookies from a challenge script.
_RUISHU = re.compile(rb"\$_ts\s*[=.\[]")
_CHALLENGE_COOKIES = re.compile(rb"__jsl_clearance|acw_sc__v2")
# Servers label HTML as text/plain or send no type at all; the bytes decide then.
_HTML_TYPES = ("text/html", "application/xhtml", "text/plain")
_LOOKS_HTML = re.compile(rb"<\s*(!doctype|html|head|body|meta|div|p|title|table)\b", re.I)
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")
# A stray </body> or </html> mid-page makes lxml drop everything after it; browsers ignore
# such tags, so removing them before parsing gives the tree a reader sees.
_END_OF_DOCUMENT = re.compile(r"</(?:body|html)\s*>", re.I)
_TITLE_SEPARATOR = re.compile(r"\s*(?:_+|\||｜|-{2,}|\s-|-\s|—\s)\s*")
_LABEL_PREFIX = re.compile(r"^\s*(来源|來源|作者|发布时间|發布時間)\s*[:：]")
_WORDY = re.compile(r"[^\W\d_]")
_BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt footer form h1 h2 h3 h4 h5 h6 header "
    "hr li main nav ol p pre section table td th tr ul".split()
)

_MIDNIGHT = time(0, 0, tzinfo=SHANGHAI)

# Government CMS meta tags (lower-cased names), best first for each field.
_META = {
    "title": ("articletitle", "og:title"),
    "published": ("pubdate", "firstpublishedtime", "publishdate", "article:published_time"),
    "source": ("contentsource",),
    "author": ("author",),
}


def _reject(page: RawPage, reason: str, detail: str = "") -> Rejected:
    return Rejected(url=page.url, site=page.site, stage="extract", reason=reason, detail=detail)


def _refusal(page: RawPage) -> str | None:
    """Why the response cannot hold an article, before any parsing; ``None`` when it may."""
    if _CHALLENGE_COOKIES.search(page.body) or (page.status == 412 and _RUISHU.search(page.body)):
        return "anti_bot_challenge"
    if not 200 <= page.status < 300:
        return f"http_{page.status}"
    if not page.body.strip():
        return "empty_page"
    mime = page.content_type.split(";")[0].strip().lower()
    if (mime and not mime.startswith(_HTML_TYPES)) or not _LOOKS_HTML.search(page.body[:4096]):
        return "not_html"
    return None


def _parse(text: str) -> _Element | None:
    text = _END_OF_DOCUMENT.sub("", _XML_DECLARATION.sub("", text))
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
    """The best meta value for a field; CMSs fill unused tags with ids or the label itself."""
    for name in _META[field]:
        value = _LABEL_PREFIX.sub("", meta.get(name, "")).strip()
        if _WORDY.search(value):
            return value
    return None


def _page_lines(tree: _Element) -> list[str]:
    """The visible text of the page, one line per block element."""
    parts: list[str] = []

    def walk(element: _Element) -> None:
        if element.tag in ("script", "style", "noscript", "template", "head") or not isinstance(
            element.tag, str
        ):
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
    """The headline: the meta tag, else the part of <title> the page also shows as a line."""
    declared = _first_meta(meta, "title")
    if declared and normalize(declared):
        return declared.strip()
    head = " ".join((tree.findtext(".//title") or "").split())
    shown = {normalize(line) for line in lines}
    if normalize(head) in shown:
        return head
    segments = [s for s in _TITLE_SEPARATOR.split(head) if normalize(s)]
    for segment in segments:
        if normalize(segment) in shown:
            return segment
    return segments[0] if segments else ""


def _labelled(lines: list[str], title: str) -> dict[str, str]:
    """Labelled values from the page lines, read from the headline on when it is shown."""
    target = normalize(title)
    start = next((i for i, line in enumerate(lines) if normalize(line) == target), 0)
    found: dict[str, str] = {}
    for line in lines[start:]:
        for field, value in parse_labelled(line).items():
            found.setdefault(field, value)
    return found


def _published(candidates: list[str | None], page: RawPage) -> datetime | None:
    """The first candidate that parses to a date not after the fetch (a future date is noise);
    a later candidate for the same day wins when it also gives the time of day."""
    fetched = page.fetched_at.astimezone(SHANGHAI)
    parsed = [parse_date(c, reference=fetched.date()) if c else None for c in candidates]
    valid = [when for when in parsed if when is not None and when <= fetched + timedelta(days=1)]
    if not valid:
        return None
    timed = [when for when in valid if when.date() == valid[0].date() and when.timetz() != _MIDNIGHT]
    return (timed or valid)[0]


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


def _clean_body(tree: _Element, url: str, title: str) -> CleanBody:
    """trafilatura on the focused page, then the line rules; a recall pass if that is a stub."""
    focused = focus(unwrap_layout_tables(tree))
    cleaned = clean_body(strip_pinyin(_body_text(focused, url, favor_recall=False)).splitlines(), title)
    if len(normalize("".join(cleaned.lines))) >= MIN_BODY_CHARS:
        return cleaned
    return clean_body(strip_pinyin(_body_text(tree, url, favor_recall=True)).splitlines(), title)


def extract(page: RawPage) -> Article | Rejected:
    """Turn one fetched page into an article, or say why it is not one."""
    refusal = _refusal(page)
    if refusal:
        return _reject(page, refusal)
    tree = _parse(decode(page.body, page.content_type)[0])
    if tree is None:
        return _reject(page, "empty_page")
    meta = _meta_tags(tree)
    lines = [strip_pinyin(line) for line in _page_lines(tree)]
    title = strip_pinyin(_title(meta, tree, lines))
    cleaned = _clean_body(tree, page.url, title)
    body = "\n".join(cleaned.lines)
    if len(normalize(body)) < MIN_BODY_CHARS:
        return _reject(page, "too_short" if lines else "empty_page", f"{len(normalize(body))} chars")
    labelled = _labelled(lines, title)
    credit = {field: labelled.get(field) or cleaned.credits.get(field) for field in FIELDS}
    published = _published([_first_meta(meta, "published"), credit["published"]], page)
    if published is None or not title:
        found_date, found_title = _fallback_metadata(tree, page.url)
        published = published or _published([found_date], page)
        title = title or strip_pinyin(found_title)
    flags = {"no_date"} if published is None else set()
    if count_mojibake(body) or count_mojibake(title):
        flags.add("mojibake")
    return Article(
        url=page.url,
        site=page.site,
        title=title,
        published_at=published,
        body=body,
        body_simplified=to_simplified(body),
        source=_first_meta(meta, "source") or credit["source"],
        author=_first_meta(meta, "author") or credit["author"],
        editor=credit["editor"],
        photographer=credit["photographer"],
        script=detect_script(body),
        flags=frozenset(flags),
        extractor_version=EXTRACTOR_VERSION,
    )
