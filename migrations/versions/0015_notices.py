"""notifications delivered (D28): notices per person, the outbox of email and SMS deliveries, each person's choices

The rows of the old ``notification`` table (written, never read) move into ``notice``: a row to one user stays
one notice; a row to the officers of a role in an agency becomes one notice per officer holding the role then.
The old table is dropped. Downgrade recreates it and copies the notices back, one row per notice.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 07:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'notice',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('event', sa.String(length=40), nullable=False),
        sa.Column('title', sa.String(length=255), nullable=False),
        sa.Column('body', sa.Text(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=True),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('link', sa.String(length=500), nullable=True),
        sa.Column('role', sa.String(length=30), nullable=True),
        sa.Column('created_at', engine.data.db.UTCDateTime(), nullable=False),
        sa.Column('read_at', engine.data.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'], name=op.f('fk_notice_document_id_document')),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_notice_dossier_id_dossier')),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_notice_user_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice')),
        sqlite_autoincrement=True,
    )
    op.create_index('ix_notice_user_id_id', 'notice', ['user_id', 'id'], unique=False)
    op.create_index('ix_notice_unread', 'notice', ['user_id'], unique=False,
                    postgresql_where=sa.text('read_at IS NULL'), sqlite_where=sa.text('read_at IS NULL'))
    op.create_index(op.f('ix_notice_dossier_id'), 'notice', ['dossier_id'], unique=False)
    op.create_table(
        'notice_delivery',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('notice_id', sa.Integer(), nullable=False),
        sa.Column('channel', sa.String(length=10), nullable=False),
        sa.Column('address', sa.String(length=255), nullable=False),
        sa.Column('state', sa.String(length=10), nullable=False),
        sa.Column('attempts', sa.Integer(), nullable=False),
        sa.Column('next_attempt_at', engine.data.db.UTCDateTime(), nullable=False),
        sa.Column('claim_token', sa.String(length=36), nullable=True),
        sa.Column('claimed_at', engine.data.db.UTCDateTime(), nullable=True),
        sa.Column('sent_at', engine.data.db.UTCDateTime(), nullable=True),
        sa.Column('last_error', sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(['notice_id'], ['notice.id'], name=op.f('fk_notice_delivery_notice_id_notice')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_notice_delivery')),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f('ix_notice_delivery_notice_id'), 'notice_delivery', ['notice_id'], unique=False)
    op.create_index('ix_notice_delivery_due', 'notice_delivery', ['next_attempt_at'], unique=False,
                    postgresql_where=sa.text("state IN ('pending', 'sending')"),
                    sqlite_where=sa.text("state IN ('pending', 'sending')"))
    op.create_index('ix_notice_delivery_dead', 'notice_delivery', ['id'], unique=False,
                    postgresql_where=sa.text("state = 'dead'"), sqlite_where=sa.text("state = 'dead'"))
    op.create_table(
        'notice_setting',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('language', sa.String(length=5), nullable=False),
        sa.Column('email_on', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('sms_on', sa.Boolean(), server_default=sa.true(), nullable=False),
        sa.Column('digest_on', sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'],
                                name=op.f('fk_notice_setting_user_id_user_account')),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_notice_setting')),
    )
    # Officers of an agency are looked up by agency when a notice goes to a role (not by scanning every account).
    op.create_index(op.f('ix_user_account_agency_id'), 'user_account', ['agency_id'], unique=False)
    # The old rows: to one user, one notice; to a role, one notice per officer of the agency holding the role.
    op.execute("insert into notice (user_id, event, title, body, dossier_id, created_at) "
               "select user_id, kind, substr(text, 1, 255), text, dossier_id, at from notification "
               "where user_id is not null order by id")
    op.execute("insert into notice (user_id, event, title, body, dossier_id, role, created_at) "
               "select u.id, n.kind, substr(n.text, 1, 255), n.text, n.dossier_id, n.role, n.at "
               "from notification n join user_account u on u.agency_id = n.agency_id "
               "and (',' || u.roles || ',') like ('%,' || n.role || ',%') "
               "where n.user_id is null and n.role is not null order by n.id, u.id")
    op.drop_index('ix_notification_agency_role', table_name='notification')
    op.drop_index('ix_notification_dossier_id', table_name='notification')
    op.drop_table('notification')


def downgrade() -> None:
    op.create_table(
        'notification',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('agency_id', sa.Integer(), nullable=True),
        sa.Column('role', sa.String(length=30), nullable=True),
        sa.Column('user_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=30), nullable=False),
        sa.Column('text', sa.Text(), nullable=False),
        sa.Column('at', engine.data.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name='fk_notification_agency_id_agency'),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name='fk_notification_dossier_id_dossier'),
        sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name='fk_notification_user_id_user_account'),
        sa.PrimaryKeyConstraint('id', name='pk_notification'),
    )
    op.create_index('ix_notification_dossier_id', 'notification', ['dossier_id'], unique=False)
    op.create_index('ix_notification_agency_role', 'notification', ['agency_id', 'role'], unique=False)
    op.execute("insert into notification (dossier_id, user_id, role, kind, text, at) "
               "select dossier_id, user_id, role, substr(event, 1, 30), body, created_at from notice "
               "where dossier_id is not null order by id")
    op.drop_index(op.f('ix_user_account_agency_id'), table_name='user_account')
    op.drop_table('notice_setting')
    op.drop_index('ix_notice_delivery_dead', table_name='notice_delivery')
    op.drop_index('ix_notice_delivery_due', table_name='notice_delivery')
    op.drop_index(op.f('ix_notice_delivery_notice_id'), table_name='notice_delivery')
    op.drop_table('notice_delivery')
    op.drop_index(op.f('ix_notice_dossier_id'), table_name='notice')
    op.drop_index('ix_notice_unread', table_name='notice')
    op.drop_index('ix_notice_user_id_id', table_name='notice')
    op.drop_table('notice')
