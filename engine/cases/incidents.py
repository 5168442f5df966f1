"""Incidents of the timer service, as administrators deal with them (issue 13, operations).

A dossier the sweep could not handle has at most one open incident: a failure while one is open counts an
attempt and keeps the newest error (``record_failure``); a later sweep that handles the dossier closes it as
resolved (``resolve_handled``). An administrator in scope (the dossier's receiving or processing agency, D29) lists
them, open ones first (``page``), retries one now (engine.timers.retry: the sweep's own handling of that one
dossier) or skips one.

Skipping passes over the failing instant, precisely: the dossier's next visit of the sweep becomes its earliest
due instant strictly after the skip (its BPMN timer, intake deadline, warning or result deadline), or none if
there is none; whatever failed is not marked done. It is tried again at that visit, or as soon as someone acts
on the dossier (every change plans its timers again). Nothing legal is forged: a warning or an overdue that
was due is given at the next visit, late.

A document that keeps failing to be made (engine.cases.issuing.put_back) has its own incident, linked from its
request (``signing_request.incident_id``): the sweep neither counts its failures on it nor resolves it; it is
resolved once the request is no longer waiting to be made (``resolve_documents``), retried by running the
document now (engine.timers.retry), and skipped by closing it alone (the request keeps its wait; a later failure
opens a new one): the dossier's timers are not the document's to move.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session, aliased

from engine.cases import administration
from engine.cases.dossiers import calendar_of
from engine.core.clock import iso_vn
from engine.core.errors import Conflict, Invalid, NotFound
from engine.data.agency_model import Agency
from engine.data.model import Dossier, Incident, User
from engine.data.signing_model import SigningRequest
from engine.law import deadlines, intake
from engine.law.statuses import OPEN_FOR_RESULT
from engine.process import forms

PAGE = 50
SKIP = {"type": "object", "required": ["reason"], "additionalProperties": False,
        "properties": {"reason": {"type": "string", "minLength": 3, "maxLength": 2000}}}
# the sweep's incidents: those no signing request links (a document's are the drain's, engine.cases.issuing)
OF_SWEEP = ~exists().where(SigningRequest.incident_id == Incident.id)


def record_failure(session: Session, dossier_id: int, now: datetime, message: str) -> Incident:
    """The sweep failed for a dossier: its open incident counts one more attempt, or a new one opens."""
    message = message[:2000]
    incident = session.scalar(select(Incident).where(Incident.dossier_id == dossier_id, Incident.state == "open",
                                                     OF_SWEEP).order_by(Incident.id.desc()).limit(1))
    if incident is None:
        incident = Incident(dossier_id=dossier_id, at=now, last_at=now, message=message, state="open", attempts=1)
        session.add(incident)
    else:
        incident.attempts += 1
        incident.last_at, incident.message = now, message
    return incident


def resolve_handled(session: Session, dossier_ids: list[int], now: datetime) -> None:
    """The sweep handled these dossiers: their open incidents are resolved (one statement per batch)."""
    if dossier_ids:
        session.execute(update(Incident).where(Incident.state == "open", Incident.dossier_id.in_(dossier_ids),
                                               OF_SWEEP)
                        .values(state="resolved", handled_at=now).execution_options(synchronize_session=False))


def record_document(session: Session, req: SigningRequest, now: datetime, message: str) -> Incident:
    """The document of ``req`` failed again: its open incident counts it, or one opens with its failures so far."""
    incident = session.get(Incident, req.incident_id) if req.incident_id is not None else None
    if incident is None or incident.state != "open":
        incident = Incident(dossier_id=req.dossier_id, at=now, last_at=now, message=message[:2000], state="open",
                            attempts=req.attempts)
        session.add(incident)
        session.flush()
        req.incident_id = incident.id
    else:
        incident.attempts += 1
        incident.last_at, incident.message = now, message[:2000]
    return incident


def document_of(session: Session, incident: Incident) -> SigningRequest | None:
    """The signing request whose failures ``incident`` shows, if it is a document's."""
    return session.scalar(select(SigningRequest).where(SigningRequest.incident_id == incident.id).limit(1))


