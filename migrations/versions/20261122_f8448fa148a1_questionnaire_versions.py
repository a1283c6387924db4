"""Published questionnaire versions (content stored, immutable).

Revision ID: f8448fa148a1
Revises: 0feed40ab2a4
Create Date: 2026-11-22

Reviewed by hand: one new table, no change to existing ones; downgrade drops it.
"""

import sqlalchemy as sa
from alembic import op

revision = "f8448fa148a1"
down_revision = "0feed40ab2a4"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "questionnaire_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("fiscal_year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.String(length=200), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_by", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questionnaire_version")),
        sa.UniqueConstraint("key", "version", name="uq_questionnaire_version_key_version"),
    )


def downgrade() -> None:
    op.drop_table("questionnaire_version")
