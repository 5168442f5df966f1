"""Entities. ``Dossier.status`` is the national portal's code (legal transitions: engine.law.statuses)."""
from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint, false, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from engine.core import vocabulary
from engine.data import calendar_model, handover_model, page_indexes, stock_model  # noqa: F401 - their tables
from engine.data.db import Base

# -- roles -----------------------------------------------------------------------------------------------
ROLES = vocabulary.ROLES  # code -> Vietnamese label, declared once in engine/core/vocabulary.py
OFFICER_ROLES = {"receiving_officer", "specialist", "department_leader", "head_of_agency",
                 "centre_director", "clerk"}

# A dossier still open (not in engine.law.statuses.TERMINAL: refused, withdrawn, stopped, returned), written as the
# predicate of its partial index so that a query using this very text can be answered from the index.
OPEN_DOSSIER = "status NOT IN (3, 7, 8, 10)"

from engine.data.agency_model import AGENCY_LEVELS, Agency  # noqa: E402,F401  (the tree: D29)
from engine.data.checkpoint_model import AuditCheckpoint, AuditCheckpointEntry  # noqa: E402,F401


class User(Base):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # citizens: their CCCD
    password_hash: Mapped[str] = mapped_column(String(255))
    full_name: Mapped[str] = mapped_column(String(255))
    roles_text: Mapped[str] = mapped_column("roles", String(255))
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)  # officers by agency
    cccd: Mapped[str | None] = mapped_column(String(12), index=True)
    cccd_issued_on: Mapped[date | None]
    birth_date: Mapped[date | None]
    phone: Mapped[str | None] = mapped_column(String(20), index=True)  # the recovery page and admin search
    email: Mapped[str | None] = mapped_column(String(255))
    standardised: Mapped[bool] = mapped_column(default=False)
    identity_checked: Mapped[str | None] = mapped_column(String(10))  # 'eid', 'desk'; NULL: declared (D3)
    locked_reason: Mapped[str | None] = mapped_column(String(255))
    cancelled_at: Mapped[datetime | None]  # a cancelled account never signs in again; its dossiers stay
    created_at: Mapped[datetime]

    agency: Mapped[Agency | None] = relationship()

    @property
    def roles(self) -> set[str]:
        return {r for r in self.roles_text.split(",") if r}

    @property
    def is_officer(self) -> bool:
        return bool(self.roles & OFFICER_ROLES)


class ApiToken(Base):
    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    expires_at: Mapped[datetime]


class Procedure(Base):
    __tablename__ = "procedure"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    latest_version_id: Mapped[int | None] = mapped_column(Integer)

    agency: Mapped[Agency] = relationship(lazy="joined", innerjoin=True)


