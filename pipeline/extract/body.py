"""The article text: trafilatura on the CMS body container or the page, then the line rules.

Inside a CMS body container everything is article, so trafilatura runs in recall mode there. On a
whole page, where the gov-specific knowledge does not apply, it runs in ``favor_precision`` mode
(on general news pages the best of its modes), first without its comparison against readability
and jusText: that costs more than the rest of extraction, and on the benchmark pages it changed the
result only where the main pass found next to nothing (or added a video player's text to a short
article). While the result is a stub, the next mode runs: with the comparison, then trafilatura's
defaults, then recall mode.
"""

from __future__ import annotations

import trafilatura
from lxml.etree import _Element

from pipeline.clean.boilerplate import CleanBody, clean_body
from pipeline.clean.headline import loose
from pipeline.clean.layout import focus, unwrap_layout_tables
from pipeline.clean.pinyin import strip_pinyin

# Below this many characters (whitespace removed) a body is a stub, an index or an error page.
MIN_BODY_CHARS = 40
# trafilatura's settings on a whole page, in the order they are tried.
_PAGE_MODES = ({"favor_precision": True, "fast": True}, {"favor_precision": True}, {}, {"favor_recall": True})


def length(text: str) -> int:
    """Characters without whitespace."""
    return len("".join(text.split()))


def _text(tree: _Element, url: str, mode: dict[str, bool]) -> str:
    document = trafilatura.bare_extraction(tree, url=url, include_comments=False, include_tables=True, **mode)
    return (document.text or "") if document else ""


def _cleaned(tree: _Element, url: str, title: str, mode: dict[str, bool]) -> CleanBody:
    return clean_body(strip_pinyin(_text(tree, url, mode)).splitlines(), title, _other_headlines(tree, title))


def _other_headlines(tree: _Element, title: str) -> list[str]:
    """Headlines of other articles on the page: ``<h1>``s marked up as this article's headline is
    (same class), as pages that scroll on into the next article render them. An ``<h1>`` of another
    class is a logo or a heading inside the article."""
    target = loose(title)
    texts = [(h1.get("class"), " ".join(h1.text_content().split())) for h1 in tree.iter("h1")]
    own = {cls for cls, text in texts if cls and target and target in loose(text)}
    return [text for cls, text in texts if cls in own and target not in loose(text)]


def _length(cleaned: CleanBody) -> int:
    return length("".join(cleaned.lines))


def extract_body(tree: _Element, url: str, title: str) -> tuple[CleanBody, _Element]:
    """The cleaned body and the tree it came from (the container, or the page)."""
    focused = focus(unwrap_layout_tables(tree))
    if focused is not tree:
        cleaned = _cleaned(focused, url, title, {"favor_recall": True})
        if _length(cleaned) >= MIN_BODY_CHARS:
            return cleaned, focused
    results = []
    for mode in _PAGE_MODES:
        results.append(_cleaned(tree, url, title, mode))
        if _length(results[-1]) >= MIN_BODY_CHARS:
            return results[-1], tree
    return max(results, key=_length), tree
