"""the administrators' trail newest first by action, target, kind of target or agency, each off its own index;
the officers' list and count by username over the accounts of an agency only (never the citizens' accounts)

Revision ID: 0047
Revises: 0046
Create Date: 2026-12-07 15:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0047'
down_revision = '0046'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_admin_event_action_id', 'admin_event', ['action', 'id'], unique=False)
    op.create_index('ix_admin_event_target_id', 'admin_event', ['target', 'id'], unique=False)
    op.create_index('ix_admin_event_kind_id', 'admin_event', ['target_kind', 'id'], unique=False)
    op.create_index('ix_admin_event_agency_id', 'admin_event', ['agency_id', 'id'], unique=False)
    op.create_index('ix_user_account_officer', 'user_account', ['username'], unique=False,
                    postgresql_where=sa.text('agency_id IS NOT NULL'), sqlite_where=sa.text('agency_id IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_user_account_officer', table_name='user_account')
    op.drop_index('ix_admin_event_agency_id', table_name='admin_event')
    op.drop_index('ix_admin_event_kind_id', table_name='admin_event')
    op.drop_index('ix_admin_event_target_id', table_name='admin_event')
    op.drop_index('ix_admin_event_action_id', table_name='admin_event')
