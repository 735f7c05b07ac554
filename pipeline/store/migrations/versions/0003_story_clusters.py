"""story clusters: the near-duplicate index (LSH band hashes), clusters, article versions, lz4 bodies

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Bodies are TOASTed (~6 KB each); lz4 compresses them several times faster than the default pglz,
# which is what limits bulk loads (benchmarks/load.py). PostgreSQL 14+ built with lz4 only.
LZ4_COLUMNS = (("articles", "body"), ("articles", "body_simplified"),
               ("extractions", "body"), ("extractions", "body_simplified"))


def upgrade() -> None:
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.add_column(sa.Column("version", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(sa.Column("version_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "article_versions",
        sa.Column("article_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("body_hash", sa.String(length=40), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.ForeignKeyConstraint(["article_id"], ["articles.id"], name=op.f("fk_article_versions_article_id_articles"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("article_id", "version", name=op.f("pk_article_versions")),
    )
    op.create_index(op.f("ix_article_versions_run_id"), "article_versions", ["run_id"])
    _create_story_tables()
    op.create_index("ix_extractions_canonical_url", "extractions", ["canonical_url"])
    if _has_lz4():
        for table, column in LZ4_COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION lz4")


def _create_story_tables() -> None:
    op.create_table(
        "story_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("canonical_url", sa.Text(), nullable=False),
        sa.Column("site", sa.String(length=63), nullable=False),
        sa.Column("script", sa.String(length=20), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("body_chars", sa.Integer(), nullable=False),
        sa.Column("body_hash", sa.String(length=40), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
        sa.Column("cluster_id", sa.Integer(), nullable=True),
        sa.Column("matched_id", sa.Integer(), nullable=True),
        sa.Column("similarity", sa.Float(), nullable=True),
        sa.Column("run_id", sa.String(length=250), nullable=False),
        sa.ForeignKeyConstraint(["matched_id"], ["story_members.id"], name=op.f("fk_story_members_matched_id_story_members"),
                                ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_members")),
        sa.UniqueConstraint("canonical_url", name=op.f("uq_story_members_canonical_url")),
    )
    op.create_index(op.f("ix_story_members_cluster_id"), "story_members", ["cluster_id"])
    op.create_index(op.f("ix_story_members_run_id"), "story_members", ["run_id"])
    op.create_table(
        "story_bands",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("band", "hash", "member_id", name=op.f("pk_story_bands")),
    )
    op.create_index(op.f("ix_story_bands_member_id"), "story_bands", ["member_id"])
    op.create_table(
        "story_clusters",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("canonical_id", sa.Integer(), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["canonical_id"], ["story_members.id"],
                                name=op.f("fk_story_clusters_canonical_id_story_members")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_story_clusters")),
    )


def _has_lz4() -> bool:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return False
    query = "SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'"
    return bool(bind.exec_driver_sql(query).scalar())


def downgrade() -> None:
    if _has_lz4():
        for table, column in LZ4_COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN {column} SET COMPRESSION default")
    op.drop_index("ix_extractions_canonical_url", table_name="extractions")
    op.drop_table("story_clusters")
    op.drop_index(op.f("ix_story_bands_member_id"), table_name="story_bands")
    op.drop_table("story_bands")
    op.drop_index(op.f("ix_story_members_run_id"), table_name="story_members")
    op.drop_index(op.f("ix_story_members_cluster_id"), table_name="story_members")
    op.drop_table("story_members")
    op.drop_index(op.f("ix_article_versions_run_id"), table_name="article_versions")
    op.drop_table("article_versions")
    with op.batch_alter_table("articles", schema=None) as batch_op:
        batch_op.drop_column("version_seen_at")
        batch_op.drop_column("version")
