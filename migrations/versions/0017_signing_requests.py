"""signing requests (D35): documents rendered after the commit and signed by their signer, the attempts (PIN
rate limit); officers' signing methods; a document's state (pending_signature / signed / replaced)

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-02 07:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0017'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=20), server_default='signed', nullable=False))
    op.create_table('signing_request',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=30), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('signer_id', sa.Integer(), nullable=True),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=30), nullable=False),
    sa.Column('method', sa.JSON(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('opinion', sa.Text(), nullable=False),
    sa.Column('state', sa.String(length=20), nullable=False),
    sa.Column('message', sa.Text(), nullable=True),
    sa.Column('number', sa.String(length=60), nullable=True),
    sa.Column('register_year', sa.Integer(), nullable=True),
    sa.Column('register_seq', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('created_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('claimed_at', engine.data.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('rendered_at', engine.data.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('signed_at', engine.data.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('reference', sa.String(length=255), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_signing_request_agency_id_agency')),
    sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_signing_request_document_id_document')),
    sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_signing_request_dossier_id_dossier')),
    sa.ForeignKeyConstraint(['signer_id'], ['user_account.id'],
                            name=op.f('fk_signing_request_signer_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_request'))
    )
    with op.batch_alter_table('signing_request', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_signing_request_dossier_id'), ['dossier_id'], unique=False)
        batch_op.create_index('ix_signing_request_state_id', ['state', 'id'], unique=False)
        batch_op.create_index('ix_signing_request_signer_state', ['signer_id', 'state'], unique=False)
    op.create_table('signing_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('succeeded', sa.Boolean(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=True),
    sa.ForeignKeyConstraint(['request_id'], ['signing_request.id'],
                            name=op.f('fk_signing_attempt_request_id_signing_request')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_signing_attempt_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_signing_attempt'))
    )
    with op.batch_alter_table('signing_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_signing_attempt_request_id_at', ['request_id', 'at'], unique=False)
    op.create_table('signing_method',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('method', sa.JSON(), nullable=False),
    sa.Column('updated_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_signing_method_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_signing_method'))
    )


def downgrade() -> None:
    op.drop_table('signing_method')
    with op.batch_alter_table('signing_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_signing_attempt_request_id_at')
    op.drop_table('signing_attempt')
    with op.batch_alter_table('signing_request', schema=None) as batch_op:
        batch_op.drop_index('ix_signing_request_signer_state')
        batch_op.drop_index('ix_signing_request_state_id')
        batch_op.drop_index(batch_op.f('ix_signing_request_dossier_id'))
    op.drop_table('signing_request')
    if op.get_bind().dialect.name == "sqlite":  # native drop column: no rebuild of the referenced document table
        op.execute("alter table document drop column state")
    else:
        with op.batch_alter_table('document', schema=None) as batch_op:
            batch_op.drop_column('state')