class ProcedureVersion(Base):
    """One deployed version: the BPMN XML, its hash, the serialized spec (stored once) and the forms."""

    __tablename__ = "procedure_version"
    __table_args__ = (UniqueConstraint("procedure_id", "version"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    procedure_id: Mapped[int] = mapped_column(ForeignKey("procedure.id"))
    version: Mapped[int]
    process_id: Mapped[str] = mapped_column(String(255))
    file_name: Mapped[str] = mapped_column(String(255))
    content_hash: Mapped[str] = mapped_column(String(64))  # BPMN and forms together
    bpmn_xml: Mapped[str] = mapped_column(Text, deferred=True)  # large: loaded only when asked for
    spec_json: Mapped[str] = mapped_column(Text, deferred=True)  # read once per process (runtime cache)
    forms: Mapped[dict[str, Any]]
    info: Mapped[dict[str, Any]]  # catalogue entry: duration, unit, fees, components, level facts
    deployed_at: Mapped[datetime]
    deployed_by: Mapped[str | None] = mapped_column(String(64))
    # active | suspended (no new filings) | retired (no new filings, out of the catalogue): engine.cases.versions
    state: Mapped[str] = mapped_column(String(12), default="active", server_default="active")

    procedure: Mapped[Procedure] = relationship(lazy="joined", innerjoin=True)


class DayCounter(Base):
    """Daily dossier sequence per agency (D6), never reused."""

    __tablename__ = "day_counter"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    day: Mapped[str] = mapped_column(String(6), primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class NumberRegister(Base):
    """The register (sổ) of one agency for one document kind and year: the last number given, never reused."""

    __tablename__ = "number_register"
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last: Mapped[int] = mapped_column(default=0)


class Dossier(Base):
    __tablename__ = "dossier"
    # Reports (engine.reports): a period's receipts and results, per agency or for the province, and the dossiers
    # still without a result (pending at a period's end) — never the whole history.
    __table_args__ = (
        Index("ix_dossier_agency_received", "agency_id", "received_at"),
        Index("ix_dossier_agency_resolved", "agency_id", "resolved_at"),
        Index("ix_dossier_received_at", "received_at"),
        Index("ix_dossier_resolved_at", "resolved_at"),
        Index("ix_dossier_unresolved", "agency_id", "received_at", postgresql_where=text("resolved_at IS NULL"),
              sqlite_where=text("resolved_at IS NULL")),
        # The open dossiers of a procedure version (engine.cases.versions counts them, migrations move them).
        Index("ix_dossier_version_open", "procedure_version_id", postgresql_where=text(OPEN_DOSSIER),
              sqlite_where=text(OPEN_DOSSIER)),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(60), unique=True)
    procedure_version_id: Mapped[int] = mapped_column(ForeignKey("procedure_version.id"))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), index=True)  # the receiving agency (D6, D29)
    # The agency its offer names to process it (None: the receiving agency): its officers get the processing
    # steps' work and see the dossier (D2); intake and return stay at the receiving agency.
    processing_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("dossier.id"))  # liên thông (D33)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    # The instant of the last hand-over (engine.data.audit.HANDOVER_ACTIONS): where the next step's time starts.
    handed_over_at: Mapped[datetime | None]
    owner_name: Mapped[str] = mapped_column(String(255))
    owner_birth_date: Mapped[date | None]
    owner_cccd: Mapped[str | None] = mapped_column(String(12), index=True)
    channel: Mapped[str] = mapped_column(String(10))
    # How the citizen chose to receive the result (D23: online, post or desk; NULL: as filed, ``return_via``) and
    # the postal address for "post". The choice never changes the service level (D27).
    return_channel: Mapped[str | None] = mapped_column(String(10))
    return_address: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[int]
    form: Mapped[dict[str, Any]]
    filed_at: Mapped[datetime]
    intake_due_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    registered_at: Mapped[datetime | None]  # received_at, or filed_at until then: the register's order (below)
    due_at: Mapped[datetime | None]
    original_due_at: Mapped[datetime | None]
    resolved_at: Mapped[datetime | None]
    returned_at: Mapped[datetime | None]
    # D32: working minutes from receipt to result without the supplement waits, kept at resolution (reports
    # average it without walking the calendar per dossier); NULL before migration 0013 or while unresolved.
    resolution_working_minutes: Mapped[int | None]
    # QĐ 766 3a, 3c: a component was given electronically / taken from the citizen's store (D24); set when attached.
    has_electronic_component: Mapped[bool] = mapped_column(default=False, server_default=false())
    reuses_stored_document: Mapped[bool] = mapped_column(default=False, server_default=false())
    ended_at: Mapped[datetime | None]  # withdrawn or stopped (NĐ 118 Điều 21): no longer pending from then on
    late: Mapped[bool] = mapped_column(default=False)
    overdue_at: Mapped[datetime | None]  # D19: late since (its due instant), for the reports; NULL: not late
    supplement_requests: Mapped[int] = mapped_column(default=0)
    extensions: Mapped[int] = mapped_column(default=0)
    outcome: Mapped[str | None] = mapped_column(String(20))  # approved / refused
    registration_number: Mapped[str | None] = mapped_column(String(30))  # given to its approved result
    workflow_state: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # zlib state-only JSON
    # The BPMN ids it passed, written with each state (NULL before 0028): the diagram's path without the workflow.
    path_nodes: Mapped[list[str] | None] = mapped_column(JSON(none_as_null=True))
    serializer_version: Mapped[str] = mapped_column(String(10))
    next_timer_at: Mapped[datetime | None] = mapped_column(index=True)
    bpmn_timer_at: Mapped[datetime | None]
    calendar_version: Mapped[str | None] = mapped_column(String(12))
    warned_at: Mapped[datetime | None]
    paused_at: Mapped[datetime | None]
    # An administrator suspended it (engine.cases.operations): no task completes, no timer fires until resumed.
    suspended_at: Mapped[datetime | None]
    intake_late: Mapped[bool] = mapped_column(default=False, server_default=false())
    # D7: the intake deadline whose overdue the timers alerted (each once; the check again after a supplement
    # has a new one, watched again while intake_late keeps the earlier late check). NULL: none alerted.
    intake_alerted_due_at: Mapped[datetime | None]
    # The hash of the last audit event: appends read it from the row they update anyway (no query), and the
    # version counter makes two concurrent appends conflict instead of forking the chain.
    audit_head: Mapped[str | None] = mapped_column(String(64))
    # How many audit events the chain holds, moved with the head: checkpoints record (head, count) without
    # counting the history (engine.audit_checkpoints).
    audit_count: Mapped[int] = mapped_column(default=0, server_default="0")
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    @property
    def resolving_agency_id(self) -> int:
        """The agency that resolves it (D29): the processing agency its offer names, else the receiving one."""
        return self.processing_agency_id if self.processing_agency_id is not None else self.agency_id

    @property
    def return_via(self) -> str:
        """The return channel (D23): the one chosen, else the filing's own (online for an online filing)."""
        return self.return_channel or self.channel

    # Every use case needs the version, its procedure and agency: one joined load, not three lazy ones.
    procedure_version: Mapped[ProcedureVersion] = relationship(lazy="joined", innerjoin=True)
    applicant: Mapped[User] = relationship()
    agency: Mapped[Agency] = relationship(foreign_keys=[agency_id])  # the receiving agency


