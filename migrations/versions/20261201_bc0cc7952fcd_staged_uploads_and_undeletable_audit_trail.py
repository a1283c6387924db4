"""Staged uploads; the audit trail refuses DELETE and TRUNCATE as it refuses UPDATE.

Revision ID: bc0cc7952fcd
Revises: 5ec0e7e1a9b3
Create Date: 2026-12-01

Reviewed by hand.

1. A new table staged_upload (an uploaded Excel or statistics file, parsed, between its preview
   and its apply), with foreign keys to survey_round, municipality and user_account and its
   kind as a checked VARCHAR like the other enums; AUTOINCREMENT on SQLite so that ids are
   never reused. No change to existing tables.
2. answer_change and response_event get triggers that refuse DELETE (a row trigger, so a
   cascade from a deleted response is refused too) and, on PostgreSQL, TRUNCATE (a statement
   trigger; SQLite has no TRUNCATE). Together with the UPDATE triggers of cfc7cf6fa1e1 the
   audit trail can only grow.

   The one way around them, for emptying a whole test database, is documented here and used
   only by the tests (tests/support.py: empty_database), never by the application:
   on PostgreSQL the trigger function lets a transaction through that has run
   ``SET LOCAL dx_assess.purge_audit_trail = 'on'``; on SQLite the triggers are dropped and
   created again inside the emptying transaction. Anyone able to do either can also drop the
   triggers: they protect against the application and mistakes, not against the owner of the
   database.

Downgrade drops the triggers and the function, then the table.
"""

import sqlalchemy as sa
from alembic import op

revision = 'bc0cc7952fcd'
down_revision = '5ec0e7e1a9b3'
branch_labels = None
depends_on = None

AUDIT_TABLES = ("answer_change", "response_event")


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    op.create_table('staged_upload',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('excel', 'statistics', name='upload_kind', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('source_name', sa.String(length=255), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('municipality_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('seen', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('applied_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('applied_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['applied_by_id'], ['user_account.id'], name=op.f('fk_staged_upload_applied_by_id_user_account')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_staged_upload_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['municipality_id'], ['municipality.id'], name=op.f('fk_staged_upload_municipality_id_municipality')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_staged_upload_round_id_survey_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_staged_upload')),
    sqlite_autoincrement=True,  # a pruned row's id is never given to a newer file
    )
    with op.batch_alter_table('staged_upload', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staged_upload_round_id'), ['round_id'], unique=False)

    if _postgresql():
        op.execute(
            "CREATE OR REPLACE FUNCTION dx_refuse_delete() RETURNS trigger AS $$ "
            "BEGIN "
            "IF current_setting('dx_assess.purge_audit_trail', true) = 'on' THEN "
            "RETURN OLD; END IF; "
            "RAISE EXCEPTION 'audit rows cannot be deleted (%)', TG_TABLE_NAME; "
            "END; $$ LANGUAGE plpgsql"
        )
        for table in AUDIT_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                "FOR EACH ROW EXECUTE FUNCTION dx_refuse_delete()"
            )
            op.execute(
                f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
                "FOR EACH STATEMENT EXECUTE FUNCTION dx_refuse_delete()"
            )
    else:
        for table in AUDIT_TABLES:
            op.execute(
                f"CREATE TRIGGER {table}_no_delete BEFORE DELETE ON {table} "
                "BEGIN SELECT RAISE(ABORT, 'audit rows cannot be deleted'); END"
            )


def downgrade() -> None:
    if _postgresql():
        for table in AUDIT_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete ON {table}")
        op.execute("DROP FUNCTION IF EXISTS dx_refuse_delete()")
    else:
        for table in AUDIT_TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_no_delete")

    with op.batch_alter_table('staged_upload', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staged_upload_round_id'))

    op.drop_table('staged_upload')
