"""a return work item has no limit of its own (engine.cases.dossiers.UNTIMED_STEPS: a result resolved in time and
collected later is not late, D19, D30): the return items still open drop the result's due they borrowed, so the
inbox no longer shows a result waiting for pickup as overdue

Data only, and only where the item's due is the dossier's result due (a return task that declared its own limit
keeps it). Downgrade gives them the dossier's due back, as the former code set it.

Revision ID: 0041
Revises: 0040
Create Date: 2026-12-06 14:00:00
"""
from alembic import op


revision = '0041'
down_revision = '0040'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("update work_item set due_at = null where step = 'return' and due_at is not null and due_at = "
               "(select dossier.due_at from dossier where dossier.id = work_item.dossier_id)")


def downgrade() -> None:
    op.execute("update work_item set due_at = (select dossier.due_at from dossier where dossier.id = "
               "work_item.dossier_id) where step = 'return' and due_at is null")
