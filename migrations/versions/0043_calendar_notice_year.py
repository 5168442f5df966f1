"""the years the province's official notice of days off was entered for (D15): their deadlines are no longer
marked provisional once the notice is in, whether it came in the calendar file or through the administrator

Empty at first: a year entered before keeps its mark until its notice is entered again (the same notice changes
no day and is recorded).

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-06 16:20:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0043'
down_revision = '0042'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'calendar_notice_year',
        sa.Column('year', sa.Integer(), autoincrement=False, nullable=False),
        sa.Column('applied_by', sa.String(length=64), nullable=True),
        sa.Column('applied_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('year', name=op.f('pk_calendar_notice_year')))


def downgrade() -> None:
    op.drop_table('calendar_notice_year')
