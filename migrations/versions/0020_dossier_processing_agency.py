"""a dossier's processing agency (D29): the agency an offer names to process dossiers another agency receives

Revision ID: 0020
Revises: 0026
Create Date: 2026-12-02 10:30:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0020'
down_revision = '0026'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('processing_agency_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_dossier_processing_agency_id'), ['processing_agency_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_dossier_processing_agency_id_agency'), 'agency',
                                    ['processing_agency_id'], ['id'])


def downgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dossier_processing_agency_id_agency'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_dossier_processing_agency_id'))
        batch_op.drop_column('processing_agency_id')
