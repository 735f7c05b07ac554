"""search index: new entries go to the GIN index's pending list during the load and are merged into
it in one pass afterwards (``pipeline.store.search.merge_pending``), not index entry by index entry

Revision ID: 0009
Revises: 0008
"""

from alembic import op

from pipeline.store.search import PENDING_LIST_KB

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER INDEX ix_articles_search SET (fastupdate = on, gin_pending_list_limit = {PENDING_LIST_KB})")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER INDEX ix_articles_search RESET (fastupdate, gin_pending_list_limit)")
