"""number registers: one register per agency, document kind and year; each numbered document holds its place

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 04:00:00
"""
import re
from datetime import datetime, timedelta, timezone

from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None

VN = timezone(timedelta(hours=7))
PRINTED = re.compile(r"^(\d+)/")


def upgrade() -> None:
    op.create_table(
        'number_register',
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('year', sa.Integer(), nullable=False),
        sa.Column('last', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_number_register_agency_id_agency')),
        sa.PrimaryKeyConstraint('agency_id', 'kind', 'year', name=op.f('pk_number_register')))
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('register_agency_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('register_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('register_seq', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_document_register_agency_id_agency'), 'agency',
                                    ['register_agency_id'], ['id'])
        batch_op.create_unique_constraint('uq_document_register_number',
                                          ['register_agency_id', 'kind', 'register_year', 'register_seq'])
    _seed_registers()


def _seed_registers() -> None:
    """Numbers printed before the registers (``n/SERIES``, counted per agency, kind and year) may repeat, so old
    documents keep no place in a register; each register starts after the largest number already printed."""
    bind = op.get_bind()
    rows = bind.execute(sa.text(
        "select d.agency_id, doc.kind, doc.created_at, doc.number from document doc "
        "join dossier d on d.id = doc.dossier_id where doc.number is not null"))
    last: dict[tuple[int, str, int], int] = {}
    for agency_id, kind, created_at, number in rows:
        match = PRINTED.match(number or "")
        if match is None:
            continue
        if isinstance(created_at, str):  # SQLite: naive UTC text
            created_at = datetime.fromisoformat(created_at)
        if created_at.tzinfo is None:
            created_at = created_at.replace(tzinfo=timezone.utc)
        key = (agency_id, kind, created_at.astimezone(VN).year)
        last[key] = max(last.get(key, 0), int(match.group(1)))
    if last:
        table = sa.table('number_register', sa.column('agency_id'), sa.column('kind'), sa.column('year'),
                         sa.column('last'))
        op.bulk_insert(table, [{"agency_id": a, "kind": k, "year": y, "last": n} for (a, k, y), n in last.items()])


def downgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.drop_constraint('uq_document_register_number', type_='unique')
        batch_op.drop_constraint(batch_op.f('fk_document_register_agency_id_agency'), type_='foreignkey')
        batch_op.drop_column('register_seq')
        batch_op.drop_column('register_year')
        batch_op.drop_column('register_agency_id')
    op.drop_table('number_register')
