"""who attached each filing file (document.uploaded_by_id): a citizen who filed for another person keeps in their
store only the files they attached themselves, not the owner's (D4, D24; engine.cases.attachments)

An id, not a foreign key, as 0012's links: SQLite adds and drops it in place, without rebuilding the document
table that the signatures' rows reference. Existing filing files are given the account the dossier's trail names
for their attachment (the "attach" event recording the document's id, with its actor); the others keep NULL (the
store then offers them to the dossier's owner only).

Revision ID: 0037
Revises: 0036
Create Date: 2026-12-05 14:45:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0037'
down_revision = '0036'
branch_labels = None
depends_on = None

_EVENTS = sa.table('audit_event', sa.column('id', sa.Integer()), sa.column('actor_id', sa.Integer()),
                   sa.column('action', sa.String()), sa.column('data', sa.JSON()))


def upgrade() -> None:
    with op.batch_alter_table('document', schema=None) as batch_op:
        batch_op.add_column(sa.Column('uploaded_by_id', sa.Integer(), nullable=True))
    bind = op.get_bind()
    update = sa.text("UPDATE document SET uploaded_by_id = :actor WHERE id = :doc AND kind = 'filing'")
    # read in pages of 1,000 events (a province's trail holds millions), each page's updates sent at once
    events = sa.select(_EVENTS.c.id, _EVENTS.c.actor_id, _EVENTS.c.data).where(
        _EVENTS.c.action == 'attach', _EVENTS.c.actor_id.is_not(None)).order_by(_EVENTS.c.id).limit(1000)
    after = 0
    while True:
        rows = bind.execute(events.where(_EVENTS.c.id > after)).all()
        if not rows:
            break
        after = rows[-1].id
        found = [{"actor": row.actor_id, "doc": row.data["document"]} for row in rows
                 if isinstance(row.data, dict) and isinstance(row.data.get("document"), int)]
        if found:
            bind.execute(update, found)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":  # native drop column: no rebuild of the referenced table
        op.execute("alter table document drop column uploaded_by_id")
    else:
        with op.batch_alter_table('document', schema=None) as batch_op:
            batch_op.drop_column('uploaded_by_id')
