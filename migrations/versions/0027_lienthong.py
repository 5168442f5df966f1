"""liên thông (D33): a sub-dossier names its parent; the hand-over between two agencies' procedures

Revision ID: 0027
Revises: 0020
Create Date: 2026-12-02 15:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0027'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_dossier_parent_id'), ['parent_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_dossier_parent_id_dossier'), 'dossier', ['parent_id'], ['id'])
    op.create_table(
        'handover',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('parent_id', sa.Integer(), nullable=False),
        sa.Column('child_id', sa.Integer(), nullable=False),
        sa.Column('task_id', sa.String(length=36), nullable=False),
        sa.Column('task_name', sa.String(length=255), nullable=False),
        sa.Column('procedure_code', sa.String(length=20), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('share', sa.Float(), nullable=False),
        sa.Column('share_unit', sa.String(length=20), nullable=False),
        sa.Column('handed_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('due_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('returned_at', engine.data.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column('late', sa.Boolean(), nullable=True),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_handover_agency_id_agency')),
        sa.ForeignKeyConstraint(['child_id'], ['dossier.id'], name=op.f('fk_handover_child_id_dossier')),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_handover_document_id_document')),
        sa.ForeignKeyConstraint(['parent_id'], ['dossier.id'], name=op.f('fk_handover_parent_id_dossier')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_handover')),
        sa.UniqueConstraint('child_id', name=op.f('uq_handover_child_id')),
    )
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_handover_parent_id'), ['parent_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('handover', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handover_parent_id'))
    op.drop_table('handover')
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_dossier_parent_id_dossier'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_dossier_parent_id'))
        batch_op.drop_column('parent_id')
