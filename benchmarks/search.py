"""Search, export and archive-page benchmark over a large archive, all in one throw-away database.

    python -m benchmarks.search --n 100000 [--json PATH]

N articles (benchmarks/corpus.py, ~3 % Traditional-script copies, ~4 % near copies) on seven sites,
with planted words (two- and four-character words of rare characters, each put into 20 articles) are
staged and deduped by the real stages, then measured in the same run:
- load: ``stages.load`` of the N staged articles without the search index (the baseline: the load as
  it was), the index built over them, and a GIN index of the same bigrams as integers computed
  beforehand (the floor of any index of every bigram); a night's articles written into the large
  archive without the index, with it maintained entry by entry (0008), and with its pending list
  merged after (0009);
- search: ``store.search.search`` for every planted word, in Simplified and in Traditional script,
  with a site filter (the target) and without; recall and precision against every article that
  contains the word (found by scanning all bodies); and common words, whose hits are many;
- export: Parquet (and JSON lines) of the first 10 % and of all N articles: rows/s and peak memory;
- pages: the archive's sites, site, article and search pages (FastAPI, in-process) over the N
  articles and 30 nights of run reports: server time per request.
"""

from __future__ import annotations

import argparse
import io
import itertools
import random
import statistics
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from sqlalchemy import text

from benchmarks.common import Timer, report, throwaway_database
from benchmarks.corpus import Corpus, Doc
from benchmarks.dedupe import stage
from pipeline import export, stages, store
from pipeline.clean.script import to_simplified, to_traditional
from pipeline.search import parse_query
from pipeline.settings import Settings
from pipeline.store.export import article_rows
from pipeline.store.search import INDEX_EXPRESSION, MERGE_MEMORY, PENDING_LIST_KB, merge_pending, search

NOW = datetime(2026, 1, 1, tzinfo=UTC)
RUN = "bench-1"
SITES = [f"site{i}" for i in range(7)]  # benchmarks.dedupe.stage: site = id % 7
PLANTED_EACH = 20
NIGHTS = 30
COMMON = ("发展", "疫情防控", "经济社会")


def planted_words(corpus: Corpus, count: int, rng: random.Random) -> list[str]:
    """Words of rare characters (uniform over the distinct ones, not by frequency), half of two
    characters and half of four, that survive a Simplified -> Traditional -> Simplified round trip."""
    distinct = sorted(set(corpus.chars))
    words: list[str] = []
    while len(words) < count:
        word = "".join(rng.choices(distinct, k=2 if len(words) % 2 == 0 else 4))
        if to_simplified(to_traditional(word)) == word and to_traditional(word) != word and word not in words:
            words.append(word)
    return words


def plant(doc: Doc, word: str, rng: random.Random) -> Doc:
    at = rng.randrange(len(doc.body_simplified))
    body = doc.body_simplified[:at] + word + doc.body_simplified[at:]
    return replace(doc, body=to_traditional(body) if doc.kind == "traditional" else body, body_simplified=body)


def build(sessions, n: int, words: list[str], rng: random.Random) -> None:
    """Stage n documents with the words planted, then dedupe them (the stages before the load)."""
    targets: dict[int, list[str]] = {}
    for word in words:
        for i in rng.sample(range(n), PLANTED_EACH):
            targets.setdefault(i, []).append(word)
    docs = Corpus(seed=3).docs(n)
    first = 1
    while chunk := list(itertools.islice(docs, 2000)):
        for offset, doc in enumerate(chunk):
            for word in targets.get(first - 1 + offset, []):
                doc = plant(doc, word, rng)
            chunk[offset] = doc
        stage(sessions, RUN, chunk, first)
        first += len(chunk)
    with sessions.begin() as session:
        slices = stages.dedupe_slices(session, RUN, Settings().slice_size)
    for urls in slices:
        with sessions.begin() as session:
            stages.dedupe(session, RUN, urls)


def load(sessions) -> float:
    timer = Timer()
    with timer.measure(), sessions.begin() as session:
        stages.load(session, RUN, NOW)
    return timer.wall


