"""payments: fees owed and paid (D26), the gateways' notifications, refunds, each agency's gateway

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 07:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'payment_gateway',
        sa.Column('agency_id', sa.Integer(), nullable=False),
        sa.Column('gateway', sa.String(length=20), nullable=True),
        sa.Column('merchant', sa.String(length=60), nullable=False),
        sa.Column('pay_url', sa.String(length=500), nullable=False),
        sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['agency_id'], ['agency.id'], name=op.f('fk_payment_gateway_agency_id_agency')),
        sa.PrimaryKeyConstraint('agency_id', name=op.f('pk_payment_gateway')),
    )
    op.create_table(
        'payment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('dossier_id', sa.Integer(), nullable=False),
        sa.Column('moment', sa.String(length=20), nullable=False),
        sa.Column('fee_keys', sa.JSON(), nullable=False),
        sa.Column('fee', sa.String(length=500), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=12), nullable=False),
        sa.Column('method', sa.String(length=10), nullable=True),
        sa.Column('gateway', sa.String(length=20), nullable=True),
        sa.Column('order_ref', sa.String(length=64), nullable=True),
        sa.Column('transaction_no', sa.String(length=64), nullable=True),
        sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('paid_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('recorded_by', sa.Integer(), nullable=True),
        sa.Column('exempt_reason', sa.Text(), nullable=True),
        sa.Column('receipt_document_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['dossier_id'], ['dossier.id'], name=op.f('fk_payment_dossier_id_dossier')),
        sa.ForeignKeyConstraint(['recorded_by'], ['user_account.id'],
                                name=op.f('fk_payment_recorded_by_user_account')),
        sa.ForeignKeyConstraint(['receipt_document_id'], ['document.id'],
                                name=op.f('fk_payment_receipt_document_id_document')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
        sa.UniqueConstraint('order_ref', name=op.f('uq_payment_order_ref')),
    )
    op.create_index(op.f('ix_payment_dossier_id'), 'payment', ['dossier_id'], unique=False)
    op.create_index('ix_payment_paid_at', 'payment', ['paid_at'], unique=False)
    op.create_table(
        'payment_order',
        sa.Column('ref', sa.String(length=64), nullable=False),
        sa.Column('payment_id', sa.Integer(), nullable=False),
        sa.Column('gateway', sa.String(length=20), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_payment_order_payment_id_payment')),
        sa.PrimaryKeyConstraint('ref', name=op.f('pk_payment_order')),
    )
    op.create_index(op.f('ix_payment_order_payment_id'), 'payment_order', ['payment_id'], unique=False)
    op.create_table(
        'payment_event',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('gateway', sa.String(length=20), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('order_ref', sa.String(length=64), nullable=True),
        sa.Column('payment_id', sa.Integer(), nullable=True),
        sa.Column('params', sa.JSON(), nullable=False),
        sa.Column('verdict', sa.String(length=10), nullable=False),
        sa.Column('message', sa.String(length=255), nullable=False),
        sa.Column('remote_addr', sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_payment_event_payment_id_payment')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_event')),
    )
    op.create_index('ix_payment_event_order_ref', 'payment_event', ['order_ref'], unique=False)
    op.create_table(
        'payment_refund',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payment_id', sa.Integer(), nullable=False),
        sa.Column('amount', sa.Integer(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['payment_id'], ['payment.id'], name=op.f('fk_payment_refund_payment_id_payment')),
        sa.ForeignKeyConstraint(['actor_id'], ['user_account.id'],
                                name=op.f('fk_payment_refund_actor_id_user_account')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_refund')),
        sa.UniqueConstraint('payment_id', name=op.f('uq_payment_refund_payment_id')),
    )


def downgrade() -> None:
    op.drop_table('payment_refund')
    op.drop_index('ix_payment_event_order_ref', table_name='payment_event')
    op.drop_table('payment_event')
    op.drop_index(op.f('ix_payment_order_payment_id'), table_name='payment_order')
    op.drop_table('payment_order')
    op.drop_index('ix_payment_paid_at', table_name='payment')
    op.drop_index(op.f('ix_payment_dossier_id'), table_name='payment')
    op.drop_table('payment')
    op.drop_table('payment_gateway')
