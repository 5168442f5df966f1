"""operations: an incident's state (open, retried, skipped, resolved), attempts, who dealt with it and when;
a dossier's suspension by an administrator

Revision ID: 0023
Revises: 0025
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0023'
down_revision = '0025'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.add_column(sa.Column('state', sa.String(length=10), server_default='open', nullable=False))
        batch_op.add_column(sa.Column('attempts', sa.Integer(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('last_at', engine.data.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('handled_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('handled_at', engine.data.db.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('note', sa.Text(), nullable=True))
        batch_op.create_index('ix_incident_state_id', ['state', 'id'], unique=False)
    # Before 0023 the sweep wrote a new incident at every failed retry: only the newest of a dossier stays open.
    op.execute("UPDATE incident SET last_at = at")
    op.execute("UPDATE incident SET state = 'resolved', note = 'superseded by a later incident (migration 0023)' "
               "WHERE id < (SELECT MAX(i2.id) FROM incident i2 WHERE i2.dossier_id = incident.dossier_id)")
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('suspended_at', engine.data.db.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('suspended_at')
    with op.batch_alter_table('incident', schema=None) as batch_op:
        batch_op.drop_index('ix_incident_state_id')
        batch_op.drop_column('note')
        batch_op.drop_column('handled_at')
        batch_op.drop_column('handled_by')
        batch_op.drop_column('last_at')
        batch_op.drop_column('attempts')
        batch_op.drop_column('state')
