"""how a citizen account's identity was checked (D3): 'eid' (signed in with the national e-ID), 'desk' (an
officer saw the card), NULL (declared at self-registration, checked by nobody)

Only a checked account sees the dossiers owned under its CCCD that it did not file itself (D2, D4). Existing
rows keep NULL (a self-registered account keeps its own filings; an e-ID account is checked again at its next
e-ID sign-in), except the accounts made at the desk, which the audit of their making names. The notices an
unchecked account got about dossiers it did not file are deleted with their deliveries.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-05 11:15:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0035'
down_revision = '0034'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('identity_checked', sa.String(length=10), nullable=True))
    op.execute("UPDATE user_account SET identity_checked = 'desk' WHERE username IN "
               "(SELECT target FROM admin_event WHERE action = 'citizen.desk_create' AND target_kind = 'citizen')")
    # What an unchecked account was told of dossiers it did not file (filed for its CCCD at the desk or by someone
    # else) goes too: the notices said the code, the dates and linked the receipt, which it may no longer see
    told = ("SELECT n.id FROM notice n JOIN user_account u ON u.id = n.user_id JOIN dossier d ON d.id = n.dossier_id "
            "WHERE u.identity_checked IS NULL AND u.roles = 'citizen' AND d.applicant_id <> u.id")
    op.execute(f"DELETE FROM notice_delivery WHERE notice_id IN ({told})")
    op.execute(f"DELETE FROM notice WHERE id IN ({told})")


def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('identity_checked')
