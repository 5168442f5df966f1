"""the instant a dossier became overdue (dossier.overdue_at, D19): a period's pending overdue counts a dossier
recorded late by its end though its due moved since (a supplement answered under the restart rule) or it waits for
the applicant ("counts as late in every report"; engine.reports.statistics)

Existing late dossiers are given the instant of their trail's first "overdue" event, else their due instant. Two
statements, each over the late dossiers only, the trail read by its dossier index.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-05 18:30:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0038'
down_revision = '0037'
branch_labels = None
depends_on = None

dossier = sa.table('dossier', sa.column('id'), sa.column('late', sa.Boolean), sa.column('due_at'),
                   sa.column('overdue_at'))
audit_event = sa.table('audit_event', sa.column('dossier_id'), sa.column('action'), sa.column('at'))


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overdue_at', engine.data.db.UTCDateTime(timezone=True), nullable=True))
    first = (sa.select(sa.func.min(audit_event.c.at))
             .where(audit_event.c.dossier_id == dossier.c.id, audit_event.c.action == 'overdue').scalar_subquery())
    op.execute(dossier.update().where(dossier.c.late == sa.true()).values(overdue_at=first))
    op.execute(dossier.update().where(dossier.c.late == sa.true(), dossier.c.overdue_at.is_(None))
               .values(overdue_at=dossier.c.due_at))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # native drop column: no rebuild of the referenced table
        op.execute("alter table dossier drop column overdue_at")
    else:
        with op.batch_alter_table('dossier', schema=None) as batch_op:
            batch_op.drop_column('overdue_at')
