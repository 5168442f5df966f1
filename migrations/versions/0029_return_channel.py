"""the return channel the citizen chose (D23) and its postal address

Existing rows keep NULL: their result returns by the channel they were filed by (Dossier.return_via).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-04 16:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0029'
down_revision = '0028'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('return_channel', sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column('return_address', sa.String(length=500), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('return_address')
        batch_op.drop_column('return_channel')