class WorkItem(Base):
    """An open human task. The inbox reads these rows and never deserializes workflow state."""

    __tablename__ = "work_item"
    # The id is public (/api/v1/tasks/{id}) and names a finished task in the audit trail: never reused, also
    # on SQLite (AUTOINCREMENT; PostgreSQL sequences never reuse).
    __table_args__ = ({"sqlite_autoincrement": True},)  # the inbox's indexes: end of this module
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    task_id: Mapped[str] = mapped_column(String(36), unique=True)
    spec_name: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255))
    step: Mapped[str] = mapped_column(String(30))
    role: Mapped[str] = mapped_column(String(30))
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"))
    form_key: Mapped[str | None] = mapped_column(String(255))
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime]
    due_at: Mapped[datetime | None]

    dossier: Mapped[Dossier] = relationship(lazy="joined", innerjoin=True)
    assignee: Mapped[User | None] = relationship()


UNKEPT = "work_item_id IS NOT NULL AND working_minutes IS NULL"


class AuditEvent(Base):
    """Append-only, hash-chained per dossier; written in the same transaction as the change."""

    __tablename__ = "audit_event"
    # The completions without kept step times (written before migration 0016): where time goes finds at once
    # whether a period has any (engine.reports.steptimes), without reading the period's events.
    __table_args__ = (Index("ix_audit_event_unkept", "at", postgresql_where=text(UNKEPT), sqlite_where=text(UNKEPT)),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    at: Mapped[datetime] = mapped_column(index=True)  # a period's hand-overs (engine.reports.steptimes)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    actor_name: Mapped[str] = mapped_column(String(255))
    action: Mapped[str] = mapped_column(String(40))
    from_status: Mapped[int | None]
    to_status: Mapped[int]
    step: Mapped[str | None] = mapped_column(String(30))
    task_name: Mapped[str | None] = mapped_column(String(255))
    due_at: Mapped[datetime | None]  # the step's own time limit, for the control slip (D30)
    work_item_id: Mapped[int | None] = mapped_column(index=True)  # the completed work item (rows are removed)
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # The formula of ``hash`` (engine.audit.FORMULAS): NULL for events written before migration 0010, whose
    # hash leaves out actor_name, task_name and work_item_id; they keep verifying with the formula they were
    # written with.
    hash_version: Mapped[int | None]
    # Where time goes (engine.reports.steptimes), kept when a step's work item completes: the step's working
    # minutes since the dossier's previous hand-over and whether it missed its own limit. NULL on events written
    # before migration 0016 (recomputed from the trail) and on events that complete no step. Not in the hash:
    # they are derived from hashed fields (times, due_at) and the calendar, and old chains keep verifying.
    working_minutes: Mapped[float | None] = mapped_column(Float)
    late: Mapped[bool | None]


class Document(Base):
    """A file of a dossier, stored by SHA-256 (engine.paperwork.documents); ``component`` names what it is for."""

    __tablename__ = "document"
    # A numbered document (a form or a letter) holds its place in the agency's register: no two documents of a
    # kind share a number in one agency and year. Filings have no number (NULLs never collide).
    __table_args__ = (UniqueConstraint("register_agency_id", "kind", "register_year", "register_seq",
                                       name="uq_document_register_number"),
                      # the citizen's store asks which of their files are the bytes of a result
                      # (engine.cases.attachments._result_copies): one range of this index per file
                      Index("ix_document_sha256_kind", "sha256", "kind"))
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    component: Mapped[str | None] = mapped_column(String(255))
    number: Mapped[str | None] = mapped_column(String(60))
    register_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    register_year: Mapped[int | None]
    register_seq: Mapped[int | None]
    name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    # A re-issued (corrected) result links the one it replaces; the replaced one stays, marked by its successor.
    # Ids, not foreign keys: SQLite adds and drops them without rebuilding this table (migration 0012).
    replaces_id: Mapped[int | None]
    replaced_by_id: Mapped[int | None]
    # pending_signature: rendered, its signer has not signed yet (shown to officers only); signed: final as
    # stored; replaced: superseded by a correction; withdrawn: its request withdrawn (engine.data.signing_model)
    state: Mapped[str] = mapped_column(String(20), default="signed", server_default="signed")
    # A filing file: the account that attached it, whose store it enters when the dossier is another's (D4, D24;
    # engine.cases.attachments). NULL: not a filing, or unknown (migration 0037). An id, as replaces_id (0012).
    uploaded_by_id: Mapped[int | None]


class Letter(Base):
    """An apology letter (Mẫu 04, D20): one per event, combining every fault that coincides."""

    __tablename__ = "letter"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    reason: Mapped[str] = mapped_column(Text)
    faults: Mapped[list[Any]] = mapped_column(default=list)
    issued_at: Mapped[datetime] = mapped_column(index=True)  # a period's events (engine.reports)
    new_due_at: Mapped[datetime | None]
    signer_name: Mapped[str] = mapped_column(String(255), default="")
    signer_role: Mapped[str] = mapped_column(String(30), default="")
    violation: Mapped[bool] = mapped_column(default=False, server_default=false())
    document_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"))


class Extension(Base):
    """A re-appointment (gia hạn, D17–D18): requested, confirmed by the department, then by the centre."""

    __tablename__ = "extension"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    requested_at: Mapped[datetime]
    requested_by: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    working_minutes: Mapped[int]
    reason: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(20))  # requested / department_confirmed / confirmed / rejected
    new_due_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(index=True)  # a period's events (engine.reports)


