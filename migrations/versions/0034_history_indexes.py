"""indexes that keep the lists, the duplicate check, the calendar walks and the signers' inbox off the history

The processing agency's, the applicant's and the owner's dossiers newest filing first (as the receiving agency's
ix_dossier_agency_filed); the dossiers whose deadlines still run, by id (engine.data.page_indexes.DEADLINES_RUN);
a signer's open signing requests by id (engine.data.signing_model.OPEN_REQUEST).

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-05 11:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0034'
down_revision = '0033'
branch_labels = None
depends_on = None

# engine.data.page_indexes.DEADLINES_RUN and engine.data.signing_model.OPEN_REQUEST, as they were at this revision
DEADLINES_RUN = "status IN (1, 2, 4, 5, 6)"
OPEN_REQUEST = "state IN ('pending', 'rendering', 'awaiting_signer')"


def upgrade() -> None:
    op.create_index('ix_dossier_processing_filed', 'dossier', ['processing_agency_id', 'filed_at', 'id'], unique=False)
    op.create_index('ix_dossier_applicant_filed', 'dossier', ['applicant_id', 'filed_at', 'id'], unique=False)
    op.create_index('ix_dossier_owner_filed', 'dossier', ['owner_cccd', 'filed_at', 'id'], unique=False)
    op.create_index('ix_dossier_deadlines_run', 'dossier', ['id'], unique=False,
                    postgresql_where=sa.text(DEADLINES_RUN), sqlite_where=sa.text(DEADLINES_RUN))
    op.create_index('ix_signing_request_signer_open', 'signing_request', ['signer_id', 'id'], unique=False,
                    postgresql_where=sa.text(OPEN_REQUEST), sqlite_where=sa.text(OPEN_REQUEST))


def downgrade() -> None:
    op.drop_index('ix_signing_request_signer_open', table_name='signing_request')
    op.drop_index('ix_dossier_deadlines_run', table_name='dossier')
    op.drop_index('ix_dossier_owner_filed', table_name='dossier')
    op.drop_index('ix_dossier_applicant_filed', table_name='dossier')
    op.drop_index('ix_dossier_processing_filed', table_name='dossier')
