"""Contacts: an e-mail address per account and the response's contact person.

Revision ID: c0a7ac75e11a
Revises: 5e1d7c2a9b40
Create Date: 2026-12-01

Reviewed by hand: five new nullable columns, no data to move. user_account.email is where
mail for the account goes (password reset, round notices); response.contact_* is the person
who answers for the municipality (回答担当者). Downgrade drops them (batch mode for SQLite).
"""

import sqlalchemy as sa
from alembic import op

revision = 'c0a7ac75e11a'
down_revision = '5e1d7c2a9b40'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account') as batch:
        batch.add_column(sa.Column('email', sa.String(length=254), nullable=True))
    with op.batch_alter_table('response') as batch:
        batch.add_column(sa.Column('contact_name', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('contact_section', sa.String(length=100), nullable=True))
        batch.add_column(sa.Column('contact_phone', sa.String(length=40), nullable=True))
        batch.add_column(sa.Column('contact_email', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('response') as batch:
        batch.drop_column('contact_email')
        batch.drop_column('contact_phone')
        batch.drop_column('contact_section')
        batch.drop_column('contact_name')
    with op.batch_alter_table('user_account') as batch:
        batch.drop_column('email')
