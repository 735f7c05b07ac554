"""The headline: candidates from every place a page states it, chosen by agreement.

A page names its headline several times: government meta tags (``ArticleTitle``), Open Graph and
Twitter titles, the ``<title>`` (usually followed by channel and site names), headings and
title-class elements, and the list page that linked to it. Each is wrong on some pages (a site name
in ``<title>``, a logo in ``<h1>``, markup inside a meta tag, a truncated link text), but they rarely
agree on the same wrong text. So every candidate, and every prefix and part of the ``<title>`` at a
separator, collects the weight of the sources that state the same words (loosely compared: no
whitespace, no punctuation); the best supported one wins, and its source is recorded.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from html import unescape

from lxml.etree import XPath, _Element

from pipeline.clean.headline import loose

# Weight of a source's word for the headline; a page line that shows the words supports them a little.
# A part of the <title> after a separator ("title-part") is a channel or site name more often than
# the headline: it needs another source to agree.
WEIGHTS = {"meta": 3, "og": 2, "heading": 2, "listed": 2, "element": 2, "title": 2, "title-part": 1, "shown": 1}
# When two candidates are equally supported, the more deliberate statement wins.
PRIORITY = ("meta", "og", "heading", "listed", "element", "title", "title-part")
# Headings are page lines themselves: that the page shows them is no second opinion.
_UNSHOWN = frozenset({"meta", "og", "listed", "title"})

# Meta tags that name the headline (lower-cased names), by source kind.
_TITLE_METAS = {
    "meta": ("articletitle", "title", "headline"),
    "og": ("og:title", "twitter:title"),
}
# Headline elements: h1 first; then h2/h3 and elements whose class or id says "title", not inside links.
_HEADINGS = XPath("//h1[not(ancestor::a)]")
_NAMED_TITLE = ("contains(translate({0}, 'TITLEHADN', 'titlehadn'), 'tit') or contains({0}, 'biaoti')"
                " or contains(translate({0}, 'TITLEHADN', 'titlehadn'), 'headline') or {0} = 'bt' or contains({0}, 'wzbt')")
_TITLE_ELEMENTS = XPath(
    f"//*[self::h2 or self::h3 or {_NAMED_TITLE.format('@class')} or {_NAMED_TITLE.format('@id')}]"
    "[not(ancestor-or-self::a)][not(self::title or self::meta or self::head or self::html or self::body)]"
)
_MAX_ELEMENTS = 12
# Shorter than this (loose characters) a text is a column or site name ("通知公告"), not a headline;
# longer than that, a paragraph.
MIN_CHARS = 5
_MAX_CHARS = 150
# An element whose text is mostly one link's is a link to another article.
_LINKED = 0.8
# Title separators: "_", "|", "｜", " - ", "-" not between two ASCII letters or digits, "--", "—"
# followed by a space. A "——" inside a headline introduces its subtitle and is not one.
_SEPARATOR = re.compile(r"\s*(?:_+|\||｜|-{2,}|\s-\s|(?<![A-Za-z0-9])-|-(?![A-Za-z0-9])|—\s)\s*")
_ELLIPSIS = re.compile(r"(?:\.{2,}|…+)$")
_TAG = re.compile(r"<[^>]*>")
_HEAD_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
# How the name of a site or channel ends, when it is one part of a <title>.
_SITE_NAME = re.compile(
    r"^.{0,16}(?:人民政府|政府网|政府|门户网站|门户网|门户|网站|网|網|频道|頻道|在线|客户端|电视台|"
    r"\.com|\.cn|\.gov|\.COM|\.CN)$"
)
_HAN = r"\u3400-\u9fff\uf900-\ufaff"
_CJK_PUNCT = r"\u3001-\u303f\uff01-\uff0f\uff1a-\uff20“”‘’"
# Layout spaces: between a Han character and a digit (``2007 年末``), next to CJK punctuation, and
# inside letter-spaced text (``关 于 印 发``). A space between two words of Han characters is the
# headline's own pause (``超5.26亿 山东省…``) and stays.
_LAYOUT_SPACE = re.compile(
    rf"(?<=[{_HAN}])\s(?=[0-9])|(?<=[0-9])\s(?=[{_HAN}])|(?<=[{_CJK_PUNCT}])\s|\s(?=[{_CJK_PUNCT}])"
)
_LETTER_SPACED = re.compile(rf"(?<![{_HAN}])[{_HAN}](?:\s[{_HAN}](?![{_HAN}])){{2,}}")
# A learned site name is a suffix at least this share of a site's titles end with.
_SHARED = 0.5
_MIN_TITLES = 3


@dataclass(frozen=True, slots=True)
class Candidate:
    source: str  # a key of WEIGHTS
    text: str  # tidied


def tidy(text: str) -> str:
    """One line without markup, one space where the layout put several, none where it only laid out
    Han characters (see ``_LAYOUT_SPACE``)."""
    text = _TAG.sub("\0", text)
    # Markup between Han characters (a <br> in a wrapped headline) joins them; elsewhere it is a space.
    text = re.sub(rf"(?<=[{_HAN}{_CJK_PUNCT}])\0+|\0+(?=[{_HAN}{_CJK_PUNCT}])", "", text).replace("\0", " ")
    text = " ".join(text.split())
    text = _LETTER_SPACED.sub(lambda match: match[0].replace(" ", ""), text)
    return _LAYOUT_SPACE.sub("", text)


def _segments(text: str) -> list[str]:
    return [part for part in _SEPARATOR.split(text) if part.strip()]


def _prefixes(text: str) -> list[str]:
    """``标题_栏目_站点`` -> ``标题``, ``标题_栏目``, the whole: where a site or channel suffix may start."""
    prefixes = []
    for match in _SEPARATOR.finditer(text):
        if match.start() > 0:
            prefixes.append(text[: match.start()].strip())
    return [*prefixes, text]


def strip_site_names(text: str, site_names: Iterable[str]) -> str:
    """``text`` without a site name it ends with (the longest one that fits)."""
    for name in sorted(site_names, key=len, reverse=True):
        if text.endswith(name) and loose(text[: -len(name)]):
            return text[: -len(name)].rstrip(" _-|｜—")
    return text


def head_title(html: str) -> str:
    """The ``<title>`` of a page's beginning, read without parsing the page."""
    match = _HEAD_TITLE.search(html)
    return tidy(unescape(match[1])) if match else ""


