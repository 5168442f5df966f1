"""each audit checkpoint entry signed on its own: one dossier's trail is verified by reading the checkpoint's row
and that dossier's entry, not the digest of every entry (engine.data.audit_checkpoints)

Existing entries keep NULL: the checkpoint they belong to is verified by its whole digest, as before, until the
next checkpoint is written with every entry signed.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-05 11:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0036'
down_revision = '0035'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_checkpoint_entry', schema=None) as batch_op:
        batch_op.add_column(sa.Column('mac', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('audit_checkpoint_entry', schema=None) as batch_op:
        batch_op.drop_column('mac')
