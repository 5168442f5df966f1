"""the drafts of signing requests withdrawn with their dossier are written ``withdrawn`` (document.state), as the
engine now writes them when it withdraws the requests (engine.data.signing_model.withdraw_personal); until now
the state was derived from the dossier's status where a draft was listed

Data only: a draft still ``pending_signature`` whose request was withdrawn is one of those (a re-issue withdrawn
by the clerk already wrote its draft). Downgrade leaves them: the former code shows a ``withdrawn`` draft as
withdrawn too.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-06 13:00:00
"""
from alembic import op


revision = '0040'
down_revision = '0039'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("update document set state = 'withdrawn' where state = 'pending_signature' and id in "
               "(select document_id from signing_request where state = 'withdrawn' and purpose = 'personal' "
               "and document_id is not null)")


def downgrade() -> None:
    pass
