"""The security log: log-ins, failed log-ins, throttling, log-outs and account changes.

Revision ID: 5ec0e7e1a9b3
Revises: 183a809c2821
Create Date: 2026-12-01

Written by hand: one new table (security_event) with indexes on its time and user, the
kind as a checked VARCHAR like the other enums, foreign keys to user_account for the
account concerned and for who acted. Like the answers' audit trail it is append-only: a
trigger refuses UPDATE (on PostgreSQL through dx_refuse_update(), which the audit-trail
migration created). No existing table changes. Downgrade drops the trigger, the indexes
and the table.
"""

import sqlalchemy as sa
from alembic import op

revision = '5ec0e7e1a9b3'
down_revision = '183a809c2821'
branch_labels = None
depends_on = None

KINDS = (
    'login', 'login_failed', 'throttled', 'logout', 'account_created', 'password_changed',
    'role_changed', 'deactivated', 'reactivated',
)


def upgrade() -> None:
    op.create_table('security_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.Enum(*KINDS, name='security_event_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('login', sa.String(length=64), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('address', sa.String(length=64), nullable=True),
    sa.Column('detail', sa.String(length=300), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'], name=op.f('fk_security_event_actor_id_user_account')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_security_event_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_event'))
    )
    with op.batch_alter_table('security_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_event_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_security_event_user_id'), ['user_id'], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER security_event_no_update BEFORE UPDATE ON security_event "
            "FOR EACH ROW EXECUTE FUNCTION dx_refuse_update()"
        )
    else:
        op.execute(
            "CREATE TRIGGER security_event_no_update BEFORE UPDATE ON security_event "
            "BEGIN SELECT RAISE(ABORT, 'audit rows cannot be changed'); END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS security_event_no_update ON security_event")
    else:
        op.execute("DROP TRIGGER IF EXISTS security_event_no_update")
    with op.batch_alter_table('security_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_security_event_user_id'))
        batch_op.drop_index(batch_op.f('ix_security_event_at'))
    op.drop_table('security_event')
