"""An administrator's hand on one dossier (issue 13, operations): suspend, resume or terminate it with a reason.

- Suspended (``Dossier.suspended_at``): no task can be completed (409 ``dossier_suspended``), the citizen cannot
  send a supplement, and the timer service leaves it alone (``next_timer_at`` is kept empty: plan_timers). The
  legal clock is not stopped: no rule lets an internal suspension move the citizen's appointment, so a deadline
  that passes meanwhile is judged at resume, when the timers are planned again and the sweep catches up (the
  warning and the overdue of D19 fire then, late).
- Resumed: the timers are planned again from the dossier's facts; work goes on where it stood (a liên thông
  hand-over the other agency answered meanwhile completes then: engine.cases.lienthong.go_on).
- Terminated: the dossier ends for good in the national status 8 (Dừng xử lý), as a stop does (its BPMN process is
  cancelled, open work closes, a number given to an unsigned decision is withdrawn, paid fees are refunded);
  ``ended_at`` is set and ``resolved_at`` is not, so the reports count it as ended, never as resolved. Only a
  dossier without a result can be terminated (as a stop: NĐ 118 Điều 21).

A dossier whose stored workflow state cannot be read (the incidents page lists them) can still be terminated:
its process is not needed any more, so the dossier stops, its open work closes and both trails say that its
process could not be read (``process_unreadable``); its open incident is resolved, since no sweep is due.

Each is written in the dossier's hash-chained audit trail AND the administrators' trail
(engine.cases.administration.audit), and the citizen is told (the ``operation`` notice), in one transaction.
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from engine.cases import administration, incidents, lienthong, notices, signing_requests
from engine.cases.dossiers import (Context, end_without_process, move, plan_timers, readable_process, record_missed,
                                   save_process, typed_code)
from engine.core.errors import Conflict, Invalid, NotFound
from engine.data import audit
from engine.data.agency_model import Agency
from engine.data.model import Dossier
from engine.law.statuses import STOPPED, TERMINAL, can_end
from engine.paperwork import issuance, officialforms
from engine.process import forms

REASON = {"type": "object", "required": ["reason"], "additionalProperties": False,
          "properties": {"reason": {"type": "string", "minLength": 3, "maxLength": 2000}}}
HOW = ("suspend", "resume", "terminate")


def held_by(session: Session, user, dossier: Dossier) -> Agency:
    """The agency of ``user``'s subtree that holds ``dossier`` (D29): its receiving agency, else the processing
    agency its offer names; 404 dossier_not_found when neither lies in the subtree (api.md: as for a dossier that
    does not exist, so that an administrator cannot probe another agency's codes)."""
    return administration.holding_or_hidden(session, user, administration.holders(dossier))


def administered_dossier(session: Session, user, code: str, *, with_state: bool = False) -> tuple[Dossier, Agency]:
    """The dossier ``code`` if ``user`` administers its receiving or its processing agency, with that agency of
    their subtree (receiving first: the one the action is audited under): 403 for a non-administrator (refused
    before the code is even looked up), 404 for no such dossier and for a dossier outside their subtree alike."""
    administration.scope(session, user)
    query = select(Dossier).where(Dossier.code == typed_code(code))
    if with_state:
        query = query.options(undefer(Dossier.workflow_state))
    dossier = session.scalar(query)
    if dossier is None:
        raise NotFound("Không tìm thấy hồ sơ", code="dossier_not_found")
    return dossier, held_by(session, user, dossier)


def _reason(payload) -> str:
    if not isinstance(payload, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    forms.validate(REASON, payload)
    return payload["reason"]


def act(session: Session, ctx: Context, code: str, how: str, payload) -> Dossier:
    """Suspend, resume or terminate (``how``) the dossier ``code`` with the payload's reason."""
    if how not in HOW:
        raise ValueError(how)
    dossier, agency = administered_dossier(session, ctx.user, code, with_state=how == "terminate")
    reason = _reason(payload)
    before = dossier.status
    if how == "suspend":
        if dossier.status in TERMINAL:
            raise Conflict("Hồ sơ đã kết thúc; không thể tạm dừng", code="dossier_closed")
        if dossier.suspended_at is not None:
            raise Conflict("Hồ sơ đang tạm dừng", code="dossier_suspended")
        dossier.suspended_at = ctx.now
        plan_timers(session, dossier, ctx.settings)  # empty while suspended
    elif how == "resume":
        if dossier.suspended_at is None:
            raise Conflict("Hồ sơ không ở trạng thái tạm dừng", code="not_suspended")
        dossier.suspended_at = None
        plan_timers(session, dossier, ctx.settings)  # what fell due meanwhile fires at the next sweep
    extra = _terminate(session, ctx, dossier, reason) if how == "terminate" else {}
    audit.record(session, dossier, ctx.now, ctx.user, how, before, data={"reason": reason, **extra})
    if how == "resume":  # D33: another agency's answer that came while suspended lets the dossier go on now
        lienthong.go_on(session, ctx.settings, dossier, ctx.now)
    administration.audit(session, ctx.now, ctx.user, f"dossier.{how}", "dossier", dossier.code, agency,
                         reason=reason, **extra)
    if how != "terminate":  # a termination's notice goes with its stop notice, once sealed (D28: linked)
        notices.notify(session, ctx.settings, "operation", now=ctx.now, dossier=dossier,
                       context={"how": how, "reason": reason})
    return dossier


def refuse_ending_part(session: Session, dossier: Dossier) -> None:
    """409 when ``dossier`` is another agency's part of a dossier still open (D33): ended on its own, the parent
    would wait in its hand-over for an answer that never comes, with no task for anyone (hand_back acts on a
    resolved part only). The parent's own stop or termination stops its open parts (lienthong.stop_children)."""
    if dossier.parent_id is None:
        return
    parent_code, parent_status = session.execute(
        select(Dossier.code, Dossier.status).where(Dossier.id == dossier.parent_id)).one()
    if parent_status not in TERMINAL:
        raise Conflict(f"Hồ sơ {dossier.code} là phần liên thông của hồ sơ {parent_code}, đang chờ kết quả của phần "
                       f"này; không thể dừng hay chấm dứt riêng. Hãy dừng (chấm dứt) hồ sơ {parent_code}: các phần "
                       "liên thông đang xử lý dừng cùng với hồ sơ đó.", code="lienthong_part")


def _terminate(session: Session, ctx: Context, dossier: Dossier, reason: str) -> dict:
    """End the dossier (the module's docstring); returns what the trails add (an unreadable process)."""
    if not can_end(dossier.status):
        raise Conflict("Hồ sơ đã có kết quả hoặc đã kết thúc; không thể chấm dứt", code="dossier_closed")
    refuse_ending_part(session, dossier)
    process = readable_process(dossier, ctx)
    if process is not None:
        process.cancel()
    record_missed(dossier, ctx.now)  # D7, D19: a deadline passed before the end stays missed in every report
    move(dossier, STOPPED)
    dossier.paused_at = dossier.suspended_at = None
    dossier.ended_at = ctx.now  # the reports: pending until then, never resolved
    signing_requests.withdraw_open(session, dossier, ctx.now)
    # D16: a dossier whose processing is stopped gets its Thông báo dừng giải quyết hồ sơ, whoever stops it (the
    # citizen's page pointed to one and none was issued). D28: the operation's notice tells the citizen with
    # that document linked and attached, written when it is sealed (as a withdrawal's or the one-stop's stop)
    officialforms.stop_notice(session, ctx.settings, dossier, reason, ctx.user, ctx.now,
                              notify=issuance.notice("operation", {"how": "terminate", "reason": reason}))
    if process is not None:
        save_process(session, dossier, process, ctx.now, ctx.settings)
    else:
        end_without_process(session, dossier, ctx.settings)
    from engine.cases import payments

    lienthong.stop_children(session, ctx, dossier, reason)  # D33: the other agencies' parts end too, as at a stop
    payments.refund_paid(session, ctx, dossier, reason)
    incidents.resolve_ended(session, dossier.id, ctx.now, ctx.user, f"Hồ sơ đã bị chấm dứt xử lý: {reason}")
    return {} if process is not None else {"process_unreadable": True}


def verify_audit(session: Session, settings, user, code: str) -> dict:
    """``GET /dossiers/{code}/audit``: the dossier's hash chain verified, for the officers of either agency that
    holds it (the receiving one and the processing one its offer names, D29) and the administrators whose subtree
    holds either; anyone else, an administrator outside their subtree included, is told there is no such dossier
    (D2, 404)."""
    from engine.data import audit_checkpoints

    dossier = session.scalar(select(Dossier).where(Dossier.code == typed_code(code)))
    officer = (dossier is not None and user.is_officer and user.agency_id is not None
               and user.agency_id in administration.holders(dossier))
    if dossier is None or not (officer or administration.ADMIN in user.roles):
        raise NotFound("Không tìm thấy hồ sơ", code="dossier_not_found")
    if not officer:
        held_by(session, user, dossier)
    events, problems = audit_checkpoints.verify_dossier(session, settings, dossier)
    return {"valid": not problems, "events": events, "problems": problems}
