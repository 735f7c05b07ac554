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

from pipeline.clean.credits import parse_credit, split_opening_credit
from pipeline.clean.dates import date_prefix, parse_date
from pipeline.clean.headline import cut_next_article, drop_headline

RULES_FILE = Path(__file__).with_name("rules.yaml")
FIELDS = ("published", "source", "author", "editor", "photographer")
_CREDITS = frozenset(FIELDS) - {"published"}
# Where labelled lines sit in a body: the date line under the headline, the credits at the end.
_HEAD_LINES = 3
_TAIL_LINES = 5
# A credit in brackets opens one of the first paragraphs: "本报讯（记者 某某）……".
_OPENING_LINES = 2

# A metadata line is short; a longer line that starts with "时间：" is a paragraph.
_MAX_LABELLED = 120
# The value a bare label takes from the next line is a name, a number or a date.
_MAX_VALUE = 60
_OPEN = "（(【[〔"
_CLOSE = "）)】]〕"
# trafilatura writes list items as "- item" and table rows as "| a | b |"; the reader sees
# neither marker, and each table cell is a line of its own.
_BULLET = re.compile(r"^(?:[-•●◆■▪►]\s+)+")
_CELL_SEPARATOR = " | "
_CLOCK = re.compile(r"\d{1,2}[:：]\d{2}")
_SEPARATORS = " \u3000|｜/丨·"
_DATE_IN_VALUE = re.compile(r"\s(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}")
# The last line of a body may sign it off with a bare name in brackets: "（万载县统计局）".
_SIGN_OFF = re.compile(r"^[（(]\s*(?P<value>[^（()）\d，。,.；;：:！!？?]{2,20}?)\s*[)）]$")


@dataclass(frozen=True, slots=True)
class Rules:
    label_field: Mapping[str, str]  # label -> field ("published", ..., "ignored")
    label: re.Pattern[str]  # any label followed by a colon
    drop: re.Pattern[str]  # all drop rules in one alternation: one pass per line
    tail: re.Pattern[str]
    placeholders: frozenset[str]


@dataclass(frozen=True, slots=True)
class CleanBody:
    lines: tuple[str, ...]
    credits: Mapping[str, str]  # field -> first value found, fields as in FIELDS


def _any(patterns: list[str]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{pattern})" for pattern in patterns))


@cache
def rules() -> Rules:
    data = yaml.safe_load(RULES_FILE.read_text(encoding="utf-8"))
    label_field = {label: field for field, labels in data["labels"].items() for label in labels}
    # Longest first, so "发布时间" wins over "时间" at the same position.
    alternation = "|".join(map(re.escape, sorted(label_field, key=len, reverse=True)))
    return Rules(
        label_field=MappingProxyType(label_field),
        label=re.compile(rf"(?P<label>{alternation})\s*[:：]\s*"),
        drop=_any(data["drop"]),
        tail=_any(data["tail"]),
        placeholders=frozenset(value.lower() for value in data["placeholders"]),
    )


def normalize(text: str) -> str:
    """NFKC without whitespace: the form in which lines are compared."""
    return "".join(unicodedata.normalize("NFKC", text).split())


def could_be(line: str, title: str) -> bool:
    """Cheap length test before normalizing: a line much longer than the title is not it."""
    return len(line) <= 2 * len(title) + 10


def _unwrap(line: str) -> str:
    """``(责编：某某)`` -> ``责编：某某``: brackets around a whole line carry no meaning."""
    if len(line) > 2 and line[0] in _OPEN and line[-1] in _CLOSE:
        return line[1:-1].strip()
    return line


Pair = tuple[str, str]  # (field, value); field as in FIELDS or "ignored"; value may be ""


def _values(text: str, start: int) -> list[Pair] | None:
    """The label/value pairs from ``start`` on; ``None`` unless a label comes first."""
    matches = list(rules().label.finditer(text, start))
    if not matches or text[start : matches[0].start()].strip(_SEPARATORS + _OPEN):
        return None
    pairs: list[Pair] = []
    for match, following in zip(matches, [*matches[1:], None], strict=True):
        value = text[match.end() : following.start() if following else len(text)]
        value = value.strip(_SEPARATORS + _CLOSE)
        field = rules().label_field[match["label"]]
        when = _DATE_IN_VALUE.search(value) if field != "published" else None
        if when:
            # "来源：人民网 2024年05月10日": the date after a value is the publication date.
            pairs.append(("published", value[when.start() :].strip()))
            value = value[: when.start()].strip(_SEPARATORS)
        if field == "published" and value and parse_date(value) is None:
            return None
        pairs.append((field, value))
    return pairs


