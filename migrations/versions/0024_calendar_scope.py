"""calendar overrides per province or per agency (D29): an id, the agency (NULL: the whole province), one row a
day per scope; the rows that exist stay province-wide

Revision ID: 0024
Revises: 0022
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0024'
down_revision = '0022'
branch_labels = None
depends_on = None

PROVINCE = sa.text("agency_id IS NULL")
COLUMNS = "day, kind, name, created_by, created_at"


def _rows() -> list:
    """The table is a few days a year: copied through Python, so that the new table is made by one definition
    on both databases (a primary key cannot be changed in place on SQLite)."""
    return list(op.get_bind().execute(sa.text(f"SELECT {COLUMNS} FROM calendar_override")).mappings())


def _insert(rows: list) -> None:
    for row in rows:
        op.get_bind().execute(sa.text(f"INSERT INTO calendar_override ({COLUMNS}) VALUES "
                                      "(:day, :kind, :name, :created_by, :created_at)"), dict(row))


def upgrade() -> None:
    rows = _rows()
    op.drop_table('calendar_override')
    op.create_table('calendar_override',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_calendar_override_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_override'))
    )
    op.create_index('uq_calendar_override_agency_day', 'calendar_override', ['agency_id', 'day'], unique=True)
    op.create_index('uq_calendar_override_province_day', 'calendar_override', ['day'], unique=True,
                    sqlite_where=PROVINCE, postgresql_where=PROVINCE)
    _insert(rows)


def downgrade() -> None:
    # an agency's own days have no place in the old table: only the province's are kept
    rows = list(op.get_bind().execute(sa.text(f"SELECT {COLUMNS} FROM calendar_override WHERE agency_id IS NULL"))
                .mappings())
    op.drop_table('calendar_override')
    op.create_table('calendar_override',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.Column('created_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_calendar_override'))
    )
    _insert(rows)
