"""The database half of near-duplicate dedupe: the LSH index and the story clusters.

The index lives in PostgreSQL (or SQLite), not in a process: ``story_bands`` holds every stored
body's band keys under its primary key, and a batch finds its stored candidates with one join
against all of them (pairs inside the batch are found in memory). Workers share it: each batch
takes a transaction-scoped advisory lock only for its index step (probe, write members and bands,
merge clusters), so batches of one run, or of concurrent runs, may be deduped by several workers
at once, and a batch committed by one worker is seen by the next.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import case, delete, func, select, text, tuple_, update
from sqlalchemy.orm import Session, aliased

from pipeline.dedupe import (
    NEAR,
    Member,
    NearConfig,
    band_keys,
    best_matches,
    canonical_member,
    merge_clusters,
    shared_keys,
    signature_matrix,
    signatures,
    similarities,
)
from pipeline.store.bulk import insert_rows
from pipeline.store.models import Article, Extraction, StoryBand, StoryCluster, StoryMember

INDEX_LOCK = 0x676F766E  # pg_advisory_xact_lock key of the index step ("govn")
MEMBER_COLUMNS = ("id", "canonical_url", "site", "script", "published_at", "body_chars", "body_hash", "signature",
                  "cluster_id", "matched_id", "similarity", "run_id")


@dataclass(frozen=True, slots=True)
class Staged:
    """What the index needs of one staged article."""

    canonical_url: str
    site: str
    script: str
    published_at: datetime | None
    body_chars: int
    body_hash: str
    body_simplified: str


def index_batch(session: Session, run_id: str, staged: Sequence[Staged], config: NearConfig = NEAR) -> int:
    """Index the batch's bodies and put each in its story cluster; returns how many joined one.

    A body already indexed under the same hash is skipped, so re-running a batch changes nothing.
    A changed body (a new version) is re-indexed and may join more clusters; clusters never split.
    """
    known = _indexed(session, [s.canonical_url for s in staged])
    todo = [s for s in staged if known.get(s.canonical_url, (0, ""))[1] != s.body_hash]
    if not todo:
        return 0
    signature_rows = signatures([s.body_simplified for s in todo], config)  # CPU work before the lock
    keys = band_keys(signature_rows, config)
    _begin_index_step(session)
    changed = [known[s.canonical_url][0] for s in todo if s.canonical_url in known]
    _forget_bands(session, changed, config)
    ids = _member_ids(session, todo, known)
    pairs = _similar_pairs(session, ids, signature_rows, keys, config.threshold)
    fresh = set(ids) - set(changed)
    involved = {m for pair in pairs for m in pair[:2]} | set(changed)  # whose stories may change
    clusters = {i: i for i in fresh} | _clusters_of(session, involved - fresh)
    merged = merge_clusters(clusters, [(a, b) for a, b, _ in pairs])
    matches = best_matches(pairs)
    _save_members(session, run_id, todo, ids, signature_rows, fresh,
                  {m: merged.get(c, c) for m, c in clusters.items()}, matches)
    insert_rows(session.connection(), StoryBand.__table__, ("band_key", "member_id"), band_rows(ids, keys))
    moved = {c: root for c, root in merged.items() if c not in fresh}  # stored stories joined to another
    if moved:
        session.execute(update(StoryMember).where(StoryMember.cluster_id.in_(list(moved)))
                        .values(cluster_id=case(moved, value=StoryMember.cluster_id)))
        session.execute(delete(StoryCluster).where(StoryCluster.id.in_(list(moved))))
    insert_rows(session.connection(), StoryCluster.__table__, ("id", "canonical_id", "size"),
                [(i, i, 1) for i in sorted(fresh) if i not in merged])
    refresh_canonical(session, {merged.get(clusters[m], clusters[m]) for m in involved})
    return len(matches)


def band_rows(ids: Sequence[int], keys: np.ndarray) -> list[tuple[int, int]]:
    """The ``story_bands`` rows of members (band key, member), in key order: the index's order."""
    flat, members = keys.reshape(-1), np.repeat(np.asarray(ids, dtype=np.int64), keys.shape[1])
    order = np.lexsort((members, flat))
    flat, members = flat[order], members[order]
    unique = np.r_[True, (flat[1:] != flat[:-1]) | (members[1:] != members[:-1])]
    return list(zip(flat[unique].tolist(), members[unique].tolist()))


def _indexed(session: Session, urls: Sequence[str]) -> dict[str, tuple[int, str]]:
    rows = session.execute(select(StoryMember.canonical_url, StoryMember.id, StoryMember.body_hash)
                           .where(StoryMember.canonical_url.in_(list(urls))))
    return {url: (member_id, body_hash) for url, member_id, body_hash in rows}


