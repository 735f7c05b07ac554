"""Line-level cleaning of an extracted body: metadata and credit lines, page chrome, the headline.

The rules are data (``rules.yaml`` beside this module); the functions here only apply them.
Credit and metadata lines are not thrown away: their values are returned so that extraction can
fill ``source``, ``author``, ``editor``, ``photographer`` and the date.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import MappingProxyType

import yaml

from pipeline.clean.dates import date_prefix, parse_date

RULES_FILE = Path(__file__).with_name("rules.yaml")
FIELDS = ("published", "source", "author", "editor", "photographer")

# A metadata line is short; a longer line that starts with "时间：" is a paragraph.
_MAX_LABELLED = 120
_OPEN = "（(【[〔"
# trafilatura writes list items as "- item" and table rows as "| a | b |"; the reader sees
# neither marker, and each table cell is a line of its own.
_BULLET = re.compile(r"^(?:[-•●◆■▪►]\s+)+")
_CELL_SEPARATOR = " | "
_CLOCK = re.compile(r"\d{1,2}[:：]\d{2}")
# A headline repeated in the body may carry a footnote mark: "……统计公报[1]".
_FOOTNOTE = re.compile(r"(\[\d{1,2}\]|\*)$")
# The last line of a body may sign it off with a bare name in brackets: "（万载县统计局）".
_SIGN_OFF = re.compile(r"^[（(]\s*(?P<value>[^（()）\d，。,.；;：:！!？?]{2,20}?)\s*[)）]$")
_CLOSE = "）)】]〕"


@dataclass(frozen=True, slots=True)
class Rules:
    label_field: Mapping[str, str]  # label -> field ("published", ..., "ignored")
    label: re.Pattern[str]  # any label followed by a colon
    drop: tuple[re.Pattern[str], ...]
    tail: tuple[re.Pattern[str], ...]


@dataclass(frozen=True, slots=True)
class CleanBody:
    lines: tuple[str, ...]
    credits: Mapping[str, str]  # field -> first value found, fields as in FIELDS


@cache
def rules() -> Rules:
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    label_field = {label: field for field, labels in data["labels"].items() for label in labels}
    # Longest first, so "发布时间" wins over "时间" at the same position.
    alternation = "|".join(map(re.escape, sorted(label_field, key=len, reverse=True)))
    return Rules(
        label_field=MappingProxyType(label_field),
        label=re.compile(rf"(?P<label>{alternation})\s*[:：]\s*"),
        drop=tuple(re.compile(pattern) for pattern in data["drop"]),
        tail=tuple(re.compile(pattern) for pattern in data["tail"]),
    )


def normalize(text: str) -> str:
    """NFKC without whitespace: the form in which lines are compared."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def _unwrap(line: str) -> str:
    """``(责编：某某)`` -> ``责编：某某``: brackets around a whole line carry no meaning."""
    if len(line) > 2 and line[0] in _OPEN and line[-1] in _CLOSE:
        return line[1:-1].strip()
    return line


def parse_labelled(line: str) -> dict[str, str]:
    """The labelled values of a metadata or credit line; empty when the line is not one.

    ``发布时间:2020-04-07  来源:上海市松江区人民政府`` -> ``{"published": "2020-04-07",
    "source": "上海市松江区人民政府"}``. A line qualifies when it starts with a label and a colon,
    or with a date followed by one; a date-only label must hold a date with its year.
    """
    text = _unwrap(line.strip())
    if not text or len(text) > _MAX_LABELLED:
        return {}
    found: dict[str, str] = {}
    start = date_prefix(text)
    if start:
        found["published"] = text[:start].strip()
        # A bare timestamp is a publication stamp; a bare date may be a dateline in a speech.
        if start == len(text) and _CLOCK.search(text):
            return found
    matches = list(rules().label.finditer(text, start))
    if not matches or text[start : matches[0].start()].strip():
        return {}
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        end = following.start() if following else len(text)
        value = text[match.end() : end].strip(" \u3000|｜/" + _CLOSE)
        field = rules().label_field[match["label"]]
        if field == "published" and parse_date(value) is None:
            return {}
        if value and field != "ignored":
            found.setdefault(field, value)
    return found


def is_chrome(line: str) -> bool:
    """True for a line that is page furniture: widgets, related links, pagers, footers."""
    return any(pattern.search(line) for pattern in rules().drop)


def cut_tail(lines: Sequence[str]) -> list[str]:
    """Drop a trailing section (related articles, share bar, comments) and all after it.

    Only when the text before the marker outweighs the text after it, so that a marker near
    the top of a page with a short body cannot take the article with it.
    """
    for index, line in enumerate(lines):
        if any(pattern.search(line) for pattern in rules().tail):
            before = sum(map(len, lines[:index]))
            after = sum(map(len, lines[index + 1 :]))
            if before >= after:
                return list(lines[:index])
    return list(lines)


def drop_headline(lines: Sequence[str], title: str) -> list[str]:
    """Remove every repetition of the headline: whole lines, or the headline split over two."""
    target = normalize(title)
    if not target:
        return list(lines)
    keys = [_FOOTNOTE.sub("", normalize(line)) for line in lines]
    kept: list[str] = []
    skip_next = False
    for index, line in enumerate(lines):
        if skip_next:
            skip_next = False
            continue
        if keys[index] == target:
            continue
        following = keys[index + 1] if index + 1 < len(keys) else ""
        if keys[index] and following and keys[index] + following == target:
            skip_next = True
            continue
        kept.append(line)
    return kept


def split_markup(lines: Sequence[str]) -> list[str]:
    """trafilatura's text lines as a reader sees them: no list bullets, one table cell a line."""
    split: list[str] = []
    for raw in lines:
        line = _BULLET.sub("", raw.strip())
        if line.startswith("|") and line.endswith("|"):
            split.extend(cell.strip() for cell in line.strip("|").split(_CELL_SEPARATOR))
        else:
            split.append(line)
    return [line for line in split if line]


def clean_body(lines: Sequence[str], title: str) -> CleanBody:
    """Apply all line rules; return the kept lines and the credits read from removed ones."""
    credits: dict[str, str] = {}
    kept: list[str] = []
    for line in cut_tail(split_markup(lines)):
        labelled = parse_labelled(line)
        if labelled:
            for field, value in labelled.items():
                credits.setdefault(field, value)
            continue
        if not is_chrome(line):
            kept.append(line)
    body = drop_headline(kept, title)
    sign_off = _SIGN_OFF.match(body[-1]) if body else None
    if sign_off:
        credits.setdefault("author", sign_off["value"])
        body.pop()
    return CleanBody(lines=tuple(body), credits=MappingProxyType(credits))