def resolve_documents(session: Session, now: datetime) -> None:
    """The open incidents of documents no longer waiting to be made (issued, rendered for their signer, withdrawn)
    are resolved: read from the few open incidents, through the requests' index of their incident."""
    done = select(Incident.id).join(SigningRequest, SigningRequest.incident_id == Incident.id).where(
        Incident.state == "open", SigningRequest.state.not_in(("pending", "rendering")))
    ids = list(session.scalars(done))
    if ids:
        session.execute(update(Incident).where(Incident.id.in_(ids), Incident.state == "open")
                        .values(state="resolved", handled_at=now).execution_options(synchronize_session=False))


@dataclass
class Page:
    rows: list[tuple[Incident, str]]  # the incident and its dossier's code
    next: str | None  # the cursor of the next page: "<0 open|1 other>.<id>"


def parse_cursor(raw: str | None) -> tuple[int, int] | None:
    if raw is None:
        return None
    rank, _, number = raw.partition(".")
    if rank not in ("0", "1") or not number.isdigit() or not number.isascii() or len(number) > 9:
        raise Invalid("Tham số phân trang không hợp lệ", fields={"after": "Dạng <0|1>.<số>"})
    return int(rank), int(number)


def _slice(session: Session, user: User, rank: int, state: str | None, before: int | None, limit: int) -> list:
    """Incidents of one rank (0 open, 1 dealt with) in scope, newest first: the open ones off the (state, id)
    index, the others off the primary key read backwards; never the whole history."""
    mine = administration.agency_ids(session, user)  # D29: the dossiers received or processed in the subtree
    # the scope checked per incident on its dossier's row (by primary key): an OR over the dossiers' agency
    # columns in the join made the database read every dossier of the subtree, then sort
    held = aliased(Dossier)
    in_scope = exists(select(held.id).where(held.id == Incident.dossier_id, or_(held.agency_id.in_(mine),
                                                                               held.processing_agency_id.in_(mine))))
    query = (select(Incident, Dossier.code).join(Dossier, Dossier.id == Incident.dossier_id)
             .where(in_scope, Incident.state == "open" if rank == 0 else Incident.state != "open")
             .order_by(Incident.id.desc()).limit(limit))
    if state is not None:
        query = query.where(Incident.state == state)
    if before is not None:
        query = query.where(Incident.id < before)
    return [(incident, code, rank) for incident, code in session.execute(query)]


def page(session: Session, user: User, *, state: str | None = None, after: tuple[int, int] | None = None,
         limit: int = PAGE) -> Page:
    """Incidents of dossiers of the caller's agencies, open ones first, newest first, ``limit`` a page."""
    administration.scope(session, user)
    start, before = after if after is not None else (0, None)
    found: list = []
    for rank in (0, 1):
        if rank < start or (state is not None and (state == "open") != (rank == 0)):
            continue
        found += _slice(session, user, rank, state, before if rank == start else None, limit + 1 - len(found))
        if len(found) > limit:
            break
    more = len(found) > limit
    last = found[limit - 1] if more else None
    return Page([(i, code) for i, code, _rank in found[:limit]], f"{last[2]}.{last[0].id}" if more else None)


def describe(incident: Incident, code: str) -> dict:
    return {"id": incident.id, "dossier": code, "state": incident.state, "message": incident.message,
            "attempts": incident.attempts, "at": iso_vn(incident.at), "last_at": iso_vn(incident.last_at),
            "handled_by": incident.handled_by, "handled_at": iso_vn(incident.handled_at), "note": incident.note}


def administered(session: Session, user: User, incident_id: int) -> tuple[Incident, Dossier, Agency]:
    """The incident if ``user`` administers its dossier's receiving or processing agency, with that agency of their
    subtree (receiving first: the one the action is audited under). 403 for a non-administrator (refused before the
    id is looked up); 404 incident_not_found for no such incident and for one outside their subtree alike (as
    dossiers are answered, api.md), so that no incident id of another agency can be probed."""
    administration.scope(session, user)
    incident = session.get(Incident, incident_id)
    if incident is None:
        raise _not_found()
    dossier = session.get(Dossier, incident.dossier_id)
    try:
        agency = administration.holding_or_hidden(session, user, administration.holders(dossier))
    except NotFound:
        raise _not_found() from None
    return incident, dossier, agency


