"""Dedupe as pure functions: exact (canonical URLs, hashes of normalized body text) and near
(MinHash over character shingles of the normalized Simplified body, LSH bands, story clusters).

A duplicate is recorded (what it repeats and why), never silently dropped; near-duplicates are
clustered, each cluster with one canonical member.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import numpy as np
from rensa import RMinHash

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


# --- near duplicates: MinHash over character shingles, LSH bands, clusters -----------------------


@dataclass(frozen=True, slots=True)
class NearConfig:
    """How near-duplicates are found. ``threshold`` is a setting; changing ``shingle``, ``bands``,
    ``rows`` or ``seed`` changes every stored band key, so those need a re-index (a new migration, as 0004).

    20 bands x 5 rows (100 permutations): a pair at Jaccard 0.6 shares a band with p = 0.80, at 0.7
    with p = 0.97, at 0.2 with p = 0.006. Planted copies sit at 0.6-1.0 (benchmarks/dedupe.py prints
    the recall each banding gives on them); 32 x 4 finds ~1 % more at 1.6 x the index rows and
    join probes, which is what the index step costs.
    """

    threshold: float = 0.5  # estimated Jaccard of shingle sets from which two bodies are one story
    shingle: int = 5  # characters: long enough that shared stock phrases alone stay below threshold
    bands: int = 20
    rows: int = 5
    seed: int = 20200402

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows


NEAR = NearConfig()
MIX = np.uint64(0x9E3779B97F4A7C15)


def mix64(x: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser: spreads polynomial k-gram hashes over all 64 bits."""
    x = x ^ (x >> np.uint64(30))
    x = x * np.uint64(0xBF58476D1CE4E5B9)
    x = x ^ (x >> np.uint64(27))
    x = x * np.uint64(0x94D049BB133111EB)
    return x ^ (x >> np.uint64(31))


@cache
def _fold_bmp() -> np.ndarray:
    """Each code point of the Basic Multilingual Plane as shingles see it, folded like
    ``normalized_text`` (full width to ASCII, lower case); 0 for what is not a letter or digit."""
    table = np.arange(0x10000, dtype=np.uint32)
    table[0xFF01:0xFF5F] -= 0xFEE0
    table[(table >= 65) & (table <= 90)] += 32
    letters = np.fromiter((chr(i).isalnum() for i in range(0x10000)), dtype=bool, count=0x10000)
    table[~letters[table]] = 0
    return table


def _letters(bodies: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Code points of the bodies' letters and digits, folded by one table lookup (vectorised: NFKC
    per body costs more than the MinHash itself): (flat code points, how many of each body)."""
    points = np.frombuffer("".join(bodies).encode("utf-32-le"), dtype=np.uint32)
    bmp = points < 0x10000
    if bmp.all():
        folded = _fold_bmp()[points]
    else:  # beyond the BMP (rare Han extensions, emoji): kept as they are
        folded = points.copy()
        folded[bmp] = _fold_bmp()[points[bmp]]
    keep = np.flatnonzero(folded)
    kept_before_end = np.searchsorted(keep, np.cumsum([len(b) for b in bodies]))
    return folded[keep].astype(np.uint64), np.diff(kept_before_end, prepend=0)


def shingle_hashes(bodies: Sequence[str], k: int) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of every k-character shingle of each body's letters and digits, computed for
    the whole batch at once (numpy, not a Python loop per shingle): (flat hashes, row offsets).
    A body shorter than k is one shingle of what it has."""
    points, lengths = _letters(bodies)
    windows = max(len(points) - k + 1, 0)
    rolled = np.zeros(windows, dtype=np.uint64)
    for j in range(k):  # polynomial hash of each window; uint64 arithmetic wraps, as intended
        rolled = rolled * MIX + points[j : j + windows]
    counts = np.maximum(lengths - k + 1, 0)  # windows that start and end inside one body
    inside = np.repeat(np.tile([True, False], len(lengths)), np.stack([counts, lengths - counts], axis=1).reshape(-1))
    hashes = mix64(rolled[inside[:windows]])
    starts = np.cumsum(lengths) - lengths
    offsets = np.concatenate(([0], np.cumsum(counts)))
    short = np.flatnonzero(counts == 0)
    if len(short):  # rare: give each short body a single token, its whole text
        whole = [int.from_bytes(hashlib.sha1(points[s:s + n].tobytes()).digest()[:8], "little")
                 for s, n in zip(starts[short], lengths[short])]
        hashes = np.insert(hashes, offsets[short], np.array(whole, dtype=np.uint64))
        offsets = offsets + np.searchsorted(short, np.arange(len(offsets)), side="left")
    return hashes, offsets.astype(np.uint64)


