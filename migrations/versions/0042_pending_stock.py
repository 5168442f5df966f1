"""the pending dossiers at the end of each Vietnam day, kept (engine.reports.stocks): a report over a past period
reads its end's stock, a few rows per agency, instead of every dossier received before that end and still open
or resolved since

Empty at first: the worker takes each day's end from then on; periods ending earlier are counted from the
dossiers as before.

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-06 16:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'stock_taken',
        sa.Column('at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('taken_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('at', name=op.f('pk_stock_taken')))
    op.create_table(
        'pending_stock',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('procedure_version_id', sa.Integer(), nullable=False),
        sa.Column('counter', sa.String(length=24), nullable=False),
        sa.Column('number', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_pending_stock_agency_id_agency')),
        sa.ForeignKeyConstraint(['at'], ['stock_taken.at'], name=op.f('fk_pending_stock_at_stock_taken')),
        sa.ForeignKeyConstraint(['procedure_version_id'], ['procedure_version.id'],
                                name=op.f('fk_pending_stock_procedure_version_id_procedure_version')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_pending_stock')))
    op.create_index('ix_pending_stock_at', 'pending_stock', ['at', 'agency_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_pending_stock_at', table_name='pending_stock')
    op.drop_table('pending_stock')
    op.drop_table('stock_taken')
