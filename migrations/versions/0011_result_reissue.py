"""re-issued results: a document links the one it replaces (and the replaced one its successor); the dossier
keeps the registration number given to its approved result

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_document_replaces_id_document'), 'document',
                                    ['replaces_id'], ['id'])
        batch_op.create_foreign_key(batch_op.f('fk_document_replaced_by_id_document'), 'document',
                                    ['replaced_by_id'], ['id'])
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_number', sa.String(length=30), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('registration_number')
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_document_replaced_by_id_document'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_document_replaces_id_document'), type_='foreignkey')
        batch_op.drop_column('replaced_by_id')
        batch_op.drop_column('replaces_id')
