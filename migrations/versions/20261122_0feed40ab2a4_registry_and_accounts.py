"""Registry (振興局, municipalities, support-programme list changes) and accounts.

Revision ID: 0feed40ab2a4
Revises:
Create Date: 2026-11-22

Reviewed by hand. Timestamps are stored as UTC (DateTime with time zone).
"""

import sqlalchemy as sa
from alembic import op


# revision identifiers, used by Alembic.
revision = '0feed40ab2a4'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('subprefecture',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('order', sa.Integer(), nullable=False),
    sa.Column('short_name', sa.String(length=20), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_subprefecture')),
    sa.UniqueConstraint('name', name=op.f('uq_subprefecture_name')),
    sa.UniqueConstraint('order', name=op.f('uq_subprefecture_order')),
    sa.UniqueConstraint('short_name', name=op.f('uq_subprefecture_short_name'))
    )
    op.create_table('supported_list_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('source_name', sa.String(length=200), nullable=False),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('supported_count', sa.Integer(), nullable=False),
    sa.Column('added_codes', sa.String(length=4000), nullable=False),
    sa.Column('removed_codes', sa.String(length=4000), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supported_list_change'))
    )
    op.create_table('municipality',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('name_kana', sa.String(length=80), nullable=False),
    sa.Column('kind', sa.String(length=1), nullable=False),
    sa.Column('county', sa.String(length=40), nullable=True),
    sa.Column('subprefecture_id', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('population_date', sa.Date(), nullable=True),
    sa.Column('office_lat', sa.Double(), nullable=True),
    sa.Column('office_lng', sa.Double(), nullable=True),
    sa.Column('url', sa.String(length=200), nullable=True),
    sa.Column('supported', sa.Boolean(), nullable=False),
    sa.CheckConstraint("kind IN ('市', '町', '村')", name=op.f('ck_municipality_kind')),
    sa.CheckConstraint('length(code) = 6', name=op.f('ck_municipality_code_length')),
    sa.ForeignKeyConstraint(['subprefecture_id'], ['subprefecture.id'], name=op.f('fk_municipality_subprefecture_id_subprefecture')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_municipality')),
    sa.UniqueConstraint('code', name=op.f('uq_municipality_code')),
    sa.UniqueConstraint('name', name=op.f('uq_municipality_name'))
    )
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_municipality_subprefecture_id'), ['subprefecture_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_municipality_supported'), ['supported'], unique=False)

    op.create_table('user_account',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('login', sa.String(length=64), nullable=False),
    sa.Column('display_name', sa.String(length=100), nullable=False),
    sa.Column('password_hash', sa.String(length=256), nullable=False),
    sa.Column('role', sa.Enum('municipal', 'adviser', 'prefecture', 'admin', name='role', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(role = 'municipal' AND municipality_id IS NOT NULL) OR (role <> 'municipal' AND municipality_id IS NULL)", name=op.f('ck_user_account_municipality_matches_role')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_user_account_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_account')),
    sa.UniqueConstraint('login', name=op.f('uq_user_account_login'))
    )
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_user_account_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('adviser_assignment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('adviser_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['adviser_id'], ['user_account.id'], name=op.f('fk_adviser_assignment_adviser_id_user_account'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_adviser_assignment_municipality_id_municipality')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adviser_assignment')),
    sa.UniqueConstraint('adviser_id', 'municipality_id', name='uq_adviser_assignment_adviser_municipality')
    )
    with op.batch_alter_table('adviser_assignment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adviser_assignment_municipality_id'), ['municipality_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('adviser_assignment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adviser_assignment_municipality_id'))

    op.drop_table('adviser_assignment')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_municipality_id'))

    op.drop_table('user_account')
    with op.batch_alter_table('municipality', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_municipality_supported'))
        batch_op.drop_index(batch_op.f('ix_municipality_subprefecture_id'))

    op.drop_table('municipality')
    op.drop_table('supported_list_change')
    op.drop_table('subprefecture')
