"""the files a citizen chose on a refused filing, held for the page sent again (nothing typed or chosen is lost)

Revision ID: 0052
Revises: 0051
Create Date: 2026-12-07 22:30:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0052'
down_revision = '0051'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'held_upload',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('component', sa.String(length=100), nullable=False),
        sa.Column('name', sa.String(length=255), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('created_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], ),
        sa.PrimaryKeyConstraint('id'),
    )
    op.create_index('ix_held_upload_user_at', 'held_upload', ['user_id', 'created_at'], unique=False)
    op.create_index('ix_held_upload_at', 'held_upload', ['created_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_held_upload_at', table_name='held_upload')
    op.drop_index('ix_held_upload_user_at', table_name='held_upload')
    op.drop_table('held_upload')