def signatures(bodies: Sequence[str], config: NearConfig = NEAR) -> np.ndarray:
    """MinHash signatures (rows: bodies, uint32) of the Simplified bodies, so scripts compare equal."""
    if not bodies:
        return np.zeros((0, config.num_perm), dtype=np.uint32)
    flat, offsets = shingle_hashes(bodies, config.shingle)
    matrix = RMinHash.digest_matrix_from_flat_token_hashes(flat, offsets, config.num_perm, config.seed)
    return np.array(matrix.to_rows(), dtype=np.uint32)


def band_keys(signature_rows: np.ndarray, config: NearConfig = NEAR) -> np.ndarray:
    """One signed 64-bit key per band (rows: bodies), the band's number folded in so that one
    indexed column holds every band: two bodies that share a key are candidates."""
    bands = signature_rows.reshape(len(signature_rows), config.bands, config.rows).astype(np.uint64)
    folded = np.broadcast_to(np.arange(config.bands, dtype=np.uint64), bands.shape[:2])
    for r in range(config.rows):
        folded = mix64(folded * MIX + bands[:, :, r])
    return folded.view(np.int64)


def shared_keys(keys: np.ndarray) -> set[tuple[int, int]]:
    """Pairs of rows (i < j) of a batch's band keys that share at least one key."""
    flat = keys.reshape(-1)
    order = np.argsort(flat, kind="stable")
    ordered, owners = flat[order], order // keys.shape[1]
    pairs: set[tuple[int, int]] = set()
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(flat)]
    shared = ends - starts > 1  # few: most keys belong to one body only
    for start, end in zip(starts[shared].tolist(), ends[shared].tolist()):
        rows = sorted(set(owners[start:end].tolist()))
        pairs.update((a, b) for i, a in enumerate(rows) for b in rows[i + 1:])
    return pairs


def similarity(a: np.ndarray | bytes, b: np.ndarray | bytes) -> float:
    """Estimated Jaccard similarity of two bodies' shingle sets: the share of equal MinHash values."""
    return float(np.mean(_as_signature(a) == _as_signature(b)))


def similarities(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``similarity`` of each row of ``a`` with the same row of ``b`` (signature matrices)."""
    return np.mean(a == b, axis=1) if len(a) else np.zeros(0)


def signature_matrix(stored: Sequence[bytes]) -> np.ndarray:
    """Signatures as stored (uint32 little-endian bytes) back into a matrix, one row each."""
    return np.frombuffer(b"".join(stored), dtype="<u4").reshape(len(stored), -1) if stored else np.zeros((0, 0))


def _as_signature(value: np.ndarray | bytes) -> np.ndarray:
    return np.frombuffer(value, dtype=np.uint32) if isinstance(value, bytes) else value


def merge_clusters(clusters: Mapping[int, int], pairs: Iterable[tuple[int, int]]) -> dict[int, int]:
    """Union the clusters of each similar pair; a merged cluster keeps its smallest (oldest) id.

    ``clusters`` maps member id -> cluster id for every member in ``pairs``; returns cluster id ->
    the cluster it becomes, for the clusters that change.
    """
    parent: dict[int, int] = {}

    def root(c: int) -> int:
        while parent.get(c, c) != c:
            c = parent[c]
        return c

    for a, b in pairs:
        ra, rb = root(clusters[a]), root(clusters[b])
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    return {c: root(c) for c in parent}


def best_matches(pairs: Iterable[tuple[int, int, float]]) -> dict[int, tuple[int, float]]:
    """For each member that has one, the most similar earlier (smaller id) member of its similar
    pairs (member, other, similarity): member -> (that member, similarity)."""
    best: dict[int, tuple[int, float]] = {}
    for a, b, score in sorted(pairs, key=lambda p: (p[0], -p[2], p[1])):
        if b < a:
            best.setdefault(a, (b, score))
    return best


@dataclass(frozen=True, slots=True)
class Member:
    id: int
    canonical_url: str
    published_at: datetime | None
    body_chars: int


OFFICIAL_HOSTS = re.compile(r"(^|\.)gov\.cn$|(^|\.)gov$")


def is_official(url: str) -> bool:
    """A government domain (*.gov.cn), as opposed to a newspaper or portal reprinting it."""
    return bool(OFFICIAL_HOSTS.search(urlsplit(url).hostname or ""))


def canonical_member(members: Iterable[Member]) -> Member:
    """The cluster's canonical article: the earliest published (undated last), then one on an
    official government domain over media, then the longest clean body, then the first indexed."""
    return min(members, key=lambda m: (m.published_at is None, m.published_at or datetime.max.replace(tzinfo=UTC),
                                       not is_official(m.canonical_url), -m.body_chars, m.id))