def learn_site_names(titles: Iterable[str]) -> frozenset[str]:
    """The suffixes (from a separator or a space on) that most of a site's ``<title>``s share: its
    name and channel, e.g. ``-新华网河北频道-新华网`` or `` 振兴东北网``. A ``<title>`` most pages
    have whole is the site's name too."""
    tidied = [tidy(title) for title in titles if title.strip()]
    if len(tidied) < _MIN_TITLES:
        return frozenset()
    counts: Counter[str] = Counter()
    for title in tidied:
        starts = [m.start() for m in _SEPARATOR.finditer(title)] + [m.start() for m in re.finditer(r"\s", title)]
        counts.update({title[start:] for start in starts if start > 0} | {title})
    needed = max(_MIN_TITLES, _SHARED * len(tidied))
    return frozenset(suffix.strip() if suffix in tidied else suffix for suffix, n in counts.items()
                     if n >= needed and loose(suffix))


def _element_texts(tree: _Element, selector: XPath) -> list[str]:
    """Texts of headline elements; an element that is mostly a link names another article."""
    texts = []
    for element in selector(tree):
        text = tidy(element.text_content())
        size = len(loose(text))
        if not MIN_CHARS <= size <= _MAX_CHARS:
            continue
        if any(len(loose(link.text_content())) >= _LINKED * size for link in element.iter("a")):
            continue
        texts.append(text)
        if len(texts) == _MAX_ELEMENTS:
            break
    return texts


def candidates(meta: Mapping[str, str], tree: _Element, listed: str | None, site_names: Iterable[str]) -> list[Candidate]:
    """Every statement of the headline on the page, tidied, site names removed from the titles."""
    found = [
        Candidate(kind, strip_site_names(tidy(meta[name]), site_names))
        for kind, names in _TITLE_METAS.items()
        for name in names
        if meta.get(name)
    ]
    head = tree.find(".//title")
    if head is not None:
        found.append(Candidate("title", strip_site_names(tidy(head.text_content()), site_names)))
    found += [Candidate("heading", text) for text in _element_texts(tree, _HEADINGS)]
    found += [Candidate("element", text) for text in _element_texts(tree, _TITLE_ELEMENTS)]
    if listed:
        found.append(Candidate("listed", tidy(listed)))
    return [c for c in found if len(loose(c.text)) >= MIN_CHARS]


