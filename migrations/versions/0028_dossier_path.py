"""the path a dossier took (the BPMN ids it passed), stored with its workflow state for the diagram

Existing rows keep NULL: the dossier page then reads the path from the workflow once and stores it
(engine.cases.paths), and the next command writes it anyway. Filling it here would deserialise every
workflow of the database inside the migration.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-02 18:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0028'
down_revision = '0027'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('path_nodes', sa.JSON(none_as_null=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.drop_column('path_nodes')
