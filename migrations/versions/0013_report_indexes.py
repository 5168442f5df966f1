"""report indexes; the resolution time, electronic and reused components and the end kept on the dossier

Statistics (engine.reports) read one period with GROUP BY queries; these indexes let them read the period's rows
only, never the history (issue 15: a province-month at a million dossiers within a second).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 07:10:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

DOSSIER = (("ix_dossier_agency_received", ["agency_id", "received_at"]),
           ("ix_dossier_agency_resolved", ["agency_id", "resolved_at"]),
           ("ix_dossier_received_at", ["received_at"]),
           ("ix_dossier_resolved_at", ["resolved_at"]))
EVENTS = (("audit_event", "at"), ("letter", "issued_at"), ("extension", "decided_at"),
          ("supplement_request", "at"), ("satisfaction_rating", "at"))


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (SQLite too): no rebuild of a table that others reference.
    op.add_column('dossier', sa.Column('resolution_working_minutes', sa.Integer(), nullable=True))
    op.add_column('dossier', sa.Column('has_electronic_component', sa.Boolean(), server_default=sa.false(),
                                       nullable=False))
    op.add_column('dossier', sa.Column('reuses_stored_document', sa.Boolean(), server_default=sa.false(),
                                       nullable=False))
    op.add_column('dossier', sa.Column('ended_at', engine.data.db.UTCDateTime(), nullable=True))
    op.execute("update dossier set ended_at = (select max(e.at) from audit_event e where e.dossier_id = dossier.id "
               "and e.to_status in (7, 8)) where status in (7, 8)")
    for name, columns in DOSSIER:
        op.create_index(name, "dossier", columns)
    unresolved = sa.text("resolved_at IS NULL")
    op.create_index("ix_dossier_unresolved", "dossier", ["agency_id", "received_at"],
                    postgresql_where=unresolved, sqlite_where=unresolved)
    for table, column in EVENTS:
        op.create_index(f"ix_{table}_{column}", table, [column])
    reused = ("data ->> 'reused' is not null" if op.get_bind().dialect.name == "postgresql"
              else "json_extract(data, '$.reused') is not null")
    op.execute("update dossier set has_electronic_component = exists (select 1 from document d where "
               "d.dossier_id = dossier.id and d.kind = 'filing'), reuses_stored_document = exists (select 1 from "
               f"audit_event e where e.dossier_id = dossier.id and e.action = 'attach' and {reused})")


def downgrade() -> None:
    for table, column in EVENTS:
        op.drop_index(f"ix_{table}_{column}", table_name=table)
    op.drop_index("ix_dossier_unresolved", table_name="dossier")
    for name, _columns in reversed(DOSSIER):
        op.drop_index(name, table_name="dossier")
    if op.get_bind().dialect.name == "sqlite":  # native drop column: no rebuild of the referenced tables
        for column in ("resolution_working_minutes", "has_electronic_component", "reuses_stored_document", "ended_at"):
            op.execute(f"alter table dossier drop column {column}")
    else:
        with op.batch_alter_table('dossier', schema=None) as batch_op:
            for column in ("resolution_working_minutes", "has_electronic_component", "reuses_stored_document", "ended_at"):
                batch_op.drop_column(column)
