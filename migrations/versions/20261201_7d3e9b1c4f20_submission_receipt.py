"""提出控え: the PDF of the answers as submitted, kept per submission.

Revision ID: 7d3e9b1c4f20
Revises: c0a7ac75e11a
Create Date: 2026-12-01

Reviewed by hand: one new table, no change to existing ones, no data to move. Each row is
one submission's receipt (the PDF bytes, the response version it shows, when and by whom);
deleting a response deletes its receipts. Downgrade drops the table.
"""

import sqlalchemy as sa
from alembic import op

revision = '7d3e9b1c4f20'
down_revision = 'c0a7ac75e11a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('submission_receipt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('response_version', sa.Integer(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_submission_receipt_response_id_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_submission_receipt_submitted_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_submission_receipt'))
    )
    with op.batch_alter_table('submission_receipt', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_submission_receipt_response_id'), ['response_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('submission_receipt', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_submission_receipt_response_id'))
    op.drop_table('submission_receipt')