from engine.data.operations_model import Incident  # noqa: E402,F401  (incidents with their state)


class SupplementRequest(Base):
    """A request to supplement (D10–D11): its items, its stage and, for a second one, the reason."""

    __tablename__ = "supplement_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(ForeignKey("dossier.id"), index=True)
    at: Mapped[datetime] = mapped_column(index=True)  # a period's events (engine.reports)
    stage: Mapped[str] = mapped_column(String(20))  # intake / processing
    items: Mapped[list[Any]]
    second_reason: Mapped[dict[str, Any] | None] = mapped_column(nullable=True)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    answered_at: Mapped[datetime | None]


class CalendarOverride(Base):
    """The administrator's calendar table: a day off, a make-up working day, or a package holiday cancelled, for
    the whole province or for one agency and the agencies below it."""

    __tablename__ = "calendar_override"
    # One row a day for the province (agency NULL) and one a day per agency (its subtree, D29)
    __table_args__ = (Index("uq_calendar_override_agency_day", "agency_id", "day", unique=True),
                      Index("uq_calendar_override_province_day", "day", unique=True,
                            sqlite_where=text("agency_id IS NULL"), postgresql_where=text("agency_id IS NULL")))
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date]
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    kind: Mapped[str] = mapped_column(String(10))  # off / working / not_off
    name: Mapped[str] = mapped_column(String(255))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]


class DocumentSignature(Base):
    """One signature found in a document, as verified when the document was stored (D9, D22)."""

    __tablename__ = "document_signature"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("document.id"), index=True)
    field: Mapped[str] = mapped_column(String(100))
    signer: Mapped[str] = mapped_column(String(255))
    organisation: Mapped[str | None] = mapped_column(String(255))
    signed_at: Mapped[datetime | None]
    valid: Mapped[bool]
    status: Mapped[str] = mapped_column(String(20))
    message: Mapped[str] = mapped_column(Text)
    checked_at: Mapped[datetime]
    # Until when that verdict holds for these very bytes: the certificate's end (or, for a signature whose
    # timestamp proves its time, the far future); None: not known (verified before migration 0026).
    valid_until: Mapped[datetime | None]


page_indexes.declare(Dossier, WorkItem, User)
