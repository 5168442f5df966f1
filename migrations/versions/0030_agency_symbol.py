"""the agency's abbreviation in the symbols of the documents it issues (Nghị định 30/2020/NĐ-CP: "12/GCN-STC")

Existing rows keep NULL: their results keep the symbol their procedure declares ("GCN-UBND").

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05 08:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0030'
down_revision = '0029'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('symbol', sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_column('symbol')
