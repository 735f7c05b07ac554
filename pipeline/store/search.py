"""Full-text search over articles (PostgreSQL): a GIN index of two-character substrings, exact recheck.

The index is an expression index over ``govnews_bigrams(title || ' ' || body_simplified)`` (migration
0008), so every write of an article (the load, re-extraction) keeps it current with no code of its
own. Those writes add their entries to the index's pending list (migration 0009), which
:func:`merge_pending` merges into the index after the load: one pass per index key for the whole
night, where entry by entry the load would update ~1,600 places of a large index per article.
A query finds candidates through the index (all bigrams of a term present), then keeps those
that contain the term itself, and ranks them: title matches first, then how often the terms occur,
then the newer article.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from pipeline.search import Hit, Query, snippet, tsquery

# Longer bodies are searchable in their first INDEXED_CHARS characters: a tsvector holds at most
# 1 MB, and each distinct bigram takes up to 10 bytes of it.
INDEXED_CHARS = 60_000
DOCUMENT = "title || ' ' || body_simplified"
INDEX_EXPRESSION = f"govnews_bigrams({DOCUMENT})"
CREATE_FUNCTION = rf"""
CREATE FUNCTION govnews_bigrams(doc text) RETURNS tsvector
-- COST: about a millisecond per article; the planner must read the index, never call this per row
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE COST 100000 AS $$
  -- pairs at even, then at odd offsets: together every two-character substring; a pair that holds a
  -- space splits in two and matches nothing a term could ask for (terms have no spaces)
  SELECT array_to_tsvector(array_remove(regexp_split_to_array(
    regexp_replace(lower(left(doc, {INDEXED_CHARS})), '(..)', '\1 ', 'g') || ' ' ||
    regexp_replace(lower(substr(doc, 2, {INDEXED_CHARS - 1})), '(..)', '\1 ', 'g'), ' '), ''))
$$"""
DROP_FUNCTION = "DROP FUNCTION govnews_bigrams(text)"
# The pending list holds a night's new entries (~1,600 per article) until merge_pending; past this
# size the writing load merges it itself.
PENDING_LIST_KB = 1024 * 1024
MERGE_MEMORY = "256MB"  # the merge sorts the pending entries in this much memory at a time


# Matches ranked at most: a word in most articles ranks its newest POOL matches, not all of them.
POOL = 1000


class SearchUnavailable(RuntimeError):
    """Search needs PostgreSQL: SQLite has no such index."""


def search(session: Session, query: Query, site: str | None = None, since: datetime | None = None,
           until: datetime | None = None, limit: int = 20, offset: int = 0, pool: int | None = POOL) -> list[Hit]:
    """The best ``limit`` articles containing every term of ``query`` (published in [since, until)
    and of ``site`` when given), with a snippet of each. A word found in most articles is
    ranked among its newest ``pool`` matches (None: all of them)."""
    dialect = session.get_bind().dialect.name
    if dialect != "postgresql":
        raise SearchUnavailable(f"full-text search needs PostgreSQL; this database is {dialect}")
    params: dict[str, object] = {"q": tsquery(query), "limit": limit, "offset": offset}
    contains, score = [], []
    for n, term in enumerate(query.terms):
        forms = []
        for m, form in enumerate(term.forms):
            params[f"t{n}_{m}"] = form
            forms.append(f"strpos(lower({DOCUMENT}), :t{n}_{m}) > 0")
            score.append(f"10 * {_hits('lower(title)', f't{n}_{m}')}")
        contains.append("(" + " OR ".join(forms) + ")")
        score.append(_hits("lower(body_simplified)", f"t{n}_0"))
    filters = []
    for name, value, condition in (("site", site, "site = :site"), ("since", since, "published_at >= :since"),
                                   ("until", until, "published_at < :until")):
        if value is not None:
            params[name] = value
            filters.append(condition)
    params["pool"] = pool  # LIMIT NULL: no limit
    rows = session.execute(text(f"""
        WITH matches AS MATERIALIZED (
            SELECT id FROM articles
            WHERE {INDEX_EXPRESSION} @@ CAST(:q AS tsquery) AND {" AND ".join([*contains, *filters])}
            ORDER BY published_at DESC NULLS LAST, id DESC LIMIT :pool)
        SELECT id, site, url, title, published_at, body, body_simplified, {" + ".join(score)} AS score
        FROM articles JOIN matches USING (id)
        ORDER BY score DESC, published_at DESC NULLS LAST, id DESC
        LIMIT :limit OFFSET :offset"""), params)
    hits = []
    for row in rows:
        shown, highlights = snippet(row.body, row.body_simplified, query)
        hits.append(Hit(row.id, row.site, row.url, row.title, row.published_at, float(row.score), shown,
                        highlights))
    return hits


def merge_pending(session: Session) -> None:
    """Merge the search index's pending list into the index (after a load; nothing to do on SQLite,
    or without the index). Until then a search reads the whole pending list: the load's new articles
    are found, only slower."""
    if session.get_bind().dialect.name != "postgresql":
        return
    session.execute(text(f"SET LOCAL maintenance_work_mem = '{MERGE_MEMORY}'"))
    session.execute(text("SELECT gin_clean_pending_list(ix) FROM to_regclass('ix_articles_search') AS ix "
                         "WHERE ix IS NOT NULL"))


def _hits(column: str, param: str) -> str:
    """How often the term ``:param`` occurs in ``column``, counted in the server."""
    return f"((length({column}) - length(replace({column}, :{param}, ''))) / length(:{param}))"
