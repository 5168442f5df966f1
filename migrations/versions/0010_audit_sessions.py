"""audit chain formula 2 and signed checkpoints of chain heads; server-side web sessions; login failures by address

Events already written keep their hash and formula (hash_version NULL = formula 1): they are verified as
written, never re-hashed (re-hashing would bless whatever they hold today). Each dossier gets the count of its
chain's events (counted once here), which checkpoints copy with the head.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 04:20:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('audit_event', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hash_version', sa.Integer(), nullable=True))
    with op.batch_alter_table('dossier', schema=None) as batch_op:
        batch_op.add_column(sa.Column('audit_count', sa.Integer(), server_default='0', nullable=False))
    op.execute("update dossier set audit_count = (select count(*) from audit_event e "
               "where e.dossier_id = dossier.id)")
    op.create_table('audit_checkpoint',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('dossiers', sa.Integer(), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.Column('digest', sa.String(length=64), nullable=False),
    sa.Column('prev_mac', sa.String(length=64), nullable=False),
    sa.Column('mac', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_checkpoint'))
    )
    op.create_table('audit_checkpoint_entry',
    sa.Column('checkpoint_id', sa.Integer(), nullable=False),
    sa.Column('dossier_id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('head', sa.String(length=64), nullable=False),
    sa.Column('events', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['checkpoint_id'], ['audit_checkpoint.id'],
                            name=op.f('fk_audit_checkpoint_entry_checkpoint_id_audit_checkpoint')),
    sa.PrimaryKeyConstraint('checkpoint_id', 'dossier_id', name=op.f('pk_audit_checkpoint_entry'))
    )
    op.create_table('web_session',
    sa.Column('id', sa.String(length=64), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_web_session_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_web_session'))
    )
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_web_session_expires_at'), ['expires_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_web_session_user_id'), ['user_id'], unique=False)
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.create_index('ix_login_attempt_remote_addr_at', ['remote_addr', 'at'], unique=False)


def downgrade() -> None:
    # events written with formula 2 lose their hash_version here: the code of revision 0009 verifies every
    # event with formula 1, so chains written since this revision no longer verify there (their hashes stay)
    with op.batch_alter_table('login_attempt', schema=None) as batch_op:
        batch_op.drop_index('ix_login_attempt_remote_addr_at')
    with op.batch_alter_table('web_session', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_web_session_user_id'))
        batch_op.drop_index(batch_op.f('ix_web_session_expires_at'))
    op.drop_table('web_session')
    op.drop_table('audit_checkpoint_entry')
    op.drop_table('audit_checkpoint')
    if op.get_bind().dialect.name == "sqlite":  # native drop column: no rebuild of the referenced tables
        op.execute("alter table dossier drop column audit_count")
        op.execute("alter table audit_event drop column hash_version")
    else:
        with op.batch_alter_table('dossier', schema=None) as batch_op:
            batch_op.drop_column('audit_count')
        with op.batch_alter_table('audit_event', schema=None) as batch_op:
            batch_op.drop_column('hash_version')
