"""Survey rounds, responses, answers, and the append-only audit trail.

Revision ID: cfc7cf6fa1e1
Revises: f8448fa148a1
Create Date: 2026-11-22

Reviewed by hand: five new tables, no change to existing ones. answer_change and
response_event get triggers that refuse UPDATE, so the audit trail cannot be edited
(on SQLite and PostgreSQL); downgrade drops the triggers with the tables.
"""

import sqlalchemy as sa
from alembic import op

revision = 'cfc7cf6fa1e1'
down_revision = 'f8448fa148a1'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('survey_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('fiscal_year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('questionnaire_version_id', sa.Integer(), nullable=False),
    sa.Column('opens_on', sa.Date(), nullable=False),
    sa.Column('closes_on', sa.Date(), nullable=False),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('is_demo', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_survey_round_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['questionnaire_version_id'], ['questionnaire_version.id'], name=op.f('fk_survey_round_questionnaire_version_id_questionnaire_version')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_round')),
    sa.UniqueConstraint('fiscal_year', name=op.f('uq_survey_round_fiscal_year'))
    )
    op.create_table('response',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'reopened', name='response_status', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_response_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_response_round_id_survey_round')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['user_account.id'], name=op.f('fk_response_submitted_by_id_user_account')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_response_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response')),
    sa.UniqueConstraint('round_id', 'municipality_id', name='uq_response_round_municipality')
    )
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_municipality_id'), ['municipality_id'], unique=False)

    op.create_table('answer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('value', sa.JSON(), nullable=False),
    sa.Column('carried_over', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_answer_response_id_response'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_answer_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer')),
    sa.UniqueConstraint('response_id', 'question_id', name='uq_answer_response_question')
    )
    op.create_table('answer_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('question_id', sa.String(length=64), nullable=False),
    sa.Column('old_value', sa.JSON(), nullable=True),
    sa.Column('new_value', sa.JSON(), nullable=True),
    sa.Column('response_version', sa.Integer(), nullable=False),
    sa.Column('channel', sa.Enum('form', 'excel', 'statistics', 'prefill', 'demo', name='change_channel', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('changed_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['changed_by_id'], ['user_account.id'], name=op.f('fk_answer_change_changed_by_id_user_account')),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_answer_change_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_answer_change'))
    )
    with op.batch_alter_table('answer_change', schema=None) as batch_op:
        batch_op.create_index('ix_answer_change_response_question', ['response_id', 'question_id'], unique=False)

    op.create_table('response_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('response_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('submitted', 'reopened', 'prefilled', 'confirmed', name='event_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('response_version', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['by_id'], ['user_account.id'], name=op.f('fk_response_event_by_id_user_account')),
    sa.ForeignKeyConstraint(['response_id'], ['response.id'], name=op.f('fk_response_event_response_id_response'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_event'))
    )
    with op.batch_alter_table('response_event', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_event_response_id'), ['response_id'], unique=False)



    for table in AUDIT_TABLES:
        _forbid_updates(table)


AUDIT_TABLES = ("answer_change", "response_event")


def _forbid_updates(table: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE OR REPLACE FUNCTION dx_refuse_update() RETURNS trigger AS $$ "
            "BEGIN RAISE EXCEPTION 'audit rows cannot be changed (%)', TG_TABLE_NAME; END; "
            "$$ LANGUAGE plpgsql"
        )
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION dx_refuse_update()"
        )
    else:
        op.execute(
            f"CREATE TRIGGER {table}_no_update BEFORE UPDATE ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'audit rows cannot be changed'); END"
        )


def downgrade() -> None:
    for table in AUDIT_TABLES:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_no_update" + (
            f" ON {table}" if op.get_bind().dialect.name == "postgresql" else ""
        ))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS dx_refuse_update()")
    with op.batch_alter_table('response_event', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_event_response_id'))

    op.drop_table('response_event')
    with op.batch_alter_table('answer_change', schema=None) as batch_op:
        batch_op.drop_index('ix_answer_change_response_question')

    op.drop_table('answer_change')
    op.drop_table('answer')
    with op.batch_alter_table('response', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_municipality_id'))

    op.drop_table('response')
    op.drop_table('survey_round')
