"""indexes for the pages at a million dossiers: the inbox in due or arrival order, the register of a period,
the leaders' watch, an agency's list

The inbox read every open item of a role and sorted it before its first page; the register filtered on
coalesce(received_at, filed_at), which no index served (now a stored column, registered_at); the leaders' watch read every open dossier of the
agency. These indexes give each its rows in the order it shows them (issue 15).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02 07:30:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_work_item_inbox_due', 'work_item', ['agency_id', 'role', 'due_at', 'id'])
    op.create_index('ix_work_item_inbox_created', 'work_item', ['agency_id', 'role', 'created_at', 'id'])
    op.drop_index('ix_work_item_agency_role', table_name='work_item')  # a prefix of the two above
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registered_at', engine.data.db.UTCDateTime(), nullable=True))
    op.execute("update dossier set registered_at = coalesce(received_at, filed_at)")
    op.create_index('ix_dossier_register', 'dossier', ['agency_id', 'registered_at', 'id'])
    op.create_index('ix_dossier_agency_filed', 'dossier', ['agency_id', 'filed_at', 'id'])
    op.create_index('ix_dossier_watch_due', 'dossier', ['agency_id', 'status', 'due_at'])
    op.create_index('ix_dossier_watch_intake', 'dossier', ['agency_id', 'status', 'intake_due_at'])


def downgrade() -> None:
    op.drop_index('ix_dossier_watch_intake', table_name='dossier')
    op.drop_index('ix_dossier_watch_due', table_name='dossier')
    op.drop_index('ix_dossier_agency_filed', table_name='dossier')
    op.drop_index('ix_dossier_register', table_name='dossier')
    if op.get_bind().dialect.name == "sqlite":  # native drop column: no rebuild of the referenced tables
        op.execute("alter table dossier drop column registered_at")
    else:
        with op.batch_alter_table('dossier', schema=None) as batch_op:
            batch_op.drop_column('registered_at')
    op.create_index('ix_work_item_agency_role', 'work_item', ['agency_id', 'role'])
    op.drop_index('ix_work_item_inbox_created', table_name='work_item')
    op.drop_index('ix_work_item_inbox_due', table_name='work_item')
