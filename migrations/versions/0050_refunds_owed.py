"""the refunds an agency still owes, read off a partial index of those not given back (never the history)

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-07 20:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0050'
down_revision = '0049'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_payment_refund_owed', 'payment_refund', ['id'], unique=False,
                    sqlite_where=sa.text('given_at IS NULL'), postgresql_where=sa.text('given_at IS NULL'))


def downgrade() -> None:
    op.drop_index('ix_payment_refund_owed', table_name='payment_refund')
