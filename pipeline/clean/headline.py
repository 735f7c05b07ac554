"""The headline repeated at the top of the body, however the page broke it into lines.

A long headline wraps at any point, a stacked one puts 引题 (kicker), 主题 (headline) and 副题
(``——`` subtitle) on lines of their own, and the repetition may differ from the chosen title by a
character or two. So the first short lines are joined and compared with the title, loosely (no
whitespace or punctuation) and fuzzily, not line by line; a kicker just above and a subtitle just
below the match go with it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from difflib import SequenceMatcher

# The repetition starts within the first lines of the body and spans a few of them.
_SCAN = 6
_MAX_LINES = 4
# Joined lines this similar to the title (difflib ratio) are the title; so is the title followed by
# a few characters of widget text ("播报文章", "收起").
_SIMILAR = 0.9
_MAX_WIDGET = 6
# A kicker or subtitle is short and is not a sentence.
_MAX_KICKER = 40
_MAX_SUBTITLE = 80
_SENTENCE_END = re.compile(r"[。！？!?]$")
_SUBTITLE = re.compile(r"^\s*(?:——|—|--|－－)")
# A headline repeated in the body may carry a footnote mark: "……统计公报[1]".
_FOOTNOTE = re.compile(r"(\[\d{1,2}\]|\*)$")
_NOT_WORD = re.compile(r"[\W_]+")


def loose(text: str) -> str:
    """NFKC without whitespace, punctuation or symbols: how headlines are compared."""
    return _NOT_WORD.sub("", unicodedata.normalize("NFKC", _FOOTNOTE.sub("", text.strip())))


def _similar(joined: str, target: str) -> bool:
    if joined == target or (joined.startswith(target) and len(joined) - len(target) <= _MAX_WIDGET):
        return True
    if abs(len(joined) - len(target)) > (1 - _SIMILAR) * len(target):
        return False
    return SequenceMatcher(None, joined, target, autojunk=False).ratio() >= _SIMILAR


def _block(lines: Sequence[str], target: str) -> tuple[int, int] | None:
    """(start, end) of the lines at the top that together are the title."""
    for start in range(min(_SCAN, len(lines))):
        joined = ""
        for end in range(start, min(start + _MAX_LINES, len(lines))):
            key = loose(lines[end])
            if not key or len(key) > len(target) + 10:
                break
            joined += key
            if _similar(joined, target):
                return start, end + 1
            if len(joined) > len(target) * (2 - _SIMILAR):
                break
    return None


def _is_kicker(line: str) -> bool:
    return 0 < len(line.strip()) <= _MAX_KICKER and not _SENTENCE_END.search(line.strip())


def drop_headline(lines: Sequence[str], title: str) -> list[str]:
    """The lines without the headline: its block at the top with kicker and subtitle, and any other
    line that repeats it whole."""
    target = loose(title)
    if not target:
        return list(lines)
    kept = list(lines)
    block = _block(kept, target)
    if block:
        start, end = block
        if start > 0 and _is_kicker(kept[start - 1]) and start - 1 < _SCAN - 1:
            start -= 1
        if end < len(kept) and _SUBTITLE.match(kept[end]) and len(kept[end]) <= _MAX_SUBTITLE:
            end += 1
        kept[start:end] = []
    return [line for line in kept if loose(line) != target]


# Another article's headline this long is not a subheading of this one.
_MIN_OTHER_HEADLINE = 12


def cut_next_article(lines: Sequence[str], title: str, headlines: Sequence[str]) -> list[str]:
    """The lines up to the headline of another article: pages that scroll on into the next
    article (``<h1>`` after ``<h1>``) put both in one text. ``headlines``: the page's ``<h1>``s."""
    target = loose(title)
    others = {key for key in map(loose, headlines) if len(key) >= _MIN_OTHER_HEADLINE and target not in key}
    for index, line in enumerate(lines):
        if index > 0 and loose(line) in others:
            return list(lines[:index])
    return list(lines)
