"""the items an officer holds, by an index (the inbox's "mine", and engine.cases.tasks.release_unworkable); and the
items held by an officer who can no longer work them (suspended, cancelled, moved to another agency or without
the item's role since, before this release, which now gives them back at the change) go back to their role's queue

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07 12:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_work_item_assignee', 'work_item', ['assignee_id'], unique=False)
    op.execute(sa.text(
        "UPDATE work_item SET assignee_id = NULL WHERE EXISTS ("
        " SELECT 1 FROM user_account u WHERE u.id = work_item.assignee_id AND ("
        " u.locked_reason IS NOT NULL OR u.cancelled_at IS NOT NULL OR u.agency_id IS NULL"
        " OR u.agency_id <> work_item.agency_id"
        " OR (',' || u.roles || ',') NOT LIKE ('%,' || work_item.role || ',%')))"))


def downgrade() -> None:
    op.drop_index('ix_work_item_assignee', table_name='work_item')
