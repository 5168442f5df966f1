"""A fee computed from the form, after the supplement changed the form (D26 with D10-D12).

A fee is computed when it is asked (engine.cases.payments.request_due), from the form as it is then. A fee due
before the result is asked at the approval, so from the form as supplemented; a fee due at filing or at intake is
settled before any supplement can be asked (the dossier waits in status 6 while it is owed, and a supplement is
asked from status 1 or 4 only). So when the one supplement changes the fields a fee was computed from (the number
of workers, a fact that exempts), that fee is already paid, or exempted by the form as filed. Called in the
supplement's own transaction, once the supplemented form is the dossier's (engine.cases.filing._supplement):

* a fee paid keeps its money, and a fee the form exempted stays exempted; when the new form would cost something
  else, the trail says so (old and new amount) for the officer. The spec says nothing of money taken on a form
  since corrected: giving part back or asking more is the agency's decision (a refund or a second charge has its
  own paperwork), not something the engine does on its own;
* a fee whose amount the new form does not change, a refunded or failed one, an officer's exemption, and every
  fee of a version whose fees are all fixed amounts with no exemption condition are left alone (the last without
  a query: the sample's fee is fixed and the supplement command is benchmarked).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import local_fees, payments
from engine.cases.dossiers import Context
from engine.data import audit
from engine.data.model import Dossier
from engine.data.payment_model import Payment
from engine.process import fees

ACTION = "fee_repriced"  # the trail's event: {"payment", "fee", "old_amount", "new_amount", "kept", "note"}
KEPT = ("Số tiền tính lại theo tờ khai bổ sung khác khoản đã {done}; khoản này được giữ nguyên. "
        "Việc hoàn trả hoặc thu thêm (nếu có) do cơ quan giải quyết quyết định.")
_SETTLED = {"paid": "nộp", "exempted": "được miễn"}


def depends_on_form(dossier: Dossier) -> bool:
    """Whether a fee of the dossier's version is computed from the form or exempted by it."""
    return any(f.get("expression") or f.get("exempt_if") for f in dossier.procedure_version.info.get("fees", ()))


def _amount(row: Payment, charged: dict[str, dict], form, time_limit: float) -> int | None:
    """What the fees of ``row`` cost with ``form`` (exempted ones nothing), or None when a fee of it is no longer
    declared (a migrated version): such a row is left as it was."""
    if any(key not in charged for key in row.fee_keys or ()):
        return None
    return sum(fees.cost(charged[key], form, time_limit) for key in row.fee_keys or ())


def after_supplement(session: Session, ctx: Context, dossier: Dossier) -> None:
    """Tell the officer what the settled fees of ``dossier`` would cost with its supplemented form (the module's
    docstring)."""
    if not depends_on_form(dossier):
        return
    rows = list(session.scalars(select(Payment).where(
        Payment.dossier_id == dossier.id, Payment.status.in_(("paid", "exempted"))).order_by(Payment.id)))
    if not rows:
        return
    charged = {f["key"]: f for f in local_fees.of_dossier(session, dossier)}
    for row in rows:
        if row.status == "exempted" and row.exempt_reason != payments.FORM_EXEMPTION:
            continue  # an officer's decision (payments.exempt), not the form's: the form does not undo it
        try:
            amount = _amount(row, charged, dossier.form, ctx.script_time_limit)
        except fees.FeeError:
            continue  # settled at its amount: nothing to say of a form it can no longer be computed from
        if amount is None or amount == row.amount:
            continue
        audit.record(session, dossier, ctx.now, ctx.user, ACTION, dossier.status,
                     data={"payment": row.id, "fee": row.fee, "old_amount": row.amount, "new_amount": amount,
                           "kept": True, "note": KEPT.format(done=_SETTLED[row.status])})