def timed(sessions, *statements: str) -> float:
    started = time.perf_counter()
    with sessions.begin() as session:
        for statement in statements:
            session.execute(text(statement))
    return time.perf_counter() - started


def measure_load(sessions, night: int) -> list[dict]:
    """The load of all N without the search index (the baseline: the load as it was) and the index
    built over them; a night: the newest ``night`` articles taken out and written again, into the
    archive without the index, then into the indexed archive with the index maintained entry by
    entry (0008) and with its pending list merged after the writes (0009)."""
    timed(sessions, "DROP INDEX ix_articles_search", "ANALYZE")
    plain = load(sessions)
    n = _scalar(sessions, "SELECT count(*) FROM articles")
    timed(sessions, f"CREATE TABLE night AS SELECT * FROM articles ORDER BY id DESC LIMIT {night}")
    walls = {"no search index": _night(sessions)}
    build = timed(sessions, f"SET LOCAL maintenance_work_mem = '{MERGE_MEMORY}'",
                  f"CREATE INDEX ix_articles_search ON articles USING gin (({INDEX_EXPRESSION}))")
    size = _scalar(sessions, "SELECT pg_relation_size('ix_articles_search')")
    rows = [{"measure": "load, no search index", "n": n, "wall_s": plain, "rows_per_s": n / plain},
            {"measure": "search index built over the load", "n": n, "wall_s": build, "rows_per_s": n / build,
             "added": build / plain, "ms_per_article": build / n * 1000, "index_mb": size / 2**20},
            _integer_key_floor(sessions, plain)]
    walls["index entry by entry (0008)"] = _night(sessions, "fastupdate = off")
    pending = f"fastupdate = on, gin_pending_list_limit = {PENDING_LIST_KB}"
    walls["pending list, merged after (0009)"] = _night(sessions, pending)
    with sessions.begin() as session:
        started = time.perf_counter()
        merge_pending(session)
        walls["merge of the pending list"] = time.perf_counter() - started
    timed(sessions, "DROP TABLE night", "ANALYZE articles")
    bare = walls.pop("no search index")
    rows.append({"measure": f"a night: {night:,} articles written, no search index", "n": night, "wall_s": bare,
                 "rows_per_s": night / bare})
    walls["0009 in all (write + merge)"] = (walls["pending list, merged after (0009)"]
                                           + walls["merge of the pending list"])
    for name, wall in walls.items():
        added = wall if name.startswith("merge") else wall - bare
        rows.append({"measure": f"a night: {name}", "n": night, "wall_s": wall, "rows_per_s": night / wall,
                     "added": added / bare, "ms_per_article": added / night * 1000})
    return rows


def _integer_key_floor(sessions, plain: float) -> dict:
    """What the GIN index's own work costs, with no keys to compute: the same bigrams, hashed to
    integers beforehand (untimed), indexed from a column. An inverted index of every bigram costs at
    least this in any key form: it is one index entry per distinct bigram of each article."""
    timed(sessions, "CREATE TABLE bigram_keys AS SELECT id, ARRAY(SELECT hashtext(key) FROM unnest("
                    f"tsvector_to_array({INDEX_EXPRESSION})) AS key) AS keys FROM articles", "ANALYZE bigram_keys")
    n, entries = _row(sessions, "SELECT count(*), avg(cardinality(keys)) FROM bigram_keys")
    build = timed(sessions, f"SET LOCAL maintenance_work_mem = '{MERGE_MEMORY}'",
                  "CREATE INDEX ix_bigram_keys ON bigram_keys USING gin (keys)")
    timed(sessions, "DROP TABLE bigram_keys")
    return {"measure": "floor: GIN of the same bigrams as integers, computed beforehand", "n": n,
            "wall_s": build, "rows_per_s": n / build, "added": build / plain, "ms_per_article": build / n * 1000,
            "detail": f"{entries:,.0f} index entries an article"}


def _row(sessions, query: str):  # type: ignore[no-untyped-def]
    with sessions() as session:
        return session.execute(text(query)).one()


