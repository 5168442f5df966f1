"""Who may still sign a request (D21, D22, D35): the officer it names, while they may act for the agency in the role
the document is signed in.

A request names its signer when the decision is made (engine.cases.signing_requests, engine.paperwork.letters); an
officer suspended since, moved to another agency or no longer holding that role signs nothing in that role: the
signature is refused (``require``), and the administrator's change hands the officer's open requests to the
agency's next holder of the role (``hand_over``), the draft drawn again in the new signer's name. A request left
with no one to take it goes to the agency's first holder of the role once the administrator gives it one
(``adopt``: an officer created, reinstated, given the role or moved into the agency).
"""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.cases import signing_methods
from engine.core.errors import Conflict
from engine.data.model import ROLES, Letter, User
from engine.data.signing_model import OPEN_STATES, SigningRequest
from engine.paperwork import letters


def why_not(req: SigningRequest, user: User | None) -> str | None:
    """Why ``user`` may not sign ``req`` now (in Vietnamese), or None when they may."""
    if user is None or user.id != req.signer_id:
        return "văn bản được giao cho người khác ký"
    if user.locked_reason is not None or user.cancelled_at is not None:
        return "tài khoản của người ký đang bị khóa"
    if user.agency_id != req.agency_id:
        return "người ký không còn thuộc cơ quan ban hành văn bản"
    if req.role not in user.roles:
        return f"người ký không còn giữ vai trò {ROLES.get(req.role, req.role)}"
    return None


def require(req: SigningRequest) -> None:
    """The request's signer, as stored now, may still sign it; else a 409 saying why (nothing is signed)."""
    why = why_not(req, req.signer)
    if why is not None:
        raise Conflict(f"Không thể ký văn bản này: {why}; văn bản chưa được ký", code="signer_not_competent")


def hand_over(session: Session, user: User) -> dict:
    """``user``'s open requests they may no longer sign (suspended, moved, role taken away) go to the first active
    holder of the request's role in its agency (as engine.paperwork.letters.signer_for chooses a signer), with the
    new signer's method; a draft already drawn in the former signer's name is dropped (it was never signed nor
    given to anyone) and drawn again for the new one. A request with no one to take it stays where it is, its
    signature refused until the agency has a signer. Returns what happened, for the administrator's trail."""
    handed, left = [], []
    rows = session.scalars(select(SigningRequest).where(SigningRequest.signer_id == user.id,
                                                       SigningRequest.state.in_(OPEN_STATES))
                           .order_by(SigningRequest.id)).all()
    for req in rows:
        if why_not(req, user) is None:
            continue
        new = letters.holder(session, req.agency_id, req.role, besides=user.id)
        if new is None:
            left.append(req.dossier.code)
            continue
        _reassign(session, req, new)
        handed.append({"dossier": req.dossier.code, "kind": req.kind, "to": new.username})
    return {**({"handed_over": handed} if handed else {}), **({"unassigned": left} if left else {})}


def adopt(session: Session, agency_id: int | None, roles: set[str] | frozenset[str]) -> list[str]:
    """The agency's open requests for a personal signature in one of ``roles`` whose named signer may no longer
    sign them (left where they were when no one could take them, ``hand_over``) go to the agency's first active
    holder of the role now, the draft drawn again in the new name (D21, D22: the dossier is signed or returned
    instead of waiting for the former signer). One query of the agency's open requests (by state); the codes of
    the dossiers adopted, for the administrator's trail."""
    if agency_id is None or not roles:
        return []
    rows = session.scalars(select(SigningRequest).where(SigningRequest.state.in_(OPEN_STATES),
                                                       SigningRequest.agency_id == agency_id,
                                                       SigningRequest.purpose == "personal",
                                                       SigningRequest.role.in_(sorted(roles)))
                           .order_by(SigningRequest.id)).all()
    adopted, holders = [], {}
    for req in rows:
        if why_not(req, req.signer) is None:
            continue
        if req.role not in holders:
            holders[req.role] = letters.holder(session, agency_id, req.role)
        new = holders[req.role]
        if new is not None:
            _reassign(session, req, new)
            adopted.append(req.dossier.code)
    return adopted


def _reassign(session: Session, req: SigningRequest, new: User) -> None:
    draft = req.document
    req.signer, req.method = new, signing_methods.method_of(session, new)
    req.document = None
    # back to the drain (a drain rendering it now finds it no longer claimed and stores nothing)
    req.state, req.claimed_at, req.rendered_at, req.retry_at = "pending", None, None, None
    req.message = req.last_error = req.reference = None
    if draft is not None and draft.state == "pending_signature":
        session.delete(draft)
    letter_id = (req.payload or {}).get("letter")
    if letter_id is not None:  # the letter names who signs it (Mẫu 04)
        letter = session.get(Letter, letter_id)
        if letter is not None:
            letter.signer_name = new.full_name
    session.info["signing_requests"] = True  # the edge wakes the drain after the commit
