"""Report batches on the task queue: per-report rows, render claims, stored files, and at most
one active batch per round.

Revision ID: 5e1d7c2a9b40
Revises: a7c3e1d2b4f6
Create Date: 2026-12-01

Written by hand. Upgrade: a batch still queued or running from before (a process that a web
worker had started) cannot go on under the queue, so it is marked failed; then the partial
unique index ``uq_report_job_active_round`` (one queued/running job per round), and three new
tables: report_item (one row per report of a batch), report_render (every render; an
unfinished row is the claim on its hash, unique by a partial index) and report_file (PDFs and
ZIPs stored in the database). Partial indexes work on SQLite and PostgreSQL alike.
Downgrade drops the three tables and the index; the stored files go with report_file (they
are generated again on demand).
"""

import sqlalchemy as sa
from alembic import op

revision = '5e1d7c2a9b40'
down_revision = 'a7c3e1d2b4f6'
branch_labels = None
depends_on = None

ACTIVE_JOB = "status IN ('queued', 'running')"


def upgrade() -> None:
    op.execute(
        "UPDATE report_job SET status = 'failed', "
        "error = 'stopped by the upgrade to the task queue; start the batch again' "
        f"WHERE {ACTIVE_JOB}"
    )
    op.create_index(
        'uq_report_job_active_round', 'report_job', ['round_id'], unique=True,
        sqlite_where=sa.text(ACTIVE_JOB), postgresql_where=sa.text(ACTIVE_JOB),
    )
    op.create_table('report_item',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('key', sa.String(length=20), nullable=False),
    sa.Column('filename', sa.String(length=300), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('pending', 'rendered', 'cached', 'failed', name='report_item_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=False),
    sa.Column('worker', sa.String(length=200), nullable=True),
    sa.Column('error', sa.Text(), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['job_id'], ['report_job.id'], name=op.f('fk_report_item_job_id_report_job'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_item'))
    )
    op.create_index('uq_report_item_job_id_key', 'report_item', ['job_id', 'key'], unique=True)
    op.create_table('report_render',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('heartbeat_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pages', sa.Integer(), nullable=False),
    sa.Column('seconds', sa.Double(), nullable=False),
    sa.Column('error', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_render'))
    )
    op.create_index(op.f('ix_report_render_digest'), 'report_render', ['digest'], unique=False)
    op.create_index(
        'uq_report_render_claim', 'report_render', ['digest'], unique=True,
        sqlite_where=sa.text('finished_at IS NULL'), postgresql_where=sa.text('finished_at IS NULL'),
    )
    op.create_table('report_file',
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_report_file'))
    )


def downgrade() -> None:
    op.drop_table('report_file')
    op.drop_index('uq_report_render_claim', table_name='report_render')
    op.drop_index(op.f('ix_report_render_digest'), table_name='report_render')
    op.drop_table('report_render')
    op.drop_index('uq_report_item_job_id_key', table_name='report_item')
    op.drop_table('report_item')
    op.drop_index('uq_report_job_active_round', table_name='report_job')
