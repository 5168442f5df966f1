"""the filings for another person refused for an owner's name or birth date that did not match the checked identity
of the CCCD named (D4): a few per filer, and per CCCD asked about, in a window, then none
(engine.cases.owner_checks)

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-07 12:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0044'
down_revision = '0043'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'owner_check_failure',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('target', sa.String(length=64), nullable=False),
        sa.Column('at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_owner_check_failure_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_owner_check_failure')))
    op.create_index('ix_owner_check_failure_user_id_at', 'owner_check_failure', ['user_id', 'at'], unique=False)
    op.create_index('ix_owner_check_failure_target_at', 'owner_check_failure', ['target', 'at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_owner_check_failure_target_at', table_name='owner_check_failure')
    op.drop_index('ix_owner_check_failure_user_id_at', table_name='owner_check_failure')
    op.drop_table('owner_check_failure')
