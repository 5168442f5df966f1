"""an index on the documents' SHA-256 and kind: the citizen's store tells a copy of a result from a file (D24)

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-05 09:10:00
"""
from alembic import op


revision = '0032'
down_revision = '0031'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.create_index('ix_document_sha256_kind', ['sha256', 'kind'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_index('ix_document_sha256_kind')
