"""the merchant that took each online payment order (D26): its secret checks the order's notifications, also
after the agency changes merchant

Existing rows keep NULL: their merchant is read from their agency's gateway row, as before.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-05 09:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0033'
down_revision = '0032'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payment_order', schema=None) as batch_op:
        batch_op.add_column(sa.Column('merchant', sa.String(length=60), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('payment_order', schema=None) as batch_op:
        batch_op.drop_column('merchant')
