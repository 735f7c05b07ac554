"""Extraction: one fetched page to an ``Article``, or a ``Rejected`` saying why not.

One module per concern: ``document`` (refusal, parsing, meta tags, visible lines), ``titles``
(headline candidates chosen by agreement), ``dates`` (publication time candidates in order of
trust), ``body`` (trafilatura and the line rules of ``pipeline.clean``). Metadata records which
source it came from (``title_source``, ``date_source``), so weak sources show in reports.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence

from lxml.etree import _Element

from pipeline.clean.attachments import find_attachments
from pipeline.clean.boilerplate import FIELDS, is_placeholder, read_labels
from pipeline.clean.encoding import decode
from pipeline.clean.mojibake import count_mojibake
from pipeline.clean.pinyin import strip_pinyin
from pipeline.clean.script import detect_script, to_simplified
from pipeline.extract import dates, titles
from pipeline.extract.body import MIN_BODY_CHARS, extract_body, length
from pipeline.extract.document import error_page, meta_tags, page_lines, parse, refusal
from pipeline.records import Article, RawPage, Rejected

__all__ = ["EXTRACTOR_VERSION", "MIN_BODY_CHARS", "extract", "learn_site_names"]

EXTRACTOR_VERSION = "govnews-3"

# Government CMS meta tags (lower-cased names) for the credits, best first.
_CREDIT_METAS = {"source": ("contentsource",), "author": ("author",)}


def learn_site_names(heads: Iterable[tuple[bytes, str]]) -> frozenset[str]:
    """A site's name and channel suffixes, learned from the beginnings of its pages (bytes, and the
    Content-Type header): what most of their ``<title>``s end with."""
    texts = (decode(head[: head.rfind(b">") + 1], content_type)[0] for head, content_type in heads)
    return titles.learn_site_names(titles.head_title(text) for text in texts)


def _reject(page: RawPage, reason: str, detail: str = "") -> Rejected:
    return Rejected(url=page.url, site=page.site, stage="extract", reason=reason, detail=detail)


def _credit_meta(meta: Mapping[str, str], field: str) -> str | None:
    """CMSs fill unused credit tags with ids, the label itself or a default user: not a name."""
    for name in _CREDIT_METAS[field]:
        value = meta.get(name, "").strip()
        for label in ("来源", "來源", "作者"):
            value = value.removeprefix(label).lstrip(":： ")
        if value and any(c.isalpha() for c in value) and not is_placeholder(value):
            return value
    return None


def headline_index(lines: Sequence[str], title: str) -> int | None:
    """Where the page shows the headline (alone, or wrapped over two lines)."""
    target = titles.loose(title)
    if not target:
        return None
    for index, line in enumerate(lines):
        key = titles.loose(line) if len(line) <= 2 * len(title) + 10 else ""
        if key and (key == target or (target.startswith(key) and index + 1 < len(lines)
                                      and key + titles.loose(lines[index + 1]) == target)):
            return index
    return None


def _labelled(lines: Sequence[str], start: int | None) -> Mapping[str, str]:
    """Labelled values of the page lines from the headline on; lines above it only fill what is
    still missing (some templates put the date line above)."""
    if not start:
        return read_labels(lines).values
    below = read_labels(lines[start:]).values
    return {**read_labels(lines[:start]).values, **below}


def _published(page: RawPage, tree: _Element, meta: Mapping[str, str], lines: Sequence[str], start: int | None,
               labelled: Mapping[str, str], in_body: str | None) -> dates.DateCandidate | None:
    """The publication time in order of trust (``dates``): the window around the headline first."""
    window = read_labels(dates.headline_window(lines, start)).values
    found = dates.candidates(labelled=window.get("published"), metas=dates.meta_dates(meta, tree), url=page.url,
                             listed=page.listed_date, in_body=in_body, on_page=labelled.get("published"),
                             fetched_at=page.fetched_at)
    return dates.choose(found) or dates.markup_date(tree, page.url, page.fetched_at)


def _flags(article_date: dates.DateCandidate | None, body: str, title: str) -> frozenset[str]:
    flags = {"no_date"} if article_date is None else set()
    if not title:
        flags.add("no_title")
    if count_mojibake(body) or count_mojibake(title):
        flags.add("mojibake")
    return frozenset(flags)


def extract(page: RawPage, site_names: Collection[str] = ()) -> Article | Rejected:
    """Turn one fetched page into an article, or say why it is not one.

    ``site_names``: the site's name and channel suffixes, as ``titles.learn_site_names`` learns
    them from the ``<title>``s of the site's stored pages.
    """
    refused = refusal(page)
    if refused:
        return _reject(page, *refused)
    tree, unreadable = parse(decode(page.body, page.content_type)[0])
    if unreadable:
        return _reject(page, unreadable, "nested deeper than the HTML parser reads (256 levels)")
    if tree is None:
        return _reject(page, "empty_page")
    meta = meta_tags(tree)
    lines = [strip_pinyin(line) for line in page_lines(tree)]
    if message := error_page(tree, lines):
        return _reject(page, "error_page", f"HTTP {page.status}, but the page says {message!r}")
    found = titles.candidates(meta, tree, page.listed_title, site_names)
    title, title_source = titles.choose(found, lines, site_names)
    title = strip_pinyin(title)
    cleaned, container = extract_body(tree, page.url, title)
    body = "\n".join(cleaned.lines)
    if length(body) < MIN_BODY_CHARS:
        return _reject(page, "too_short" if lines else "empty_page", f"{length(body)} characters")
    start = headline_index(lines, title)
    labelled = _labelled(lines, start)
    credit = {field: labelled.get(field) or cleaned.credits.get(field) for field in FIELDS}
    published = _published(page, tree, meta, lines, start, labelled, cleaned.credits.get("published"))
    script = detect_script(body)
    return Article(
        url=page.url,
        site=page.site,
        title=title,
        published_at=published.when if published else None,
        body=body,
        # Converting text that is already Simplified can only damage it: t2s turns 乾清宫 into 干清宫.
        body_simplified=body if script == "simplified" else to_simplified(body),
        source=_credit_meta(meta, "source") or credit["source"],
        author=_credit_meta(meta, "author") or credit["author"],
        editor=credit["editor"],
        photographer=credit["photographer"],
        script=script,
        flags=_flags(published, body, title),
        attachments=find_attachments(container, page.url),
        extractor_version=EXTRACTOR_VERSION,
        title_source=title_source,
        date_source=published.source if published else "",
    )
