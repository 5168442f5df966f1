"""the intake deadline whose overdue was alerted (D7): each intake check's hour is watched, the check again after
a supplement too; and a desk dossier has no intake hour (D5, D7)

Existing rows: a dossier recorded late at intake had its current deadline alerted (no second alert of it); a desk
dossier waiting for its check loses the hour it was wrongly given (and its intake task that due); a desk dossier already recorded late at intake
keeps its record (the reports already made from it do not change under their readers).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-05 09:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0031'
down_revision = '0030'
branch_labels = None
depends_on = None

dossier = sa.table('dossier', sa.column('id'), sa.column('intake_due_at'), sa.column('intake_alerted_due_at'),
                   sa.column('intake_late', sa.Boolean), sa.column('channel'), sa.column('status'))
work_item = sa.table('work_item', sa.column('dossier_id'), sa.column('step'), sa.column('due_at'))


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('intake_alerted_due_at', engine.data.db.UTCDateTime(timezone=True),
                                      nullable=True))
    op.execute(dossier.update().where(dossier.c.intake_late == sa.true())
               .values(intake_alerted_due_at=dossier.c.intake_due_at))
    waiting_at_desk = sa.select(dossier.c.id).where(dossier.c.channel == 'desk', dossier.c.status == 1)
    op.execute(work_item.update().where(work_item.c.step == 'intake', work_item.c.dossier_id.in_(waiting_at_desk))
               .values(due_at=None))  # the intake task's due is the dossier's intake hour: the inbox reads it
    op.execute(dossier.update().where(dossier.c.channel == 'desk', dossier.c.status == 1)
               .values(intake_due_at=None))


def downgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('intake_alerted_due_at')
