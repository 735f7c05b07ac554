"""Exact dedupe: canonical URLs and hashes of normalized body text (pure functions).

A duplicate is recorded (what it repeats and why), never silently dropped.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

# Query parameters that say where a click came from, not which page it is.
TRACKING_PARAMS = re.compile(r"^(utm_\w+|spm|from|source|share_token|isappinstalled|scene|fbclid|gclid)$", re.I)
DEFAULT_PORTS = {"http": 80, "https": 443}
NOT_TEXT = re.compile(r"[\s\W_]+", re.UNICODE)


def canonical_url(url: str) -> str:
    """The same page's many spellings as one: scheme/host case, default port, fragment, tracking."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    if parts.port and parts.port != DEFAULT_PORTS.get(scheme):
        host = f"{host}:{parts.port}"
    query = urlencode(sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)
                             if not TRACKING_PARAMS.match(k)))
    return urlunsplit((scheme, host, parts.path or "/", query, ""))


def normalized_text(text: str) -> str:
    """NFKC, then letters and digits only: spacing and punctuation differences do not count."""
    return NOT_TEXT.sub("", unicodedata.normalize("NFKC", text)).lower()


def body_hash(body_simplified: str) -> str:
    return hashlib.sha1(normalized_text(body_simplified).encode("utf-8")).hexdigest()


@dataclass(frozen=True, slots=True)
class Candidate:
    key: int  # the staged extraction's page id
    canonical_url: str
    body_hash: str
    published_at: datetime | None


@dataclass(frozen=True, slots=True)
class Decision:
    key: int
    duplicate_of: str | None  # canonical URL of the original
    reason: str | None  # "url" | "body" | None


def decide(candidates: Iterable[Candidate], stored: Mapping[str, str]) -> list[Decision]:
    """Mark each candidate original or duplicate.

    ``stored`` maps body hashes of already loaded originals to their canonical URLs. In a batch, the
    earliest published copy (then the lowest key) is the original. The same canonical URL as a stored
    article is that article again (an update), not a duplicate.
    """
    ordered = sorted(candidates, key=lambda c: (c.published_at is None, c.published_at or 0, c.key))
    seen_urls: set[str] = set()
    originals = dict(stored)
    decisions = []
    for candidate in ordered:
        if candidate.canonical_url in seen_urls:
            decisions.append(Decision(candidate.key, candidate.canonical_url, "url"))
            continue
        seen_urls.add(candidate.canonical_url)
        original = originals.setdefault(candidate.body_hash, candidate.canonical_url)
        if original != candidate.canonical_url:
            decisions.append(Decision(candidate.key, original, "body"))
        else:
            decisions.append(Decision(candidate.key, None, None))
    return decisions
