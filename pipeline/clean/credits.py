"""Credit lines: who wrote, photographed, edited and supplied an article, in any combination.

A small grammar (``credits.yaml``) instead of a list of lines: a credit line is a sequence of items,
each ``[organisation] role [separator] names`` (``新华社记者 邹多为、唐诗凝``, ``某网某频道 记者 某某 某某``,
``记者陈智``), ``names role`` (``某某 摄``), ``organisation发（names摄）``, or ``role separator text``
(``来源｜某报``, ``原标题：…``); the line may be bracketed. A person name starts with a surname, so
``记者手记`` is a heading and stays. A credit that opens the first paragraph
(``本报讯（记者 某某 通讯员 某某）正文…``) is cut from it and the paragraph kept.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

CREDITS_FILE = Path(__file__).with_name("credits.yaml")
Pair = tuple[str, str]  # (field, value) as in boilerplate.FIELDS, or "ignored"

# A credit line is short; a longer line is a paragraph that mentions a reporter.
_MAX_LINE = 100
_MAX_TEXT = 60
_OPEN, _CLOSE = "（(【[〔", "）)】]〕"
_HAN = r"[\u4e00-\u9fff]"
_SEPARATOR = r"\s*[:：︱|丨｜/]\s*|\s+"
_BETWEEN_ITEMS = r"[\s，,;；|｜丨]*"


def _alternation(words: list[str]) -> str:
    return "|".join(map(re.escape, sorted(set(words), key=len, reverse=True)))


@dataclass(frozen=True, slots=True)
class Grammar:
    line: re.Pattern[str]  # a whole credit line (brackets removed)
    item: re.Pattern[str]  # one item, for reading the values
    opening: re.Pattern[str]  # a credit in brackets opening a paragraph
    field_of: Mapping[str, str]  # role -> field


@cache
def grammar() -> Grammar:
    data = yaml.safe_load(CREDITS_FILE.read_text(encoding="utf-8"))
    field_of: dict[str, str] = {}
    for group in ("person_roles", "text_roles", "after_names"):
        for field, roles in data[group].items():
            for role in roles:
                field_of.setdefault(f"{group}:{role}", field)
    people = [role for roles in data["person_roles"].values() for role in roles]
    texts = [role for roles in data["text_roles"].values() for role in roles]
    # Reporters and correspondents are written against the name: 记者陈智; other roles need a separator.
    attached = [role for role in people if role.endswith(("记者", "記者", "通讯员", "通訊員"))]
    spaced = [role for role in people if role not in attached]
    after = [role for roles in data["after_names"].values() for role in roles]
    singles = "".join(s for s in data["surnames"] if len(s) == 1)
    surname = _alternation([s for s in data["surnames"] if len(s) > 1]) + f"|[{singles}]"
    # A role word is never a name: in "记者 王刚 来源：某报", 来源 starts the next item.
    roles = _alternation([role for role in (*people, *texts) if len(role) > 1])
    name = rf"(?!{roles})(?:(?:{surname})(?:{_HAN}{{1,2}}|[ \u3000]{_HAN}(?!{_HAN}))|{_HAN}{{1,6}}·{_HAN}{{1,8}})"
    names = rf"{name}(?:\s*[、，,;；/\s]\s*{name})*"
    # "某某 摄" ends an item; in "记者 某某 摄影 某某" the role starts the next one.
    after_role = rf"(?:{_alternation(after)})(?!{_HAN})(?![\s:：︱|丨｜/]*{name})"
    organisation = (
        rf"(?:[\u4e00-\u9fffA-Za-z0-9]{{1,14}}?(?:{_alternation(data['organisation_ends'])})"
        rf"(?:[·/][\u4e00-\u9fffA-Za-z0-9]{{0,14}}?(?:{_alternation(data['organisation_ends'])}))*)"
    )
    person = (
        rf"(?:{organisation}{_HAN}{{0,4}}\s*)?(?:(?P<attached>{_alternation(attached)})(?:{_SEPARATOR})?"
        rf"|(?P<spaced>{_alternation(spaced)})(?:{_SEPARATOR}))(?P<names>{names})(?:\s*(?P<after>{after_role}))?"
    )
    named = rf"(?P<named>{names})\s*(?P<role_after>{after_role})"
    released = rf"{organisation}发\s*[（(]?\s*(?P<released>{names})\s*(?:摄|攝|摄影|攝影)\s*[)）]?"
    next_item = rf"{_BETWEEN_ITEMS}(?:{person}|(?:{_alternation(texts)})\s*[:：︱|丨｜/])"
    text = (
        rf"(?P<text_role>{_alternation(texts)})(?:\s*[:：︱|丨｜/]\s*|\s+)"
        rf"(?P<text>[^|｜︱]{{1,{_MAX_TEXT}}}?)(?=(?:{next_item.replace('?P<', '?P<x')})|\s*$)"
    )
    item = rf"(?:{released}|{person}|{named}|{text})"
    line = rf"^(?:{item.replace('?P<', '?P<l')}{_BETWEEN_ITEMS})+$"
    opening_item = item.replace("?P<", "?P<o")
    opening = rf"^[（(【\[]\s*(?:{opening_item}{_BETWEEN_ITEMS})+\s*[)）】\]]\s*(?P<rest>\S.*)$"
    return Grammar(re.compile(line), re.compile(item), re.compile(opening), field_of)


def _unwrap(line: str) -> str:
    text = line.strip()
    while len(text) > 2 and text[0] in _OPEN and text[-1] in _CLOSE:
        text = text[1:-1].strip()
    return text


def _names(text: str) -> str:
    """``张三 李四`` -> ``张三、李四``; a space inside a two-character name (``邹 明``) is layout."""
    parts = re.split(r"[、，,;；/]+|(?<=\S\S)\s+(?=\S\S)", text)
    return "、".join("".join(part.split()) for part in parts if part.strip())


def _pairs(text: str) -> list[Pair]:
    rules = grammar()
    pairs: list[Pair] = []
    for match in rules.item.finditer(text):
        if match["released"]:
            pairs.append(("photographer", _names(match["released"])))
        elif match["names"]:
            role = match["attached"] or match["spaced"]
            field = rules.field_of[f"person_roles:{role}"]
            if match["after"]:
                field = rules.field_of[f"after_names:{match['after']}"]
            pairs.append((field, _names(match["names"])))
        elif match["named"]:
            pairs.append((rules.field_of[f"after_names:{match['role_after']}"], _names(match["named"])))
        elif match["text_role"]:
            pairs.append((rules.field_of[f"text_roles:{match['text_role']}"], match["text"].strip()))
    return pairs


def parse_credit(line: str) -> list[Pair]:
    """The (field, value) pairs of a credit line; empty when the line is not one."""
    text = _unwrap(line)
    if not text or len(text) > _MAX_LINE or not grammar().line.match(text):
        return []
    return _pairs(text)


def split_opening_credit(line: str) -> tuple[str, list[Pair]]:
    """``（记者 某某）正文`` -> (``正文``, credits); the line itself when it opens otherwise."""
    text = line.strip()
    match = grammar().opening.match(text)
    if not match:
        return line, []
    return match["rest"], _pairs(_unwrap(text[: match.start("rest")].strip()))