def _not_found() -> NotFound:
    return NotFound("Không tìm thấy sự cố", code="incident_not_found")


def require_open(incident: Incident) -> None:
    if incident.state != "open":
        raise Conflict("Sự cố này đã được xử lý", code="incident_closed")


def next_after(dossier: Dossier, cal, now: datetime) -> datetime | None:
    """The dossier's earliest due instant strictly after ``now`` (the instants deadlines.next_due_work reads)."""
    due = [dossier.bpmn_timer_at]
    due.append(intake.watched_due(dossier))  # D7: the intake hour not alerted yet (none at the desk)
    if dossier.status in OPEN_FOR_RESULT and dossier.due_at is not None and not dossier.late:
        due.append(dossier.due_at)
        if dossier.warned_at is None:
            due.append(deadlines.warning_at(dossier, cal))
    return min((d for d in due if d is not None and d > now), default=None)


def skip(session: Session, settings, user: User, incident_id: int, payload, now: datetime) -> tuple[Incident, str]:
    """Pass over the failing instant (the module's docstring), with the administrator's reason; audited."""
    incident, dossier, agency = administered(session, user, incident_id)
    if not isinstance(payload, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    forms.validate(SKIP, payload)
    require_open(incident)
    document = document_of(session, incident)
    if document is not None:  # the document keeps its wait; a later failure opens a new incident
        document.incident_id = None
    elif dossier.suspended_at is None:
        dossier.next_timer_at = next_after(dossier, calendar_of(session, dossier, settings), now)
    incident.state, incident.handled_by, incident.handled_at = "skipped", user.username, now
    incident.note = payload["reason"]
    administration.audit(session, now, user, "incident.skip", "incident", str(incident.id), agency,
                         dossier=dossier.code, reason=payload["reason"],
                         next_visit=iso_vn(dossier.next_timer_at))
    return incident, dossier.code


def close_retried(session: Session, user: User, incident: Incident, agency: Agency, code: str, now: datetime,
                  effects: list[str]) -> None:
    """A retry handled the dossier: the incident is closed as retried, with what was done; audited."""
    incident.state, incident.handled_by, incident.handled_at = "retried", user.username, now
    incident.note = ", ".join(effects) or "-"
    administration.audit(session, now, user, "incident.retry", "incident", str(incident.id), agency,
                         dossier=code, outcome="handled", effects=effects)


def queue_document(session: Session, user: User, incident: Incident, agency: Agency, code: str,
                   now: datetime) -> None:
    """A document's retry was asked: its request is tried at once after the commit (engine.timers.retry); the
    incident stays open until the document is made (``resolve_documents``) or counts its next failure; audited."""
    administration.audit(session, now, user, "incident.retry", "incident", str(incident.id), agency,
                         dossier=code, outcome="queued")


def keep_failed(session: Session, user: User, incident: Incident, agency: Agency, code: str, now: datetime,
                message: str) -> None:
    """A retry failed again: the incident stays open with the new error; audited."""
    incident.attempts += 1
    incident.last_at, incident.message = now, message[:2000]
    administration.audit(session, now, user, "incident.retry", "incident", str(incident.id), agency,
                         dossier=code, outcome="failed", error=message[:500])


def resolve_ended(session: Session, dossier_id: int, now: datetime, user: User, note: str) -> None:
    """An administrator ended the dossier (terminated it): no sweep is due on it any more, so its open incident is
    resolved, by them, with ``note`` saying why; left open, it would stay on the incidents page under "open" until
    a retry closed it as "retried". A document's incident is left to its own drain (``resolve_documents``): a
    request withdrawn at the end resolves it there, a document still to be made (the stop notice) still needs it."""
    session.execute(update(Incident).where(Incident.state == "open", Incident.dossier_id == dossier_id, OF_SWEEP)
                    .values(state="resolved", handled_by=user.username, handled_at=now, note=note[:2000])
                    .execution_options(synchronize_session=False))
