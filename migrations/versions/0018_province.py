"""a province (D29): the agency tree (level, parent, path, address, office hours, seal, active), procedures
offered by many agencies, the administrators' audit trail, one-time codes

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa
import engine.data.db


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.add_column(sa.Column('level', sa.String(length=12), server_default='commune', nullable=False))
        batch_op.add_column(sa.Column('parent_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('path', sa.String(length=400), server_default='/', nullable=False))
        batch_op.add_column(sa.Column('address', sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column('office_hours', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('seal_name', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False))
        batch_op.create_index(batch_op.f('ix_agency_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_agency_path'), ['path'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_agency_parent_id_agency'), 'agency', ['parent_id'], ['id'])
    # every existing agency becomes a root of its own until an administrator places it
    op.execute("UPDATE agency SET path = '/' || CAST(id AS VARCHAR(20)) || '/'")
    op.create_table('procedure_offer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('procedure_id', sa.Integer(), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=False),
    sa.Column('processing_agency_id', sa.Integer(), nullable=True),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), server_default=sa.true(), nullable=False),
    sa.Column('created_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_procedure_offer_agency_id_agency')),
    sa.ForeignKeyConstraint(['procedure_id'], ['procedure.id'], name=op.f('fk_procedure_offer_procedure_id_procedure')),
    sa.ForeignKeyConstraint(['processing_agency_id'], ['agency.id'], name=op.f('fk_procedure_offer_processing_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_procedure_offer')),
    sa.UniqueConstraint('procedure_id', 'agency_id', name=op.f('uq_procedure_offer_procedure_id'))
    )
    op.create_index('ix_procedure_offer_agency', 'procedure_offer', ['agency_id', 'procedure_id'], unique=False)
    # a procedure deployed before offers existed is offered by the agency that published it
    op.execute("INSERT INTO procedure_offer (procedure_id, agency_id, settings, active, created_at) "
               "SELECT id, agency_id, '{}', " + ("true" if op.get_bind().dialect.name == "postgresql" else "1")
               + ", CURRENT_TIMESTAMP FROM procedure")
    op.create_table('admin_event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=64), nullable=True),
    sa.Column('action', sa.String(length=40), nullable=False),
    sa.Column('target_kind', sa.String(length=20), nullable=False),
    sa.Column('target', sa.String(length=100), nullable=False),
    sa.Column('agency_id', sa.Integer(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_admin_event_agency_id_agency')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_admin_event'))
    )
    op.create_index('ix_admin_event_agency_at', 'admin_event', ['agency_id', 'at'], unique=False)
    op.create_index('ix_admin_event_target', 'admin_event', ['target_kind', 'target'], unique=False)
    op.create_table('one_time_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('purpose', sa.String(length=20), nullable=False),
    sa.Column('code_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', engine.data.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', engine.data.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), server_default='0', nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_one_time_code_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_one_time_code'))
    )
    op.create_index('ix_one_time_code_user_purpose', 'one_time_code', ['user_id', 'purpose', 'created_at'],
                    unique=False)


def downgrade() -> None:
    op.drop_index('ix_one_time_code_user_purpose', table_name='one_time_code')
    op.drop_table('one_time_code')
    op.drop_index('ix_admin_event_target', table_name='admin_event')
    op.drop_index('ix_admin_event_agency_at', table_name='admin_event')
    op.drop_table('admin_event')
    op.drop_index('ix_procedure_offer_agency', table_name='procedure_offer')
    op.drop_table('procedure_offer')
    with op.batch_alter_table('agency', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_agency_parent_id_agency'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_agency_path'))
        batch_op.drop_index(batch_op.f('ix_agency_parent_id'))
        batch_op.drop_column('active')
        batch_op.drop_column('seal_name')
        batch_op.drop_column('office_hours')
        batch_op.drop_column('address')
        batch_op.drop_column('path')
        batch_op.drop_column('parent_id')
        batch_op.drop_column('level')
