"""Dedupe benchmark: near-duplicate and cross-script clustering through the real dedupe stage.

    python -m benchmarks.dedupe --n 100000 [--batch 1000] [--workers 2] [--json PATH]

Generates N articles (benchmarks/corpus.py: 800-3,000 characters, ~4 % planted near copies, ~3 %
Traditional-script copies, template families of hard negatives), stages them as extractions in a
throw-away PostgreSQL database, then measures in the same run:
- exact: the exact-hash baseline (same normalized body hash = same story);
- lsh: the project's dedupe stage over the whole corpus, one transaction per slice of --batch URLs
  (band keys in ``story_bands``, candidates by a join, clusters in ``story_clusters``); with
  --workers W, also the same slices by W processes at once, on a copy of the staged corpus;
- incremental: a new run of --batch articles (half copies of stored ones) against all N stored;
- minhash rensa / datasketch: signature throughput alone, on the same sample of bodies (rensa in
  slices of --batch, as the stage signs them);
and prints, for the chosen similarity threshold, the recall that other bands x rows would give.
Precision and recall are over pairs of documents: planted (same story) vs put in one cluster.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime
from functools import cache
from multiprocessing import get_context

import numpy as np
from sqlalchemy import select, text
from sqlalchemy.orm import Session, sessionmaker

from benchmarks.common import Timer, report, throwaway_database
from benchmarks.corpus import Corpus, Doc
from pipeline import stages, store
from pipeline.dedupe import NEAR, body_hash, signatures, similarity
from pipeline.store.bulk import copy_rows
from pipeline.store.models import Extraction, StoryMember

NOW = datetime(2026, 1, 1, tzinfo=UTC)
EXTRACTION_COLUMNS = ("page_id", "run_id", "url", "canonical_url", "site", "title", "published_at", "script",
                      "body", "body_simplified", "body_hash", "flags", "attachments", "extractor_version")


def stage(sessions, run_id: str, docs: list[Doc], first: int) -> dict[int, int]:
    """COPY docs into pages and extractions (ids from ``first``); returns page id -> story."""
    with sessions.begin() as session:
        cursor = session.connection().connection.cursor()
        ids = range(first, first + len(docs))
        urls = [f"http://site{i % 7}.example.gov.cn/a/{i}.html" for i in ids]
        copy_rows(cursor, "pages", ("id", "url", "site", "run_id", "status", "headers", "body", "body_sha1",
                                    "fetched_at"),
                  ((i, u, f"site{i % 7}", run_id, 200, "{}", b"", "", NOW) for i, u in zip(ids, urls)))
        copy_rows(cursor, "extractions", EXTRACTION_COLUMNS, (
            (i, run_id, u, u, f"site{i % 7}", "t", NOW, "traditional" if d.kind == "traditional" else "simplified",
             d.body, d.body_simplified, body_hash(d.body_simplified), "[]", "[]", "bench")
            for i, u, d in zip(ids, urls, docs)))
    return {i: d.story for i, d in zip(ids, docs)}


def generate(sessions, run_id: str, corpus: Corpus, n: int, first_story: int, first_id: int, **shares) -> dict:
    truth: dict[int, int] = {}
    docs = corpus.docs(n, first_story, **shares)
    while chunk := list(itertools.islice(docs, 2000)):  # never the whole corpus in memory
        truth |= stage(sessions, run_id, chunk, first_id + len(truth))
    return truth


def pair_scores(truth: dict[int, int], predicted: dict[int, int]) -> dict[str, float]:
    """Precision and recall over document pairs: planted (same story) vs predicted (same cluster)."""
    def pairs(labels: dict[int, int]) -> set[tuple[int, int]]:
        groups: dict[int, list[int]] = defaultdict(list)
        for doc, label in labels.items():
            groups[label].append(doc)
        return {p for g in groups.values() for p in itertools.combinations(sorted(g), 2)}

    planted, found = pairs(truth), pairs({d: predicted[d] for d in truth})
    hits = len(planted & found)
    return {"planted_pairs": len(planted), "found_pairs": len(found),
            "precision": hits / len(found) if found else 1.0, "recall": hits / len(planted) if planted else 1.0}


def clusters_by(sessions, column) -> dict[int, int]:
    with sessions() as session:
        return dict(session.execute(select(Extraction.page_id, column)
                                    .join(StoryMember, StoryMember.canonical_url == Extraction.canonical_url)
                                    if column is StoryMember.cluster_id
                                    else select(Extraction.page_id, column)).all())


def run_lsh(sessions, run_id: str, batch: int) -> Timer:
    timer = Timer()
    with timer.measure():
        with sessions() as session:
            slices = stages.dedupe_slices(session, run_id, batch)
        for urls in slices:
            with sessions.begin() as session:
                stages.dedupe(session, run_id, urls)
    return timer


def run_lsh_in_workers(url: str, run_id: str, batch: int, workers: int) -> Timer:
    """The same slices deduped by ``workers`` processes at once, as mapped Airflow tasks are (the
    time includes starting the processes)."""
    with store.session_factory(url)() as session:
        slices = stages.dedupe_slices(session, run_id, batch)
    timer = Timer()
    with timer.measure(), ProcessPoolExecutor(workers, mp_context=get_context("spawn")) as pool:
        list(pool.map(_dedupe_slice, itertools.repeat(url), itertools.repeat(run_id), slices))
    return timer


@cache
def _sessions(url: str) -> sessionmaker[Session]:
    return store.session_factory(url)


def _dedupe_slice(url: str, run_id: str, urls: tuple[str, str]) -> None:
    with _sessions(url).begin() as session:
        stages.dedupe(session, run_id, urls)


def throughput(bodies: list[str], batch: int) -> list[dict]:
    from datasketch import MinHash

    start = time.process_time()
    for first in range(0, len(bodies), batch):
        signatures(bodies[first:first + batch])
    rensa_cpu = time.process_time() - start
    sample = bodies[: min(len(bodies), 500)]
    start = time.process_time()
    for body in sample:
        minhash = MinHash(num_perm=NEAR.num_perm)
        minhash.update_batch([body[i:i + NEAR.shingle].encode() for i in range(len(body) - NEAR.shingle + 1)])
    sketch_cpu = time.process_time() - start
    return [{"method": "minhash rensa (signatures only)", "docs": len(bodies), "cpu_s": rensa_cpu,
             "docs_per_s": len(bodies) / rensa_cpu},
            {"method": "minhash datasketch (signatures only)", "docs": len(sample), "cpu_s": sketch_cpu,
             "docs_per_s": len(sample) / sketch_cpu}]


def banding(sessions, truth: dict[int, int]) -> dict[str, str]:
    """Recall each bands x rows would give on the planted pairs, from their measured similarity."""
    with sessions() as session:
        signature = dict(session.execute(select(Extraction.page_id, StoryMember.signature).join(
            StoryMember, StoryMember.canonical_url == Extraction.canonical_url)).all())
    first: dict[int, int] = {}
    scores = []
    for doc, story in sorted(truth.items()):
        if story in first:
            scores.append(similarity(signature[first[story]], signature[doc]))
        first.setdefault(story, doc)
    s = np.array(scores)
    options = [(16, 8), (20, 5), (32, 4), (42, 3), (64, 2)]
    return {f"{b}x{r}": f"recall {np.mean((1 - (1 - s ** r) ** b) * (s >= NEAR.threshold)):.3f}, "
            f"P(candidate | J=0.2) {1 - (1 - 0.2 ** r) ** b:.3f}" for b, r in options}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=1, help="also dedupe the whole corpus with this many "
                        "processes at once (on a copy of the staged corpus)")
    parser.add_argument("--json")
    args = parser.parse_args()
    with throwaway_database("govnews_bench_dedupe") as url:
        sessions = store.session_factory(url)
        corpus = Corpus(seed=1)
        truth = generate(sessions, "bench-1", corpus, args.n, 0, 1)
        rows = []
        exact = Timer()
        with exact.measure():
            by_hash = clusters_by(sessions, Extraction.body_hash)
        rows.append({"method": "exact body hash", "docs": args.n, "wall_s": exact.wall, "cpu_s": exact.cpu,
                     **pair_scores(truth, by_hash)})
        if args.workers > 1:  # first, on a copy of the staged corpus: the same work, shared out
            sessions.kw["bind"].dispose()
            with throwaway_database("govnews_bench_dedupe_copy", copy_of=url) as copy:
                shared = run_lsh_in_workers(copy, "bench-1", args.batch, args.workers)
                rows.append({"method": f"lsh {NEAR.bands}x{NEAR.rows} (whole corpus, {args.workers} workers)",
                             "docs": args.n, "wall_s": shared.wall, "docs_per_s": args.n / shared.wall,
                             **pair_scores(truth, clusters_by(_sessions(copy), StoryMember.cluster_id))})
                _sessions(copy).kw["bind"].dispose()
        lsh = run_lsh(sessions, "bench-1", args.batch)
        rows.append({"method": f"lsh {NEAR.bands}x{NEAR.rows} (whole corpus)", "docs": args.n, "wall_s": lsh.wall,
                     "cpu_s": lsh.cpu, "peak_mb": lsh.peak_mb, "docs_per_s": args.n / lsh.wall,
                     **pair_scores(truth, clusters_by(sessions, StoryMember.cluster_id))})
        # An incremental nightly batch: copies of stored stories and new ones, against all N stored.
        later = generate(sessions, "bench-2", Corpus(seed=2), args.batch, 10**7, args.n + 1, near=0.0,
                         traditional=0.0)
        replanted = _replant(sessions, corpus, truth, args.batch // 2, args.n + args.batch + 1)
        incremental = run_lsh(sessions, "bench-2", 10 * args.batch)
        clusters = clusters_by(sessions, StoryMember.cluster_id)
        rows.append({"method": "lsh incremental batch", "docs": args.batch + len(replanted),
                     "wall_s": incremental.wall, "cpu_s": incremental.cpu, "peak_mb": incremental.peak_mb,
                     **pair_scores(truth | later | replanted, clusters)})
        with sessions() as session:
            bodies = list(session.scalars(select(Extraction.body_simplified).limit(5000)))
        rows += throughput(bodies, args.batch)
        with sessions() as session:
            bands_rows = session.scalar(text("SELECT count(*) FROM story_bands"))
        meta = {"threshold": NEAR.threshold, "shingle": NEAR.shingle, "bands x rows": f"{NEAR.bands}x{NEAR.rows}",
                "story_bands rows": bands_rows, **banding(sessions, truth)}
    report(f"dedupe, N = {args.n:,}", ["method", "docs", "wall_s", "cpu_s", "peak_mb", "docs_per_s",
                                        "planted_pairs", "found_pairs", "precision", "recall"], rows, meta, args.json)


def _replant(sessions, corpus: Corpus, truth: dict[int, int], n: int, first_id: int) -> dict[int, int]:
    """Stage ``n`` new copies of stored stories into the incremental run."""
    with sessions() as session:
        bases = session.execute(select(Extraction.page_id, Extraction.body_simplified)
                                .where(Extraction.run_id == "bench-1").order_by(Extraction.page_id).limit(n)).all()
    docs = [corpus.near(Doc(truth[i], "base", body, body)) for i, body in bases]
    return stage(sessions, "bench-2", docs, first_id)


if __name__ == "__main__":
    main()
