"""Entities of signing (D35): the requests for a signature that waits for its signer, and each officer's signing
method. On the same ``Base`` as engine.data.model; migration 0013_signing_requests creates them.

A request is written in the transaction of the decision that needs the signature (the leader's approval or
refusal), so that the decision and the duty to sign it exist together or not at all. The PDF is rendered after
the commit (the worker, or the drain of `tthc serve`), then the signer signs with their own key and consent.
States: ``pending`` (to render) → ``rendering`` (claimed by a drain) → ``awaiting_signer`` → ``signed``; a
failure to render puts it back to ``pending`` with ``last_error``; a failed signature leaves it awaiting its
signer with ``last_error``; ``withdrawn`` when the dossier ends without the document (its number is withdrawn).

A rendering that keeps failing backs off (engine.cases.issuing.put_back): a pending request is not claimed
before its ``retry_at``, pushed later after each failure; after a few failures its incident (``incident_id``,
migration 0039) shows it to the administrators.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from engine.data.db import Base
from engine.data.model import Document, Dossier, User

STATES = ("pending", "rendering", "awaiting_signer", "signed", "withdrawn")
OPEN_STATES = ("pending", "rendering", "awaiting_signer")
# OPEN_STATES as the predicate of the signers' partial index: a query with this very text reads only open requests
# (qualified with "signing_request." where the eager joins bring procedure_version.state too).
OPEN_REQUEST = "state IN ('pending', 'rendering', 'awaiting_signer')"


class SigningRequest(Base):
    """A document that needs a signature, who must make it and with which method, and how far it got."""

    __tablename__ = "signing_request"
    __table_args__ = (Index("ix_signing_request_state_id", "state", "id"),
                      Index("ix_signing_request_signer_state", "signer_id", "state"),
                      # a signer's waiting requests in order (the inbox's "Chờ ký số"), never their signed history
                      Index("ix_signing_request_signer_open", "signer_id", "id", postgresql_where=text(OPEN_REQUEST),
                            sqlite_where=text(OPEN_REQUEST)))
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    # the document kind: result_draft, apology, result (re-issued) personal; receipt, supplement_request,
    # refusal, stop_notice, result sealed by the agency (engine.paperwork.issuance)
    kind: Mapped[str] = mapped_column(String(30))
    purpose: Mapped[str] = mapped_column(String(20))  # personal / seal
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))  # personal: the signer
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    role: Mapped[str] = mapped_column(String(30))  # the role the signer signs as (its title on the document)
    method: Mapped[dict[str, Any]]  # copied from the signer's configuration when the request was made
    outcome: Mapped[str] = mapped_column(String(20))  # approved / refused
    opinion: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(20))
    message: Mapped[str | None] = mapped_column(Text)  # what the signer is told (a confirmation awaited)
    number: Mapped[str | None] = mapped_column(String(60))  # the result's number, allocated with the decision
    register_year: Mapped[int | None]
    register_seq: Mapped[int | None]
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))
    created_at: Mapped[datetime]
    claimed_at: Mapped[datetime | None]
    rendered_at: Mapped[datetime | None]
    signed_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)  # renderings tried
    last_error: Mapped[str | None] = mapped_column(Text)
    reference: Mapped[str | None] = mapped_column(String(255))  # a remote service's id of the pending signature
    # What the document prints and what follows it, fixed when the request was made (engine.paperwork.issuance):
    # an official form's values, a letter's paragraphs, the notice to send once it is stored. Migration 0026.
    payload: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    # The incident its repeated failures opened (engine.cases.incidents.record_document): an id, not a foreign key,
    # as 0012's links; indexed, so that the open incidents find their requests. Migration 0039.
    incident_id: Mapped[int | None] = mapped_column(index=True)
    retry_at: Mapped[datetime | None]  # a failed rendering is not tried again before (issuing.put_back); 0039
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    dossier: Mapped[Dossier] = relationship(lazy="joined", innerjoin=True)
    signer: Mapped[User | None] = relationship(lazy="joined")
    document: Mapped[Document | None] = relationship()


class SigningAttempt(Base):
    """One try to sign a request (the PIN is never kept): wrong PINs lock the request for a while, as failed
    logins lock a name (engine.cases.signing_requests). Security events, kept apart from the dossier's audit
    trail like login attempts; the signature made is in the trail (``sign_result``)."""

    __tablename__ = "signing_attempt"
    __table_args__ = (Index("ix_signing_attempt_request_id_at", "request_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("signing_request.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    at: Mapped[datetime]
    succeeded: Mapped[bool]
    code: Mapped[str | None] = mapped_column(String(40))  # why it failed (bad_key, pin_required, ...)


class SigningMethod(Base):
    """An officer's signing method (engine.paperwork.signers): which device or service holds their key. No row:
    the PKCS#12 file of the configured PKI folder, unlocked by the officer's PIN."""

    __tablename__ = "signing_method"
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), primary_key=True)
    method: Mapped[dict[str, Any]]
    updated_at: Mapped[datetime]


def withdraw_personal(session: Session, dossier_id: int) -> None:
    """The dossier ends without its documents: every request still waiting for a personal signature (a result, a
    letter, a re-issue) is withdrawn with its number; what the agency seals alone (what already happened) is not.
    The draft already rendered for each (``pending_signature``) is withdrawn with it: never signed nor issued (D22),
    it is shown withdrawn wherever it is listed (engine.cases.summary reads the state, as for a re-issue the clerk
    withdrew: engine.cases.reissue). Two statements, here below both callers (engine.cases.signing_requests for a
    dossier withdrawn, stopped or terminated, engine.cases.lienthong for a sub-dossier stopped with its parent),
    which cannot import each other."""
    waiting = (SigningRequest.dossier_id == dossier_id, SigningRequest.purpose == "personal",
               SigningRequest.state.in_(OPEN_STATES))
    session.execute(update(Document).where(Document.state == "pending_signature", Document.id.in_(
        select(SigningRequest.document_id).where(*waiting, SigningRequest.document_id.is_not(None))))
                    .values(state="withdrawn").execution_options(synchronize_session=False))
    session.execute(update(SigningRequest).where(*waiting)
                    .values(state="withdrawn", message="Hồ sơ đã kết thúc; số văn bản được thu hồi",
                            version=SigningRequest.version + 1).execution_options(synchronize_session=False))