def _scalar(sessions, query: str):  # type: ignore[no-untyped-def]
    return _row(sessions, query)[0]


def _night(sessions, index_options: str | None = None) -> float:
    """Take the night's articles out (vacuumed: the index as a night finds it), then time writing them."""
    steps = [f"ALTER INDEX ix_articles_search SET ({index_options})"] if index_options else []
    timed(sessions, "DELETE FROM articles WHERE id IN (SELECT id FROM night)", *steps)
    with sessions.kw["bind"].connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE articles")
    return timed(sessions, "INSERT INTO articles SELECT * FROM night")


def truth(sessions, words: list[str]) -> dict[str, dict[int, str]]:
    """Every article containing each word (title or Simplified body), with its site: a full scan."""
    found: dict[str, dict[int, str]] = {w: {} for w in words}
    with sessions() as session:
        rows = session.execute(text("SELECT id, site, lower(title || ' ' || body_simplified) FROM articles"),
                               execution_options={"yield_per": 2000, "stream_results": True})
        for article_id, site, document in rows:
            for word in words:
                if word in document:
                    found[word][article_id] = site
    return found


def measure_search(sessions, words: list[str], expected: dict[str, dict[int, str]]) -> list[dict]:
    times: dict[str, list[float]] = {}
    missed = extra = wanted = 0
    with sessions() as session:
        for word in words:
            site = next(iter(expected[word].values()))
            for script, query in (("simplified", word), ("traditional", to_traditional(word))):
                for filtered in (True, False):
                    start = time.perf_counter()
                    hits = search(session, parse_query(query), site=site if filtered else None, limit=20)
                    elapsed = time.perf_counter() - start
                    key = f"{len(word)} characters, {'site filter' if filtered else 'all sites'}"
                    times.setdefault(key, []).append(elapsed)
                    times.setdefault(f"{script} queries", []).append(elapsed)
                    every = search(session, parse_query(query), site=site if filtered else None, limit=100_000,
                                   pool=None)
                    want = {i for i, s in expected[word].items() if not filtered or s == site}
                    got = {h.article_id for h in every}
                    wanted += len(want)
                    missed += len(want - got)
                    extra += len(got - want)
                    assert {h.article_id for h in hits} <= got
        for word in COMMON:
            for site in SITES[:3]:
                start = time.perf_counter()
                search(session, parse_query(word), site=site, limit=20)
                times.setdefault(f"common words ({', '.join(COMMON)}), site filter", []).append(
                    time.perf_counter() - start)
        counts = {w: session.scalar(text(f"SELECT count(*) FROM articles WHERE {INDEX_EXPRESSION} @@ "
                                         "CAST(:q AS tsquery) AND strpos(body_simplified, :w) > 0"),
                                    {"q": " & ".join(f"'{w[i:i + 2]}'" for i in range(len(w) - 1)), "w": w})
                  for w in COMMON}
    rows = [{"measure": f"search: {key}", "n": len(values), "p50_ms": statistics.median(values) * 1000,
             "p95_ms": _p95(values) * 1000} for key, values in times.items()]
    rows.append({"measure": "search: recall on planted words", "n": wanted, "recall": 1 - missed / wanted,
                 "precision": wanted and (wanted - missed) / max(wanted - missed + extra, 1)})
    rows.append({"measure": "search: articles per common word", "n": sum(counts.values()),
                 "detail": ", ".join(f"{w} {c}" for w, c in counts.items())})
    return rows


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, round(len(values) * 0.95) - 1)]


