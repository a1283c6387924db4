"""report_job.inputs_fingerprint: the digest of a batch's inputs, so that a batch of a round
where nothing changed takes the last finished batch's ZIP at once.

Revision ID: e7f8a9b0c1d2
Revises: d4e5f6a7b8c9
Create Date: 2026-12-01

Written by hand: one nullable VARCHAR(64) column on report_job (NULL for the batches before
it, which are then never reused). Downgrade drops the column.
"""

import sqlalchemy as sa
from alembic import op

revision = 'e7f8a9b0c1d2'
down_revision = 'd4e5f6a7b8c9'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('inputs_fingerprint', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.drop_column('inputs_fingerprint')
