"""metadata sources: which source an article's title and date came from, and what the list page showed

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

ARTICLE_TABLES = ("extractions", "articles")


def upgrade() -> None:
    for table in ARTICLE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("title_source", sa.String(length=20), server_default="", nullable=False))
            batch_op.add_column(sa.Column("date_source", sa.String(length=20), server_default="", nullable=False))
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("listed_title", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("listed_date", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_column("listed_date")
        batch_op.drop_column("listed_title")
    for table in ARTICLE_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("date_source")
            batch_op.drop_column("title_source")
