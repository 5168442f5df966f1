"""audit head: the hash of each dossier's last audit event, kept on the dossier row; work item ids never reused

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-23 07:20:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_head', sa.String(length=64), nullable=True))
    # existing chains: the hash of each dossier's newest event
    op.execute("update dossier set audit_head = (select e.hash from audit_event e where e.dossier_id = dossier.id "
               "order by e.id desc limit 1)")
    # SQLite: AUTOINCREMENT, so that the id of a finished work item is never given to a new one
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table('work_item', recreate='always',
                                  table_kwargs={'sqlite_autoincrement': True}) as batch_op:
            pass
        # the rebuilt table would start after its largest remaining id; ids of finished tasks above it are
        # named in the audit trail (and were answered as "completed"): start after those too
        op.execute("delete from sqlite_sequence where name = 'work_item'")
        op.execute("insert into sqlite_sequence (name, seq) values ('work_item', max("
                   "coalesce((select max(id) from work_item), 0), "
                   "coalesce((select max(work_item_id) from audit_event), 0)))")


def downgrade() -> None:
    # work_item keeps AUTOINCREMENT on SQLite: never reusing ids is right for every revision
    if op.get_bind().dialect.name == "sqlite":  # native (SQLite >= 3.35): no rebuild of the referenced table
        op.execute("alter table dossier drop column audit_head")
    else:
        with op.batch_alter_table('dossier', schema=None) as batch_op:
            batch_op.drop_column('audit_head')
