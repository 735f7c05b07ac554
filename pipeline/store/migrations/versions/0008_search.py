"""search: a GIN index of every two-character substring of title and Simplified body (PostgreSQL),
and articles by site and publish time (every backend: the archive's lists and search filters)

Revision ID: 0008
Revises: 0007
"""

from alembic import op

from pipeline.store.search import CREATE_FUNCTION, DROP_FUNCTION, INDEX_EXPRESSION

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_articles_site_published_at", "articles", ["site", "published_at"])
    op.create_index("ix_articles_published_at", "articles", ["published_at"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(CREATE_FUNCTION)
        op.execute(f"CREATE INDEX ix_articles_search ON articles USING gin (({INDEX_EXPRESSION}))")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_articles_search")
        op.execute(DROP_FUNCTION)
    op.drop_index("ix_articles_published_at", table_name="articles")
    op.drop_index("ix_articles_site_published_at", table_name="articles")
