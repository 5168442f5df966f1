"""a refund owed is marked given back by the receiving desk: when, by whom, how

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-07 18:40:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0048'
down_revision = '0047'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('payment_refund') as batch:
        batch.add_column(sa.Column('given_at', sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column('given_by_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('given_note', sa.Text(), nullable=True))
        batch.create_foreign_key(batch.f('fk_payment_refund_given_by_id_user_account'), 'user_account',
                                 ['given_by_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('payment_refund') as batch:
        batch.drop_constraint(batch.f('fk_payment_refund_given_by_id_user_account'), type_='foreignkey')
        batch.drop_column('given_note')
        batch.drop_column('given_by_id')
        batch.drop_column('given_at')
