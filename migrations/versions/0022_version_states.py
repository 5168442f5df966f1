"""procedure versions: a state (active, suspended, retired) and an index of the open dossiers per version

Revision ID: 0022
Revises: 0018
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0022'
down_revision = '0018'
branch_labels = None
depends_on = None

OPEN_DOSSIER = "status NOT IN (3, 7, 8, 10)"  # engine.data.model.OPEN_DOSSIER, as it was at this revision


def upgrade() -> None:
    with op.batch_alter_table('procedure_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=12), server_default='active', nullable=False))
    op.create_index('ix_dossier_version_open', 'dossier', ['procedure_version_id'], unique=False,
                    postgresql_where=sa.text(OPEN_DOSSIER), sqlite_where=sa.text(OPEN_DOSSIER))


def downgrade() -> None:
    op.drop_index('ix_dossier_version_open', table_name='dossier')
    with op.batch_alter_table('procedure_version', schema=None) as batch_op:
        batch_op.drop_column('state')