def parse_labelled(line: str) -> list[Pair]:
    """The labelled values of a metadata or credit line; empty when the line is not one.

    ``发布时间:2020-04-07  来源:上海市松江区人民政府`` -> ``[("published", "2020-04-07"),
    ("source", "上海市松江区人民政府")]``. A line qualifies when it starts with a label and a
    colon, or with a date followed by one; a date label must hold a date with its year. A label
    with nothing after it gets ``""``: its value is the next line (a table cell, typically).
    """
    text = _unwrap(line.strip()).strip(_SEPARATORS)
    if not text or len(text) > _MAX_LABELLED:
        return []
    start = date_prefix(text)
    # A bare timestamp is a publication stamp; a bare date may be a dateline in a speech.
    if start and start == len(text):
        return [("published", text)] if _CLOCK.search(text) else []
    pairs = _values(text, start)
    if pairs is None:
        return []
    return [("published", text[:start].strip()), *pairs] if start else pairs


@dataclass(frozen=True, slots=True)
class Labels:
    values: Mapping[str, str]  # field -> first non-empty value
    consumed: frozenset[int]  # indexes of the lines that held labels or their values


def read_labels(lines: Sequence[str]) -> Labels:
    """Labelled values over consecutive lines, where a bare label takes the next line as value."""
    values: dict[str, str] = {}
    consumed: set[int] = set()
    dangling: str | None = None
    for index, line in enumerate(lines):
        pairs = parse_labelled(line) or parse_credit(line)
        if not pairs and dangling and len(line) <= _MAX_VALUE and _valid(dangling, line):
            pairs = [(dangling, line.strip())]
        dangling = None
        if not pairs:
            continue
        consumed.add(index)
        for field, value in pairs:
            if value and field != "ignored" and not is_placeholder(value):
                values.setdefault(field, value)
        field, value = pairs[-1]
        dangling = None if value else field
    return Labels(values=MappingProxyType(values), consumed=frozenset(consumed))


def _valid(field: str, value: str) -> bool:
    return field != "published" or parse_date(value) is not None


def is_placeholder(value: str) -> bool:
    """True for an author or source a CMS filled in by default ("系统管理员", "admin")."""
    return value.strip().lower() in rules().placeholders


def is_chrome(line: str) -> bool:
    """True for a line that is page furniture: widgets, related links, pagers, footers."""
    return rules().drop.search(line) is not None


def cut_tail(lines: Sequence[str]) -> list[str]:
    """Drop a trailing section (related articles, share bar, comments) and all after it.

    Only when the text before the marker outweighs the text after it, so that a marker near
    the top of a page with a short body cannot take the article with it.
    """
    for index, line in enumerate(lines):
        if rules().tail.search(line):
            before = sum(map(len, lines[:index]))
            after = sum(map(len, lines[index + 1 :]))
            if before >= after:
                return list(lines[:index])
    return list(lines)


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


def _removable(index: int, line: str, total: int) -> bool:
    """A labelled line is metadata under the headline and among the closing credits; in the
    middle of the text only a credit is, since "时间：2024年5月19日 9:00" there is a notice's."""
    if index < _HEAD_LINES or index >= total - _TAIL_LINES:
        return True
    return any(field in _CREDITS and value for field, value in parse_labelled(line)) or bool(parse_credit(line))


def clean_body(lines: Sequence[str], title: str, headlines: Sequence[str] = ()) -> CleanBody:
    """Apply all line rules; return the kept lines and the credits read from removed ones.

    ``headlines``: the page's ``<h1>``s; a body line that repeats another article's ends the body.
    """
    split = cut_next_article(cut_tail(split_markup(lines)), title, headlines)
    labels = read_labels(split)
    credits = dict(labels.values)
    kept = [
        line
        for index, line in enumerate(split)
        if not (index in labels.consumed and _removable(index, line, len(split))) and not is_chrome(line)
    ]
    body = drop_headline(kept, title)
    for index, line in enumerate(body[:_OPENING_LINES]):
        body[index], opening = split_opening_credit(line)
        for field, value in opening:
            if field != "ignored":
                credits.setdefault(field, value)
    sign_off = _SIGN_OFF.match(body[-1]) if body else None
    if sign_off:
        credits.setdefault("author", sign_off["value"])
        body.pop()
    return CleanBody(lines=tuple(body), credits=MappingProxyType(credits))
