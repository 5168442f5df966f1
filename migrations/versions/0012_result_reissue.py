"""re-issued results: a document links the one it replaces (and the replaced one its successor); the dossier
keeps the registration number given to its approved result

The links are plain integers, not foreign keys: SQLite adds and drops such columns in place, while a foreign
key would make it rebuild the document table, which the signatures' rows reference (a rebuild fails with rows
there, as 0007 and 0010 found for the dossier table). The engine writes both links in one transaction and never
deletes a document (engine.paperwork.reissues).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 07:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('replaces_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('replaced_by_id', sa.Integer(), nullable=True))
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('registration_number', sa.String(length=30), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # native drop column: no rebuild of the referenced tables
        op.execute("alter table dossier drop column registration_number")
        op.execute("alter table document drop column replaced_by_id")
        op.execute("alter table document drop column replaces_id")
    else:
        with op.batch_alter_table('dossier', schema=None) as batch_op:
            batch_op.drop_column('registration_number')
        with op.batch_alter_table('document', schema=None) as batch_op:
            batch_op.drop_column('replaced_by_id')
            batch_op.drop_column('replaces_id')