@dataclass(frozen=True, slots=True)
class _Form:
    source: str
    text: str
    key: str
    stem: bool  # a text cut short with an ellipsis: it agrees with what it starts


def _forms(candidate: Candidate, site_keys: set[str]) -> list[_Form]:
    """A title tag's prefixes and parts (the headline may come first or after a site name); a
    prefix that holds a site name is none of them."""
    texts = [(candidate.source, candidate.text)]
    if candidate.source in ("title", "og"):
        prefixes = [p for p in _prefixes(candidate.text) if not site_keys & {loose(s) for s in _segments(p)}]
        texts = [(candidate.source, text) for text in prefixes]
        texts += [("title-part", part) for part in _segments(candidate.text)[1:] if part not in prefixes]
    forms = []
    for source, text in texts:
        stem = bool(_ELLIPSIS.search(text))
        key = loose(_ELLIPSIS.sub("", text))
        if len(key) >= MIN_CHARS:
            forms.append(_Form(source, _ELLIPSIS.sub("", text) if stem else text, key, stem))
    return forms


def _agrees(form: _Form, key: str) -> bool:
    if form.key == key:
        return True
    if form.stem:
        return key.startswith(form.key)
    return False


def _site_segments(found: Sequence[Candidate]) -> set[str]:
    """Loose keys of the parts of titles that name a site or channel (``某某市人民政府``, ``新华网``)."""
    parts = [_segments(c.text) for c in found if c.source in ("title", "og")]
    return {loose(part) for segments in parts if len(segments) > 1 for part in segments if _SITE_NAME.search(part)}


def _shown_keys(lines: Sequence[str], longest: int) -> dict[str, str]:
    """Loose keys of the page's lines, and of two or three consecutive lines joined (a wrapped or
    stacked headline), for lines no longer than a headline can be."""
    limit = 2 * longest + 10
    keyed = [(loose(line), line) if len(line) <= limit else ("", "") for line in lines]
    shown: dict[str, str] = {}
    for index, (key, line) in enumerate(keyed):
        if not key:
            continue
        shown.setdefault(key, line)
        for following_key, following in keyed[index + 1 : index + 3]:
            if not following_key:
                break
            key, line = key + following_key, line + following
            shown.setdefault(key, line)
    return shown


def choose(found: Sequence[Candidate], lines: Sequence[str], site_names: Iterable[str] = ()) -> tuple[str, str]:
    """The best supported headline and the kind of source that stated it; ``("", "")`` for none.

    A candidate two sources agree on (a page line showing it counts) beats one only its own source
    states; then the higher weight, the more deliberate source, and the longer text win. Among
    lone prefixes of the ``<title>`` the shortest wins: what follows a separator is a channel or
    site name far more often than the rest of a headline.
    """
    excluded = _site_segments(found) | {loose(name) for name in site_names}
    forms = [form for candidate in found for form in _forms(candidate, excluded)]
    if not forms:
        return "", ""
    shown = _shown_keys(lines, max(len(f.text) for f in forms))
    # A shown line that the <title> starts with: a headline whose site name follows a mere space.
    heads = [f for f in forms if f.source == "title" and not f.stem]
    for key, line in shown.items():
        if len(key) >= 2 * MIN_CHARS and any(h.key.startswith(key) and h.key != key for h in heads):
            forms.append(_Form("title", line, key, False))
    best: tuple[tuple[bool, int, int, int], str, str] | None = None
    for key in {f.key for f in forms if not f.stem} - excluded:
        supporters = {f.source for f in forms if _agrees(f, key)} | ({"shown"} if key in shown else set())
        score = sum(WEIGHTS[s] for s in supporters)
        source = min(supporters - {"shown"}, key=PRIORITY.index)
        text = min((f for f in forms if f.key == key), key=lambda f: PRIORITY.index(f.source)).text
        agreed = len(supporters - {"shown"}) > 1 or ("shown" in supporters and bool(supporters & _UNSHOWN))
        length = -len(key) if source == "title" and not agreed else len(key)
        rank = (agreed, score, -PRIORITY.index(source), length)
        if best is None or rank > best[0]:
            best = (rank, text, source)
    if best is None:
        return "", ""
    return best[1], best[2]
