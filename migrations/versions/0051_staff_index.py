"""every account but the citizens', by username: the operator's officer list reads them off a partial index

Revision ID: 0051
Revises: 0050
Create Date: 2026-12-07 22:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0051'
down_revision = '0050'
branch_labels = None
depends_on = None

STAFF = "roles <> 'citizen'"


def upgrade() -> None:
    op.create_index('ix_user_account_staff', 'user_account', ['username'], unique=False,
                    sqlite_where=sa.text(STAFF), postgresql_where=sa.text(STAFF))


def downgrade() -> None:
    op.drop_index('ix_user_account_staff', table_name='user_account')
