"""site health: per-site crawl stats, metrics and drift alerts of each run

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _run_columns() -> list[sa.Column]:
    return [sa.Column("run_id", sa.String(length=250), nullable=False),
            sa.Column("site", sa.String(length=63), nullable=False)]


def _count(name: str, nullable: bool = False) -> sa.Column:
    return sa.Column(name, sa.Integer(), nullable=nullable)


def _share(name: str) -> sa.Column:
    return sa.Column(name, sa.Float(), nullable=True)


def upgrade() -> None:
    op.create_table(
        "crawl_stats",
        *_run_columns(),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        *(_count(name) for name in ("list_pages", "links_found", "new_links", "requests", "retries")),
        _share("latency_median_ms"),
        _share("latency_p95_ms"),
        sa.Column("response_bytes", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "site", name=op.f("pk_crawl_stats")),
    )
    op.create_table(
        "site_metrics",
        *_run_columns(),
        sa.Column("run_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("crawl_outcome", sa.String(length=40), nullable=True),
        *(_count(name, nullable=True) for name in ("list_pages", "links_found", "new_links", "requests", "retries")),
        _share("latency_median_ms"),
        _share("latency_p95_ms"),
        *(_count(name) for name in ("pages", "new_articles", "versions", "extracted")),
        sa.Column("rejections", JSON, nullable=False),
        *(_count(name) for name in ("fetch_errors", "blocked_pages", "extract_rejects")),
        *(_share(name) for name in ("error_rate", "reject_rate", "title_fill", "date_fill", "source_fill")),
        sa.Column("date_sources", JSON, nullable=False),
        _count("body_chars_median", nullable=True),
        _share("mojibake_rate"),
        _share("boilerplate_rate"),
        sa.PrimaryKeyConstraint("run_id", "site", name=op.f("pk_site_metrics")),
    )
    op.create_index("ix_site_metrics_site_run_started_at", "site_metrics", ["site", "run_started_at"])
    op.create_table(
        "site_alerts",
        *_run_columns(),
        sa.Column("alert", sa.String(length=40), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        *(_share(name) for name in ("value", "baseline", "threshold")),
        sa.Column("judged", sa.Boolean(), nullable=False),
        sa.Column("since_run_id", sa.String(length=250), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("run_id", "site", "alert", name=op.f("pk_site_alerts")),
    )
    op.create_index("ix_site_alerts_site", "site_alerts", ["site"])


def downgrade() -> None:
    op.drop_index("ix_site_alerts_site", table_name="site_alerts")
    op.drop_table("site_alerts")
    op.drop_index("ix_site_metrics_site_run_started_at", table_name="site_metrics")
    op.drop_table("site_metrics")
    op.drop_table("crawl_stats")
