"""registrations from one address are counted, as public lookups are: a kind on each attempt

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-07 19:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0049'
down_revision = '0048'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('lookup_attempt') as batch:
        batch.add_column(sa.Column('kind', sa.String(length=12), server_default='lookup', nullable=False))


def downgrade() -> None:
    with op.batch_alter_table('lookup_attempt') as batch:
        batch.drop_column('kind')
