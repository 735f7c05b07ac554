"""The only package that writes to the database. Every write is an upsert, so re-runs add nothing.

Functions take a ``Session`` and leave the transaction to the caller (one transaction per batch).

- ``models``: the schema (typed SQLAlchemy 2 models); ``migrations/``: Alembic, beside them;
- ``engine``: engines, sessions, migrating, a unit of work retried over a lost connection, the upsert
  helpers;
- ``runs``, ``crawl``, ``staging``: what each stage writes and reads;
- ``retention``: pruning raw bodies no article is built from;
- ``clusters``: the near-duplicate index and story clusters; ``load``: the merge into ``articles``;
- ``bulk``: COPY for many small rows;
- ``health``: each site's crawl stats, metrics and drift alerts per run (read by the UI and CLI).

The stages' functions are re-exported here, so callers write ``store.save_pages(...)``.
"""

from pipeline.store.crawl import (
    begin_crawl,
    end_crawl,
    known_pages,
    last_crawl,
    mark_unchanged,
    page_heads,
    pages_of_run,
    save_pages,
    save_rejections,
)
from pipeline.store.engine import (
    DatabaseUnavailable,
    in_transaction,
    make_engine,
    migrate,
    session_factory,
    shared_session_factory,
)
from pipeline.store.retention import Pruned, prune_pages
from pipeline.store.runs import (
    COUNTS,
    finish_run,
    rejection_reasons,
    run_counts,
    run_sites,
    start_run,
)
from pipeline.store.staging import (
    ARTICLE_FIELDS,
    article_row,
    dedupe_slices,
    drop_extraction,
    save_decisions,
    save_extractions,
    staged_for_dedupe,
    stored_body_hashes,
)

__all__ = [
    "ARTICLE_FIELDS", "COUNTS", "DatabaseUnavailable", "Pruned", "article_row", "begin_crawl", "dedupe_slices",
    "drop_extraction", "end_crawl", "finish_run", "in_transaction", "known_pages", "last_crawl", "make_engine", "mark_unchanged", "migrate",
    "page_heads", "pages_of_run", "prune_pages", "rejection_reasons", "run_counts", "run_sites", "save_decisions",
    "save_extractions", "save_pages", "save_rejections", "session_factory", "shared_session_factory",
    "staged_for_dedupe", "start_run", "stored_body_hashes",
]  # fmt: skip