def _begin_index_step(session: Session) -> None:
    """Serialise the index step of concurrent batches (SQLite's write lock does this by itself).

    The step only looks rows up by key: index plans are pinned, so they do not depend on table
    statistics (autovacuum may lag behind a bulk load, or be off), and JIT compilation, which
    costs more than these short queries, is skipped.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": INDEX_LOCK})
        for setting in ("enable_seqscan", "enable_hashjoin", "enable_mergejoin", "jit"):
            session.execute(text(f"SET LOCAL {setting} = off"))


def _forget_bands(session: Session, member_ids: Sequence[int], config: NearConfig) -> None:
    """Remove the band rows of members about to be re-indexed (found by their stored signature)."""
    if not member_ids:
        return
    stored = session.execute(select(StoryMember.id, StoryMember.signature).where(StoryMember.id.in_(member_ids))).all()
    old = band_rows([i for i, _ in stored], band_keys(signature_matrix([s for _, s in stored]), config))
    session.execute(delete(StoryBand).where(tuple_(StoryBand.band_key, StoryBand.member_id).in_(old)))


def _member_ids(session: Session, todo: Sequence[Staged], known: dict[str, tuple[int, str]]) -> list[int]:
    """Each body's member id: its own for a re-indexed one, a new one otherwise."""
    new_ids = iter(_new_ids(session, sum(s.canonical_url not in known for s in todo)))
    return [known[s.canonical_url][0] if s.canonical_url in known else next(new_ids) for s in todo]


def _new_ids(session: Session, count: int) -> list[int]:
    if session.get_bind().dialect.name == "postgresql":
        return sorted(session.scalars(text("SELECT nextval(pg_get_serial_sequence('story_members', 'id'))"
                                           " FROM generate_series(1, :count)"), {"count": count}))
    # SQLite has no sequences; it admits one writer at a time, so the next ids are free.
    last = session.scalar(select(func.coalesce(func.max(StoryMember.id), 0)))
    return list(range(last + 1, last + 1 + count))


def _similar_pairs(session: Session, ids: Sequence[int], signature_rows: np.ndarray, keys: np.ndarray,
                   threshold: float) -> list[tuple[int, int, float]]:
    """(batch member, other member, similarity) for the members sharing a band key with a batch
    member whose signatures agree on at least ``threshold``: stored ones found by one probe of the
    index (before the batch's own keys are in it), the batch's own pairs in memory."""
    flat = keys.reshape(-1)
    order = np.argsort(flat)
    ordered, owners = flat[order], order // keys.shape[1]
    hits = np.array(_stored_hits(session, np.unique(ordered).tolist()), dtype=np.int64).reshape(-1, 2)
    first, last = np.searchsorted(ordered, hits[:, 0], "left"), np.searchsorted(ordered, hits[:, 0], "right")
    candidates = sorted({(int(owners[i]), member) for start, end, member in zip(first, last, hits[:, 1].tolist())
                         for i in range(start, end)})
    stored = dict(session.execute(select(StoryMember.id, StoryMember.signature)
                                  .where(StoryMember.id.in_({m for _, m in candidates}))).all())
    scores = similarities(signature_rows[[r for r, _ in candidates]],
                          signature_matrix([stored[m] for _, m in candidates]))
    pairs = [(ids[r], m, float(s)) for (r, m), s in zip(candidates, scores) if s >= threshold]
    inside = sorted(shared_keys(keys))
    scores = similarities(signature_rows[[a for a, _ in inside]], signature_rows[[b for _, b in inside]])
    for (a, b), s in zip(inside, scores):
        if s >= threshold:
            pairs += [(ids[a], ids[b], float(s)), (ids[b], ids[a], float(s))]
    return pairs


def _stored_hits(session: Session, keys: Sequence[int]) -> list[tuple[int, int]]:
    """(band key, member) of the stored members having any of ``keys`` (sorted: the probes then
    walk the index in order)."""
    if session.get_bind().dialect.name == "postgresql":
        # One array parameter (its text form binds fastest) probed key by key in the primary key.
        return [tuple(r) for r in session.execute(text(
            "SELECT other.band_key, other.member_id FROM unnest(CAST(:keys AS bigint[])) AS mine(band_key)"
            " JOIN story_bands other ON other.band_key = mine.band_key"),
            {"keys": "{" + ",".join(map(str, keys)) + "}"})]
    hits = []
    for start in range(0, len(keys), 10_000):  # below SQLite's limit of bound parameters
        hits += [tuple(r) for r in session.execute(select(StoryBand.band_key, StoryBand.member_id)
                                                   .where(StoryBand.band_key.in_(keys[start:start + 10_000])))]
    return hits


