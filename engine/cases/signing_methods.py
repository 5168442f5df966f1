"""An officer's signing method (D35): which device or service holds their key (engine.paperwork.signers), kept in
the signing_method table and copied into each personal signing request made for them.

A personal signature is made with the signer's own device or consent, the one they use now: a method is changed
because the old one is taken out of use (a key file withdrawn for a USB token or a remote signing service), so the
requests still waiting for the officer's signature move to the new method with it (``set_method``). A request
whose confirmation a remote service (CSC) is already awaiting keeps its method: its reference was given by that
service and means nothing to another, and the signer may be confirming it on their device right now; once that
attempt ends (refused, expired or failed: engine.cases.signing_requests clears the reference), the next change
moves it too.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.core.errors import NotFound
from engine.data import agencies
from engine.data.model import User
from engine.data.signing_model import OPEN_STATES, SigningMethod, SigningRequest
from engine.paperwork import signers, tokens


def method_of(session: Session, user: User) -> dict:
    row = session.get(SigningMethod, user.id)
    return dict(row.method) if row is not None else dict(signers.DEFAULT_METHOD)


def set_method(session: Session, username: str, method, now: datetime) -> dict:
    """An officer's signing method (engine.paperwork.signers.check_method says what is valid; None: as it is);
    requests made from now on copy it, and those still waiting for the officer's signature take it too
    (``follow``). A change is audited, as the operator's (`tthc pki method` is the only way to make it)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or not user.is_officer:
        raise NotFound(f"Không có cán bộ {username!r}", code="officer_not_found")
    if method is None:
        return method_of(session, user)
    method = signers.check_method(method if isinstance(method, dict) else {})
    if method["kind"] == "pkcs11" and method.get("module"):  # a device library that is not there signs nothing
        if not isinstance(method["module"], str):
            raise signers.SigningFailed("“module” là đường dẫn thư viện PKCS#11 của thiết bị ký số",
                                        code="bad_signing_method")
        tokens.module_path(method)  # as `tthc pki token` checks it: token_module_missing, nothing stored
    row = session.get(SigningMethod, user.id)
    before = dict(row.method) if row is not None else dict(signers.DEFAULT_METHOD)
    if row is None:
        session.add(SigningMethod(user_id=user.id, method=method, updated_at=now))
    else:
        row.method, row.updated_at = method, now
    moved = follow(session, user, method)
    if method != before:  # D29: every administrative action is audited (the kinds only: a method names no secret,
        # but a device's labels and a service's address are the operator's business, not the audit page's)
        agencies.record_admin(session, now, None, "officer.signing_method", "officer", user.username, user.agency_id,
                              before=before["kind"], after=method["kind"], requests_moved=len(moved))
    return method


def follow(session: Session, user: User, method: dict) -> list[int]:
    """``user``'s personal requests still open (pending, being rendered, awaiting their signature) take
    ``method``, except one awaiting a remote confirmation (the module's docstring says why). The draft already
    rendered stays: it bears the same signer's name and number, only the key that signs it changes. Returns the
    ids of the requests moved."""
    moved = []
    rows = session.scalars(select(SigningRequest).where(SigningRequest.signer_id == user.id,
                                                       SigningRequest.purpose == "personal",
                                                       SigningRequest.state.in_(OPEN_STATES),
                                                       SigningRequest.reference.is_(None))
                           .order_by(SigningRequest.id)).all()
    for req in rows:
        if req.method != method:
            req.method = dict(method)
            moved.append(req.id)
    return moved
