"""report indexes and the resolution time kept at resolution: a period's receipts, results, open dossiers and events, per agency or for the province

Statistics (engine.reports) read one period with GROUP BY queries; these indexes let them read the period's rows
only, never the history (issue 15: a province-month at a million dossiers within a second).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:10:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

DOSSIER = (("ix_dossier_agency_received", ["agency_id", "received_at"]),
           ("ix_dossier_agency_resolved", ["agency_id", "resolved_at"]),
           ("ix_dossier_received_at", ["received_at"]),
           ("ix_dossier_resolved_at", ["resolved_at"]))
EVENTS = (("audit_event", "at"), ("letter", "issued_at"), ("extension", "decided_at"),
          ("supplement_request", "at"), ("satisfaction_rating", "at"))


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('resolution_working_minutes', sa.Integer(), nullable=True))
    for name, columns in DOSSIER:
        op.create_index(name, "dossier", columns)
    unresolved = sa.text("resolved_at IS NULL")
    op.create_index("ix_dossier_unresolved", "dossier", ["agency_id", "received_at"],
                    postgresql_where=unresolved, sqlite_where=unresolved)
    for table, column in EVENTS:
        op.create_index(f"ix_{table}_{column}", table, [column])
    attach = sa.text("action = 'attach'")  # the reused components of a period's dossiers (D24, QĐ 766 3c)
    op.create_index("ix_audit_event_attach", "audit_event", ["dossier_id"], postgresql_where=attach,
                    sqlite_where=attach)


def downgrade() -> None:
    op.drop_index("ix_audit_event_attach", table_name="audit_event")
    for table, column in EVENTS:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    op.drop_index("ix_dossier_unresolved", table_name="dossier")
    for name, _columns in reversed(DOSSIER):
        op.drop_index(name, table_name="dossier")
    if op.get_bind().dialect.name == "sqlite":  # native drop column: no rebuild of the referenced tables
        op.execute("alter table dossier drop column resolution_working_minutes")
    else:
        with op.batch_alter_table('dossier', schema=None) as batch_op:
            batch_op.drop_column('resolution_working_minutes')
