"""story bands keyed by one column: the band's number folded into its hash, one index instead of two

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Callable

import numpy as np
import sqlalchemy as sa
from alembic import op

from pipeline.dedupe import MIX, NEAR, band_keys, mix64, signature_matrix
from pipeline.store.clusters import band_rows

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CHUNK = 10_000  # members re-indexed per query


def upgrade() -> None:
    op.drop_index("ix_story_bands_member_id", table_name="story_bands")
    op.drop_table("story_bands")
    op.create_table(
        "story_bands",
        sa.Column("band_key", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("band_key", "member_id", name=op.f("pk_story_bands")),
    )
    _reindex(("band_key", "member_id"), lambda ids, signature_rows: band_rows(ids, band_keys(signature_rows)))


def downgrade() -> None:
    op.drop_table("story_bands")
    op.create_table(
        "story_bands",
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("hash", sa.BigInteger(), nullable=False),
        sa.Column("member_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("band", "hash", "member_id", name=op.f("pk_story_bands")),
    )
    op.create_index(op.f("ix_story_bands_member_id"), "story_bands", ["member_id"])
    _reindex(("band", "hash", "member_id"), _rows_0003)


def _reindex(columns: tuple[str, ...], rows_of: Callable[[list[int], np.ndarray], list[tuple[int, ...]]]) -> None:
    """Fill story_bands again from the signatures every member keeps."""
    from pipeline.store.bulk import insert_rows

    bind = op.get_bind()
    table = sa.table("story_bands", *(sa.column(c) for c in columns))
    last = 0
    while chunk := bind.execute(sa.text("SELECT id, signature FROM story_members WHERE id > :last ORDER BY id"
                                        " LIMIT :n"), {"last": last, "n": CHUNK}).all():
        ids = [member_id for member_id, _ in chunk]
        signature_rows = signature_matrix([signature for _, signature in chunk])
        insert_rows(bind, table, columns, rows_of(ids, signature_rows))
        last = ids[-1]


def _rows_0003(ids: list[int], signature_rows: np.ndarray) -> list[tuple[int, ...]]:
    """Revision 0003's rows: (band, hash of the band's values alone, member)."""
    bands = signature_rows.reshape(len(ids), NEAR.bands, NEAR.rows).astype(np.uint64)
    folded = np.zeros(bands.shape[:2], dtype=np.uint64)
    for r in range(NEAR.rows):
        folded = mix64(folded * MIX + bands[:, :, r])
    hashes = folded.view(np.int64)
    return sorted({(band, int(hashes[i, band]), member) for i, member in enumerate(ids) for band in range(NEAR.bands)})
