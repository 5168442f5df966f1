"""documents issued after the commit: what a signing request's document prints (official forms, letters,
re-issued and sealed results are rendered by the worker from it); until when a signature's verdict holds

Revision ID: 0026
Revises: 0023
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0026'
down_revision = '0023'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ADD COLUMN (SQLite too): no rebuild of a table others reference.
    op.add_column('signing_request', sa.Column('payload', sa.JSON(), nullable=True))
    op.add_column('document_signature', sa.Column('valid_until', engine.data.db.UTCDateTime(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # native drop column: no rebuild
        op.execute("alter table document_signature drop column valid_until")
        op.execute("alter table signing_request drop column payload")
    else:
        op.drop_column('document_signature', 'valid_until')
        op.drop_column('signing_request', 'payload')
