"""Report jobs: background batches that build a round's PDF reports.

Revision ID: 183a809c2821
Revises: cfc7cf6fa1e1
Create Date: 2026-11-30

Reviewed by hand: one new table (report_job) with its round index, foreign keys to
survey_round and user_account, the status as a checked VARCHAR like the other enums; no
change to existing tables. Downgrade drops the index and the table. The PDF and ZIP files
live in the reports folder, not in the database: downgrading leaves them (a cache).
"""

import sqlalchemy as sa
from alembic import op

revision = '183a809c2821'
down_revision = 'cfc7cf6fa1e1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('report_job',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('status', sa.Enum('queued', 'running', 'done', 'failed', name='report_job_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('total', sa.Integer(), nullable=False),
    sa.Column('done', sa.Integer(), nullable=False),
    sa.Column('rendered', sa.Integer(), nullable=False),
    sa.Column('failed', sa.Integer(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('zip_path', sa.String(length=500), nullable=True),
    sa.Column('zip_hash', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['requested_by_id'], ['user_account.id'], name=op.f('fk_report_job_requested_by_id_user_account')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_report_job_round_id_survey_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_job'))
    )
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_job_round_id'), ['round_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('report_job', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_report_job_round_id'))

    op.drop_table('report_job')
