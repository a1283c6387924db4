"""Who answers a round: survey_round.population (all municipalities or the programme).

Revision ID: a7c3e1d2b4f6
Revises: 183a809c2821
Create Date: 2026-12-01

Reviewed by hand: one new NOT NULL column with a server default of 'all' (the default for new
rounds). Rounds that existed before were answered by the support programme only, so upgrade
sets them to 'programme'. Downgrade drops the column (batch mode for SQLite).
"""

import sqlalchemy as sa
from alembic import op

revision = 'a7c3e1d2b4f6'
down_revision = '183a809c2821'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('survey_round') as batch:
        batch.add_column(
            sa.Column('population', sa.String(length=20), nullable=False, server_default='all')
        )
    op.execute("UPDATE survey_round SET population = 'programme'")


def downgrade() -> None:
    with op.batch_alter_table('survey_round') as batch:
        batch.drop_column('population')
