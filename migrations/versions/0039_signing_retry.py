"""a document that keeps failing to be made waits longer before each try (signing_request.retry_at) and, after a
few failures, opens an incident (signing_request.incident_id): its failures are shown to the administrators once,
on one open incident per request, and retried by hand from there (engine.cases.issuing, engine.cases.incidents)

An id, not a foreign key, as 0012's links: SQLite adds and drops it in place, without rebuilding the table. No
request has either yet: existing requests open theirs at their next failures.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-06 12:30:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0039'
down_revision = '0038'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('signing_request', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incident_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('retry_at', engine.data.db.UTCDateTime(timezone=True), nullable=True))
    op.create_index('ix_signing_request_incident_id', 'signing_request', ['incident_id'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_signing_request_incident_id', table_name='signing_request')
    if op.get_bind().dialect.name == "sqlite":  # native drop column: no rebuild of the table
        op.execute("alter table signing_request drop column incident_id")
        op.execute("alter table signing_request drop column retry_at")
    else:
        with op.batch_alter_table('signing_request', schema=None) as batch_op:
            batch_op.drop_column('incident_id')
            batch_op.drop_column('retry_at')
