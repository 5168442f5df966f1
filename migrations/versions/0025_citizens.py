"""citizen accounts: cancellation, the phone index (recovery, the administrators' search), recovery requests
per client address

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-02 10:10:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0025'
down_revision = '0024'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancelled_at', engine.data.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.create_index(batch_op.f('ix_user_account_phone'), ['phone'], unique=False)
    op.create_table('recovery_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('remote_addr', sa.String(length=45), nullable=False),
    sa.Column('at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_recovery_attempt'))
    )
    op.create_index('ix_recovery_attempt_remote_addr_at', 'recovery_attempt', ['remote_addr', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_recovery_attempt_remote_addr_at', table_name='recovery_attempt')
    op.drop_table('recovery_attempt')
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_user_account_phone'))
        batch_op.drop_column('cancelled_at')
