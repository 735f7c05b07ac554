"""page retention: a raw body may be removed (pruned) while the page's metadata and hash stay

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.alter_column("body", existing_type=sa.LargeBinary(), nullable=True)
        batch_op.add_column(sa.Column("pruned_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    # A pruned body is gone for good: the older schema gets an empty one in its place.
    op.execute(sa.text("UPDATE pages SET body = :empty WHERE body IS NULL").bindparams(empty=b""))
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_column("pruned_at")
        batch_op.alter_column("body", existing_type=sa.LargeBinary(), nullable=False)
