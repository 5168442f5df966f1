"""step times kept on the hand-over that completes a step; the dossier's last hand-over instant

Where time goes (engine.reports.steptimes) is one GROUP BY over a period's events with these values, never a walk
through the trail (issue 15: a province-month at a million dossiers within a second). Events written before this
revision keep NULL and are recomputed from the trail; the dossier's last hand-over is filled from its trail once,
so the next step completed after the upgrade is kept too.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-02 08:30:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None
# engine.data.audit.HANDOVER_ACTIONS at this revision (a migration never follows later changes of the code).
HANDOVER_ACTIONS = ("file", "receive", "refuse", "request_supplement", "supplement", "propose_approval",
                    "propose_refusal", "request_extension", "confirm_extension", "reject_extension", "approve",
                    "send_back", "issue_result", "return_result", "withdraw", "stop")


def upgrade() -> None:
    # Plain ALTER TABLE ADD COLUMN (SQLite too): no rebuild of a table that others reference.
    op.add_column('audit_event', sa.Column('working_minutes', sa.Float(), nullable=True))
    op.add_column('audit_event', sa.Column('late', sa.Boolean(), nullable=True))
    op.add_column('dossier', sa.Column('handed_over_at', engine.data.db.UTCDateTime(), nullable=True))
    actions = ", ".join(f"'{a}'" for a in sorted(HANDOVER_ACTIONS))
    op.execute("update dossier set handed_over_at = (select e.at from audit_event e where e.dossier_id = dossier.id "
               f"and e.action in ({actions}) order by e.id desc limit 1)")
    unkept = sa.text("work_item_id IS NOT NULL AND working_minutes IS NULL")
    op.create_index("ix_audit_event_unkept", "audit_event", ["at"], postgresql_where=unkept, sqlite_where=unkept)


def downgrade() -> None:
    op.drop_index("ix_audit_event_unkept", table_name="audit_event")
    drops = (("audit_event", "working_minutes"), ("audit_event", "late"), ("dossier", "handed_over_at"))
    if op.get_bind().dialect.name == "sqlite":  # native drop column: no rebuild of the referenced tables
        for table, column in drops:
            op.execute(f"alter table {table} drop column {column}")
    else:
        for table, column in drops:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.drop_column(column)