def _clusters_of(session: Session, member_ids: Iterable[int]) -> dict[int, int]:
    return dict(session.execute(select(StoryMember.id, StoryMember.cluster_id)
                                .where(StoryMember.id.in_(list(member_ids)))).all())


def _save_members(session: Session, run_id: str, todo: Sequence[Staged], ids: Sequence[int],
                  signature_rows: np.ndarray, fresh: set[int], clusters: dict[int, int],
                  matches: dict[int, tuple[int, float]]) -> None:
    """Insert the new members, in their clusters, and re-fingerprint the changed ones."""
    rows = sorted((i, s.canonical_url, s.site, s.script, s.published_at, s.body_chars, s.body_hash,
                   row.astype("<u4").tobytes(), clusters[i], *matches.get(i, (None, None)), run_id)
                  for i, s, row in zip(ids, todo, signature_rows))
    insert_rows(session.connection(), StoryMember.__table__, MEMBER_COLUMNS, [r for r in rows if r[0] in fresh])
    changed = [dict(zip(MEMBER_COLUMNS, r)) for r in rows if r[0] not in fresh]
    for values in changed:  # a re-indexed body keeps the match that brought it in unless it has a new one
        if values["matched_id"] is None:
            del values["matched_id"], values["similarity"]
    if changed:
        session.execute(update(StoryMember), changed)


def refresh_canonical(session: Session, cluster_ids: Iterable[int]) -> None:
    """Re-choose the canonical member and count the size of each given cluster."""
    wanted = sorted(set(cluster_ids))
    if not wanted:
        return
    members: dict[int, list[Member]] = {}
    current = {c: (canonical, size) for c, canonical, size in session.execute(
        select(StoryCluster.id, StoryCluster.canonical_id, StoryCluster.size).where(StoryCluster.id.in_(wanted)))}
    for cluster_id, *fields in session.execute(
        select(StoryMember.cluster_id, StoryMember.id, StoryMember.canonical_url, StoryMember.published_at,
               StoryMember.body_chars).where(StoryMember.cluster_id.in_(wanted))
    ):
        members.setdefault(cluster_id, []).append(Member(*fields))
    chosen = {c: (canonical_member(ms).id, len(ms)) for c, ms in members.items()}
    changed = [{"id": c, "canonical_id": m, "size": n} for c, (m, n) in chosen.items() if current.get(c) != (m, n)]
    if changed:
        session.execute(update(StoryCluster), changed)


def link_clusters(session: Session, run_id: str) -> None:
    """Point each loaded article of a story the run touched at its cluster's canonical article
    (``duplicate_of_id``; None for the canonical one). Only rows whose link changes are written."""
    member, canon_member, canon = aliased(StoryMember), aliased(StoryMember), aliased(Article)
    canonical_article = (
        select(canon.id)
        .join(canon_member, canon_member.canonical_url == canon.canonical_url)
        .join(StoryCluster, StoryCluster.canonical_id == canon_member.id)
        .join(member, member.cluster_id == StoryCluster.id)
        .where(member.canonical_url == Article.canonical_url, canon.id != Article.id)
        .scalar_subquery()
    )
    run_urls = select(Extraction.canonical_url).where(Extraction.run_id == run_id)
    stories = (select(StoryMember.cluster_id).join(StoryCluster, StoryCluster.id == StoryMember.cluster_id)
               .where(StoryMember.canonical_url.in_(run_urls), StoryCluster.size > 1))
    in_stories = select(StoryMember.canonical_url).where(StoryMember.cluster_id.in_(stories))
    session.execute(
        update(Article)
        .where(Article.canonical_url.in_(in_stories), Article.duplicate_of_id.is_distinct_from(canonical_article))
        .values(duplicate_of_id=canonical_article)
        .execution_options(synchronize_session=False)
    )


def near_duplicate_counts(run_id: str) -> dict[str, Any]:
    """Queries of (site, count) for the run's bodies that joined another member's story: in the same
    script with a different body ("near_duplicates"), or in the other script ("cross_script")."""
    matched = aliased(StoryMember)
    joined = (select(StoryMember.site, func.count()).join(matched, matched.id == StoryMember.matched_id)
              .where(StoryMember.run_id == run_id).group_by(StoryMember.site))
    return {
        "near_duplicates": joined.where(StoryMember.script == matched.script,
                                        StoryMember.body_hash != matched.body_hash),
        "cross_script": joined.where(StoryMember.script != matched.script),
    }