def measure_export(sessions, n: int) -> list[dict]:
    rows = []
    for fmt, writer in (("parquet", export.write_parquet), ("jsonl", export.write_jsonl)):
        def exported(count: int, fmt: str = fmt, writer=writer) -> tuple[int, Timer]:  # type: ignore[no-untyped-def]
            timer = Timer()
            with sessions() as session, timer.measure():
                articles = article_rows(session, text_as_bytes=fmt == "parquet")
                written = writer(itertools.islice(articles, count), _Sink())
            return written, timer

        exported(export.PARQUET_BATCH)  # a warm-up: pyarrow's import and first use (~100 MB) are the process's, once
        for count in (n // 10, n):
            written, timer = exported(count)
            rows.append({"measure": f"export {fmt}, {count:,} articles", "n": written, "wall_s": timer.wall,
                         "rows_per_s": written / timer.wall, "peak_mb": timer.peak_mb})
    return rows


class _Sink(io.RawIOBase):
    """A file that keeps nothing (the export's own memory is what is measured)."""

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[no-untyped-def, override]
        return len(data)


def make_nights(sessions) -> None:
    """Spread the indexed bodies over 30 nightly runs with reports, as a month of nightly runs leaves
    them (``story_members`` only: rewriting every article would rebuild its search index entries)."""
    with sessions.begin() as session:
        session.execute(text(f"UPDATE story_members SET run_id = 'night-' || lpad((id % {NIGHTS})::text, 2, '0')"))
        counts = session.execute(text("SELECT run_id, site, count(*) FROM story_members GROUP BY 1, 2")).all()
        for night in range(NIGHTS):
            run_id = f"night-{night:02d}"
            sites = {site: {"pages": c, "articles": c, "failures": 0} for r, site, c in counts if r == run_id}
            store.start_run(session, run_id, {"sites": SITES}, NOW - timedelta(days=NIGHTS - night))
            store.finish_run(session, run_id, {"sites": sites, "failures": []}, NOW - timedelta(days=NIGHTS - night))
        session.execute(text("ANALYZE"))


def measure_pages(sessions, word: str) -> list[dict]:
    from fastapi.testclient import TestClient

    from pipeline.archive.app import create_app

    with sessions() as session:
        article = session.scalar(text("SELECT min(id) FROM articles WHERE duplicate_of_id IS NOT NULL"))
    client = TestClient(create_app(lambda: sessions, lambda: SITES))
    pages = {"sites": "/", "site": "/sites/site3", "article": f"/articles/{article}",
             "search": f"/search?q={word}&site=site3"}
    rows = []
    for name, path in pages.items():
        times = []
        for _ in range(6):
            start = time.perf_counter()
            response = client.get(path)
            times.append(time.perf_counter() - start)
            assert response.status_code == 200, (path, response.text[:500])
        times = times[1:]  # the first request also compiles the templates
        rows.append({"measure": f"page: {name}", "n": len(times), "p50_ms": statistics.median(times) * 1000,
                     "max_ms": max(times) * 1000})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--words", type=int, default=40, help="planted words (half 2, half 4 characters)")
    parser.add_argument("--night", type=int, default=2000, help="articles of a night written into the indexed archive")
    parser.add_argument("--json")
    args = parser.parse_args()
    rng = random.Random(11)
    words = planted_words(Corpus(seed=3), args.words, rng)
    with throwaway_database("govnews_bench_search") as url:
        sessions = store.session_factory(url)
        started = time.perf_counter()
        build(sessions, args.n, words, rng)
        print(f"staged and deduped {args.n:,} articles in {time.perf_counter() - started:.0f} s", flush=True)
        rows = measure_load(sessions, night=args.night)
        print(f"loaded ({rows[-1]['wall_s']:.0f} s)", flush=True)
        rows += measure_search(sessions, words, truth(sessions, words))
        rows += measure_export(sessions, args.n)
        make_nights(sessions)
        rows += measure_pages(sessions, words[1])
        sessions.kw["bind"].dispose()
    report(f"search, export and pages, N = {args.n:,}",
           ["measure", "n", "wall_s", "rows_per_s", "added", "ms_per_article", "index_mb", "p50_ms", "p95_ms",
            "max_ms", "recall", "precision", "peak_mb", "detail"], rows,
           {"server": "local PostgreSQL, defaults", "planted": f"{args.words} words x {PLANTED_EACH} articles"},
           args.json)


if __name__ == "__main__":
    main()
