"""Load benchmark: the project's load stage against a raw COPY of the same rows, same run.

    python -m benchmarks.load --n 100000 [--json PATH]

N articles of realistic size (benchmarks/corpus.py, ~2,000 characters, ~6 KB of UTF-8 per body
column) are staged as extractions (what the extract stage leaves), then, for each TOAST compression
(pglz, the server default, and lz4, which migration 0003 sets on PostgreSQL 14+):
- copy: a raw ``COPY`` of the same rows into a table shaped like ``articles`` (same indexes);
- load fresh: ``stages.load`` into an empty ``articles`` (one INSERT ... SELECT ... ON CONFLICT);
- load unchanged: ``stages.load`` of the same run again: every row skipped by its content hash;
with rows/s, the ratios to COPY and to the fresh load, and the dead tuples left (pgstattuple).
Each figure comes from a fresh throw-away database on the local server.
"""

from __future__ import annotations

import argparse
import itertools
from datetime import UTC, datetime

from sqlalchemy import text

from benchmarks.common import Timer, report, throwaway_database
from benchmarks.corpus import Corpus
from benchmarks.dedupe import stage
from pipeline import stages, store
from pipeline.store import ARTICLE_FIELDS
from pipeline.store.bulk import copy_rows

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def raw_copy(sessions, n: int) -> Timer:
    """COPY the staged rows, as the client would send them, into a bare copy of ``articles``."""
    with sessions.begin() as session:
        session.execute(text("CREATE TABLE copy_target (LIKE articles INCLUDING ALL)"))
        rows = session.execute(text(f"SELECT {', '.join(ARTICLE_FIELDS)} FROM extractions")).all()
    timer = Timer()
    with timer.measure(), sessions.begin() as session:
        cursor = session.connection().connection.cursor()
        columns = (*ARTICLE_FIELDS, "first_run_id", "last_run_id", "first_seen_at", "updated_at")
        data = ((*r[:13], '["x"]' if r[13] else "[]", "[]", r[15], "bench-1", "bench-1", NOW, NOW) for r in rows)
        copy_rows(cursor, "copy_target", columns, data)
    return timer


def load(sessions) -> Timer:
    timer = Timer()
    with timer.measure(), sessions.begin() as session:
        stages.load(session, "bench-1", NOW)
    return timer


def dead_tuples(sessions) -> int:
    with sessions.begin() as session:
        session.execute(text("CREATE EXTENSION IF NOT EXISTS pgstattuple"))
        return session.scalar(text("SELECT dead_tuple_count FROM pgstattuple('articles')"))


def measure(n: int, compression: str) -> list[dict]:
    with throwaway_database("govnews_bench_load") as url:
        sessions = store.session_factory(url)
        with sessions.begin() as session:
            for table, column in (("articles", "body"), ("articles", "body_simplified"),
                                  ("extractions", "body"), ("extractions", "body_simplified")):
                session.execute(text(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION {compression}"))
        docs = Corpus(seed=3).docs(n, near=0.0, traditional=0.0)
        first = 1
        while chunk := list(itertools.islice(docs, 2000)):
            stage(sessions, "bench-1", chunk, first)
            first += len(chunk)
        with sessions.begin() as session:
            session.execute(text("ANALYZE"))
        copy = raw_copy(sessions, n)
        fresh = load(sessions)
        again = load(sessions)
        dead = dead_tuples(sessions)
    return [
        {"compression": compression, "method": "raw COPY", "rows": n, "wall_s": copy.wall, "rows_per_s": n / copy.wall},
        {"compression": compression, "method": "load fresh", "rows": n, "wall_s": fresh.wall,
         "rows_per_s": n / fresh.wall, "vs_copy": copy.wall / fresh.wall},
        {"compression": compression, "method": "load unchanged", "rows": n, "wall_s": again.wall,
         "rows_per_s": n / again.wall, "vs_fresh": fresh.wall / again.wall, "dead_tuples": dead},
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--json")
    args = parser.parse_args()
    rows = measure(args.n, "pglz") + measure(args.n, "lz4")
    report(f"load, N = {args.n:,}", ["compression", "method", "rows", "wall_s", "rows_per_s", "vs_copy", "vs_fresh",
                                      "dead_tuples"], rows, {"server": "local PostgreSQL, defaults"}, args.json)


if __name__ == "__main__":
    main()
