"""Who answers a round (survey_round.population) and official figures (official_figure).

Revision ID: a7c3e1d2b4f6
Revises: bc0cc7952fcd
Create Date: 2026-12-01

Reviewed by hand: one new NOT NULL column with a server default of 'all' (the default for new
rounds). Rounds that existed before were answered by the support programme only, so upgrade
sets them to 'programme'. A new table official_figure keeps the 総務省 statistics of every
municipality per round (unique per round and municipality; deleted with its round). Downgrade
drops the table, then the column (batch mode for SQLite).
"""

import sqlalchemy as sa
from alembic import op

revision = 'a7c3e1d2b4f6'
down_revision = 'bc0cc7952fcd'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('survey_round') as batch:
        batch.add_column(
            sa.Column('population', sa.String(length=20), nullable=False, server_default='all')
        )
    op.execute("UPDATE survey_round SET population = 'programme'")
    op.create_table('official_figure',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=False),
    sa.Column('cards', sa.Integer(), nullable=False),
    sa.Column('cards_measure', sa.String(length=20), nullable=False),
    sa.Column('population_date', sa.Date(), nullable=True),
    sa.Column('cards_date', sa.Date(), nullable=True),
    sa.Column('source_name', sa.String(length=200), nullable=False),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['imported_by_id'], ['user_account.id'], name=op.f('fk_official_figure_imported_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_official_figure_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_official_figure_round_id_survey_round'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_official_figure')),
    sa.UniqueConstraint('round_id', 'municipality_id', name='uq_official_figure_round_town')
    )


def downgrade() -> None:
    op.drop_table('official_figure')
    with op.batch_alter_table('survey_round') as batch:
        batch.drop_column('population')
