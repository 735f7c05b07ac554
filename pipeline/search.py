"""Search queries and their results, as pure functions: the terms, their index keys, the snippet.

The index (``pipeline/store/search.py``) holds every two-character substring of an article's title
and Simplified body, so any term of two or more characters is found exactly (no dictionary decides
where a word ends: names and new policy terms are found as reliably as common words). A term is
looked for in its Simplified form (bodies are searched in their Simplified copy) and, for titles kept
in Traditional script, in its Traditional form too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from pipeline.clean.script import to_simplified, to_traditional

MIN_TERM = 2  # the index keys are two characters long
SNIPPET_CHARS = 120


class QueryError(ValueError):
    """A query that cannot be searched: empty, or a term shorter than the index keys."""


@dataclass(frozen=True, slots=True)
class Term:
    forms: tuple[str, ...]  # lower-cased; the Simplified form first

    @property
    def simplified(self) -> str:
        return self.forms[0]


@dataclass(frozen=True, slots=True)
class Query:
    text: str
    terms: tuple[Term, ...]  # every term must occur


@dataclass(frozen=True, slots=True)
class Hit:
    article_id: int
    site: str
    url: str
    title: str
    published_at: datetime | None
    score: float
    snippet: str
    highlights: tuple[tuple[int, int], ...]  # [start, end) of each match in ``snippet``


def parse_query(text: str) -> Query:
    """Whitespace-separated terms, all required; Traditional or Simplified, any case."""
    words = text.split()
    if not words:
        raise QueryError("the query is empty")
    short = [w for w in words if len(w) < MIN_TERM]
    if short:
        raise QueryError(f"search terms need at least {MIN_TERM} characters: {' '.join(short)!r}")
    terms = []
    for word in dict.fromkeys(w.lower() for w in words):
        simplified = to_simplified(word)
        terms.append(Term(tuple(dict.fromkeys((simplified, to_traditional(simplified), word)))))
    return Query(text, tuple(terms))


def bigrams(text: str) -> list[str]:
    """Every two-character substring, each once, in order of first occurrence (the index keys)."""
    return list(dict.fromkeys(text[i : i + 2] for i in range(len(text) - 1)))


def tsquery(query: Query) -> str:
    """The index condition as a ``tsquery`` literal: per term, all bigrams of one of its forms."""
    def form(text: str) -> str:
        return "(" + " & ".join(_lexeme(b) for b in bigrams(text)) + ")"

    return " & ".join("(" + " | ".join(form(f) for f in term.forms) + ")" for term in query.terms)


def _lexeme(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def snippet(body: str, searched: str, query: Query, width: int = SNIPPET_CHARS
            ) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About ``width`` characters of ``body`` around the first match, and where each match is in it.

    ``searched`` is the text the matches are found in (the Simplified body); when it has the body's
    length (OpenCC maps character by character almost always) the body's own script is shown.
    """
    if len(searched) != len(body):
        body = searched
    lowered = searched.lower()
    first = min((i for i in (lowered.find(t.simplified) for t in query.terms) if i >= 0), default=0)
    start = max(0, min(first - width // 3, len(body) - width))
    end = min(len(body), start + width)
    window = lowered[start:end]
    spans = sorted(
        (i, i + len(term.simplified))
        for term in query.terms
        for i in _occurrences(window, term.simplified)
    )
    text = body[start:end].replace("\n", " ")
    prefix, suffix = ("…" if start > 0 else ""), ("…" if end < len(body) else "")
    shift = len(prefix)
    return prefix + text + suffix, tuple((a + shift, b + shift) for a, b in _merged(spans))


def _occurrences(text: str, term: str) -> list[int]:
    found, i = [], text.find(term)
    while i >= 0:
        found.append(i)
        i = text.find(term, i + len(term))
    return found


def _merged(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for a, b in spans:
        if merged and a <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(b, merged[-1][1]))
        else:
            merged.append((a, b))
    return merged


def segments(text: str, highlights: tuple[tuple[int, int], ...]) -> list[tuple[str, bool]]:
    """``text`` cut at the highlights: (piece, highlighted) in order, for a page to mark up."""
    pieces, last = [], 0
    for a, b in highlights:
        pieces += [(text[last:a], False), (text[a:b], True)]
        last = b
    return [p for p in [*pieces, (text[last:], False)] if p[0]]


def marked(text: str, highlights: tuple[tuple[int, int], ...], before: str, after: str) -> str:
    """``text`` with each highlight wrapped in ``before``/``after`` (for plain-text output)."""
    return "".join(f"{before}{piece}{after}" if lit else piece for piece, lit in segments(text, highlights))
