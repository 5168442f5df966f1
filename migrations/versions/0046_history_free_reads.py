"""reads that no longer walk the history: the sub-dossiers' index is partial (parent_id IS NOT NULL), so that the
reports' "no parent" is not read off it; an agency's (and a processing agency's) dossiers of one status, newest
filing first; the leaders' watch of the dossiers an agency processes for another (D29)

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-07 15:05:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0046'
down_revision = '0045'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index('ix_dossier_parent_id', table_name='dossier')
    op.create_index('ix_dossier_parent_id', 'dossier', ['parent_id'], unique=False,
                    postgresql_where=sa.text('parent_id IS NOT NULL'), sqlite_where=sa.text('parent_id IS NOT NULL'))
    op.create_index('ix_dossier_agency_status_filed', 'dossier', ['agency_id', 'status', 'filed_at', 'id'],
                    unique=False)
    op.create_index('ix_dossier_processing_status_filed', 'dossier',
                    ['processing_agency_id', 'status', 'filed_at', 'id'], unique=False)
    op.create_index('ix_dossier_watch_processing', 'dossier', ['processing_agency_id', 'status', 'due_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_dossier_watch_processing', table_name='dossier')
    op.drop_index('ix_dossier_processing_status_filed', table_name='dossier')
    op.drop_index('ix_dossier_agency_status_filed', table_name='dossier')
    op.drop_index('ix_dossier_parent_id', table_name='dossier')
    op.create_index('ix_dossier_parent_id', 'dossier', ['parent_id'], unique=False)
