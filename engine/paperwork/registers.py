"""Records built from the audit trail and the dossiers: the processing-control slip (D30; TT 01/2018 Mẫu 05,
TT 03/2025 Mẫu 06) and the dossier register (D31; Mẫu 06 / 07), as PDF and XLSX (openpyxl lives here only).

The slip has one row per hand-over: every completed step (filing, each officer's action, the citizen's
supplement, the return of the result), from that step and its actor to the next step and its actor. Its
result column judges the step that hands over against its own time limit (AuditEvent.due_at), in Vietnam
time: after the due instant "Quá hạn"; on the due's calendar day, at or before the due instant "Đúng hạn";
on an earlier calendar day "Trước hạn". Filing and the citizen's supplement have no limit of their own.
"""
from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Iterator
from datetime import date, datetime, time, timedelta

from sqlalchemy import exists, func, literal, select, tuple_
from sqlalchemy.orm import Session, lazyload, selectinload

from engine.data import audit
from engine.core import sheets, vocabulary
from engine.core.clock import VN_TZ
from engine.core.vocabulary import vn_time
from engine.data.handover_model import Handover as Link
from engine.data.model import Agency, AuditEvent, Dossier, Letter, ProcedureVersion, User, WorkItem
from engine.data.signing_model import SigningRequest
from engine.law import lateness
from engine.law.statuses import TERMINAL, Status
from engine.paperwork.register_pdf import Rows as PdfRows, refuse as refuse_pdf
from engine.paperwork.officialforms import (
    CONTROL_SLIP, REGISTER, applicant_name, contact, party, regime_at, regime_of, render_form, when)
from engine.core.settings import Settings

HANDOVER_ACTIONS = audit.HANDOVER_ACTIONS  # the actions a control slip lists as hand-overs

EARLY, ON_TIME, LATE, NO_LIMIT = "Trước hạn", "Đúng hạn", "Quá hạn", "Không có thời hạn riêng"
WORDS = {lateness.EARLY: EARLY, lateness.ON_TIME: ON_TIME, lateness.LATE: LATE, None: NO_LIMIT}
RULE = ("Kết quả giải quyết được đánh giá theo thời hạn riêng của bước giao hồ sơ: hoàn thành sau thời điểm hết "
        "hạn là Quá hạn; trong ngày hết hạn, trước hoặc đúng thời điểm hết hạn là Đúng hạn; hoàn thành từ ngày "
        "trước ngày hết hạn là Trước hạn.")


def timeliness(done: datetime, due: datetime | None) -> str:
    """The control slip's verdict for a step completed at ``done`` with its own limit ``due`` (the law's,
    engine.law.lateness.timeliness, in the slip's words)."""
    return WORDS[lateness.timeliness(done, due)]


def _short(t: datetime | None) -> str:
    return vn_time(t, "clock")


@dataclass
class Handover:
    giver: str
    receiver: str
    at: datetime
    due: datetime | None
    result: str
    note: str


PARTNER = "Cơ quan phối hợp giải quyết"  # the agency a liên thông hand-over went to (D33)
SENDER = "Cơ quan chuyển hồ sơ liên thông"  # on a sub-dossier's slip: the agency that handed it over
ONE_STOP = "Bộ phận tiếp nhận và trả kết quả"
BY_POST = " (qua bưu chính)"  # after the applicant's name: the dossier came by public post (D5)


def _step(event: AuditEvent) -> str:
    """The step that hands over: filing, the task's name, its step kind's title, else what was done (a withdrawal
    or a stop records no step)."""
    if event.action == "file":
        return "Nộp hồ sơ"
    if event.task_name:
        return event.task_name
    if event.step in vocabulary.STEPS:
        return vocabulary.STEPS[event.step].title
    return vocabulary.ACTIONS[event.action].done if event.action in vocabulary.ACTIONS else event.action


def _last_receiver(session: Session, dossier: Dossier, sender: str | None) -> str:
    items = list(session.scalars(select(WorkItem).where(WorkItem.dossier_id == dossier.id).order_by(WorkItem.id)))
    citizen = f"Tổ chức, cá nhân: {dossier.owner_name}" if sender is None else f"{SENDER}: {sender}"
    if not items or any(i.step == "supplement" for i in items):
        return citizen
    return "; ".join(f"{i.name}: {i.assignee.full_name if i.assignee else vocabulary.ROLES.get(i.role, i.role)}"
                     for i in items)


def handovers(session: Session, dossier: Dossier) -> list[Handover]:
    """The hand-overs of a dossier, from its audit trail, oldest first.

    Liên thông (D33) names the agencies, not "the system" that moved the dossier: the parent's hand-over goes from
    its resolving agency to the partner agency, the answer comes back from that agency; a sub-dossier is filed
    by, and its result returned to, the agency that handed it over; the steps the engine takes on it itself
    (receiving it, returning its result) are the agency's own, named by it."""
    events = [e for e in audit.history(session, dossier.id) if e.action in HANDOVER_ACTIONS]
    links = session.execute(select(Link.agency_id, Link.document_id, Agency.code, Agency.name)
                            .join(Agency, Agency.id == Link.agency_id).where(Link.parent_id == dossier.id)).all()
    by_code = {code: name for _id, _doc, code, name in links}
    by_document = {doc: name for _id, doc, _code, name in links if doc is not None}
    parent = session.get(Dossier, dossier.parent_id) if dossier.parent_id is not None else None
    sender = session.get(Agency, parent.resolving_agency_id).name if parent is not None else None
    own = session.get(Agency, dossier.resolving_agency_id).name if links else None
    # A desk or postal filing is recorded by the receiving officer (the event's actor): the applicant gave it
    filer = applicant_name(dossier) + (BY_POST if dossier.channel == "post" else "")

    def recorded(event: AuditEvent) -> bool:
        """A supplement the receiving officer recorded (D5, D10: the paper handed in at the desk or sent by post)."""
        if event.action != "supplement" or event.actor_id is None:
            return False
        return "citizen" not in session.get(User, event.actor_id).roles

    def giver(event: AuditEvent) -> str:
        data = event.data or {}
        if event.action == "hand_back" and data.get("document") in by_document:
            return f"{PARTNER}: {by_document[data['document']]}"
        if event.action == "hand_over" and own is not None:
            return f"{_step(event)}: {own}"
        if event.action == "file" and sender is not None:
            return f"{SENDER}: {sender}"
        if event.action == "file" or recorded(event):  # the applicant hands the paper in, not the officer
            return f"{_step(event)}: {filer}"
        if event.actor_id is None and sender is not None:  # a sub-dossier's automatic intake or return
            return f"{_step(event)}: {dossier.agency.name}"
        return f"{_step(event)}: {event.actor_name}"

    rows = []
    for i, event in enumerate(events):
        partner = by_code.get((event.data or {}).get("agency")) if event.action == "hand_over" else None
        if partner is not None:
            receiver = f"{PARTNER}: {partner}"
        elif event.action == "withdraw":  # the citizen withdraws at the one-stop that received the dossier
            receiver = f"{ONE_STOP}: {dossier.agency.name}"
        else:
            receiver = giver(events[i + 1]) if i + 1 < len(events) else _last_receiver(session, dossier, sender)
        note = vocabulary.ACTIONS[event.action].done
        if recorded(event):  # the officer who recorded it is named only here: the paper was the applicant's
            note += f" (ghi nhận: {event.actor_name})"
        due = None if event.step == "return" and event.due_at == dossier.due_at else event.due_at  # D19, 0041
        rows.append(Handover(giver(event), receiver, event.at, due, timeliness(event.at, due), note))
    return rows


def partners(session: Session, dossier: Dossier) -> str:
    """Liên thông (D33): each agency the dossier was handed to, with its share of the processing time, its due
    instant and when it answered, judged like a step (the parent's own agency keeps the rest of the time)."""
    rows = session.execute(select(Link, Agency.name).join(Agency, Agency.id == Link.agency_id)
                           .where(Link.parent_id == dossier.id).order_by(Link.id)).all()
    if not rows:
        return "Không có"
    unit = {"working_day": "ngày làm việc", "working_hour": "giờ làm việc", "calendar_day": "ngày"}
    return "; ".join(
        f"{name}: phần thời gian {h.share:g} {unit.get(h.share_unit, h.share_unit)}, nhận {_short(h.handed_at)}, "
        f"hạn {_short(h.due_at)}, "
        + (f"trả kết quả {_short(h.returned_at)} ({timeliness(h.returned_at, h.due_at)})" if h.returned_at
           else "đang giải quyết") for h, name in rows)


def control_slip(session: Session, settings: Settings, dossier: Dossier, now: datetime,
                 processing: Agency | None = None) -> bytes:
    """Phiếu kiểm soát quá trình giải quyết hồ sơ (D30) as a PDF, numbered by the dossier's regime: the receiving
    agency's slip, naming ``processing`` (engine.cases.offers.agency_for(dossier, "seal"); None: the receiving
    agency) as the agency that resolves the dossier."""
    info = party(dossier)
    owner = dossier.owner_name
    applicant = owner if owner == info["applicant"] else f"{owner} (người nộp: {info['applicant']})"
    values = {**info, "applicant": applicant, "agency": (processing or dossier.agency).name,
              "partners": partners(session, dossier), "status": Status(dossier.status).label, "rule": RULE,
              "handovers": [(f"1. Giao: {h.giver}\n2. Nhận: {h.receiver}", when(h.at),
                             h.result + (f"\n(hạn của bước: {_short(h.due)})" if h.due else ""), h.note)
                            for h in handovers(session, dossier)]}
    return render_form(settings, CONTROL_SLIP, values, regime_of(dossier, _issued_at(session, dossier, now)), dossier,
                       dossier.agency.name, now)


def _issued_at(session: Session, dossier: Dossier, now: datetime) -> datetime:
    """The instant whose rules the slip of a dossier not received follows, as the forms issued to it do
    (officialforms.regime_of): the last event of one that ended unreceived (refused, withdrawn), else now."""
    if dossier.received_at is None and dossier.status in TERMINAL:
        return session.scalar(select(func.max(AuditEvent.at)).where(AuditEvent.dossier_id == dossier.id)) or now
    return now


# -- the register (Sổ theo dõi hồ sơ) ---------------------------------------------------------------------------
COLUMNS = (("no", "STT"), ("code", "Mã hồ sơ"), ("procedure", "Tên thủ tục hành chính"),
           ("sets", "Số lượng hồ sơ (bộ)"), ("applicant", "Tên cá nhân, tổ chức"), ("address", "Địa chỉ"),
           ("phone", "Số điện thoại"), ("agency", "Cơ quan chủ trì giải quyết"), ("filed", "Nộp hồ sơ"),
           ("received", "Nhận hồ sơ"),
           ("due", "Hẹn trả kết quả"), ("forwarded", "Chuyển hồ sơ đến cơ quan giải quyết"),
           ("resolved", "Nhận kết quả từ cơ quan giải quyết"), ("returned", "Trả kết quả cho cá nhân, tổ chức"),
           ("status", "Trạng thái"), ("notes", "Ghi chú"))
LABELS = dict(COLUMNS)
HEADER_ROW = 5  # of the XLSX; rows 1-4 are the titles
WIDTHS = {"no": 6, "code": 28, "procedure": 36, "sets": 10, "applicant": 28, "address": 32, "notes": 32}
# The PDF (A4 portrait) groups the columns into three cells, with short labels (None: the value alone);
# the agency is the register's own, printed once above the table.
PDF_GROUPS = ((("code", None), ("procedure", "Thủ tục"), ("applicant", "Người nộp"), ("address", "Địa chỉ"),
               ("phone", "Điện thoại")),
              (("filed", "Nộp"), ("received", "Nhận"), ("due", "Hẹn trả"), ("forwarded", "Chuyển xử lý"),
               ("resolved", "Có kết quả"), ("returned", "Trả kết quả")),
              (("status", None), ("notes", None)))


@dataclass
class RegisterRow:
    no: int
    code: str
    procedure: str
    sets: int
    applicant: str
    address: str
    phone: str
    agency: str
    filed: datetime
    received: datetime | None
    due: datetime | None
    forwarded: datetime | None
    resolved: datetime | None
    returned: datetime | None
    status: str
    notes: str


def _period(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min, VN_TZ), datetime.combine(end + timedelta(days=1), time.min, VN_TZ)


def _notes(dossier: Dossier, letters: int, sender: str | None = None, now: datetime | None = None) -> str:
    # as recorded, judged at resolution (D19), and for an open dossier whose result clock runs, past its due instant
    # when the register is made (``now``; D31: also when the timer service has not recorded it yet)
    late = lateness.is_late(dossier, now)
    handed_back = f"Đã trả kết quả liên thông cho {sender}" if sender and dossier.returned_at else ""
    notes = [handed_back, "Tiếp nhận quá hạn" if dossier.intake_late else "", "Quá hạn" if late else "",
             f"Yêu cầu bổ sung {dossier.supplement_requests} lần" if dossier.supplement_requests else "",
             f"Gia hạn {dossier.extensions} lần" if dossier.extensions else "",
             f"Thư xin lỗi: {letters}" if letters else ""]
    return "; ".join(n for n in notes if n)


def withdrawn_letter():
    """A letter never issued: its signature was withdrawn with the dossier (signing_model.withdraw_personal), so it
    was neither signed nor sent (D20, D31, D32). Its request names it in the payload (engine.paperwork.letters.issue):
    an EXISTS over the dossier's few requests (ix_signing_request_dossier_id)."""
    return exists().where(SigningRequest.dossier_id == Letter.dossier_id, SigningRequest.kind == "apology",
                          SigningRequest.state == "withdrawn",
                          SigningRequest.payload["letter"].as_integer() == Letter.id)


BATCH = 500  # dossiers read at a time: the register of a busy year is never held whole, nor one IN list long


def _in_period(agency_id: int, start: date, end: date):
    lo, hi = _period(start, end)
    return (Dossier.agency_id == agency_id, Dossier.registered_at >= lo, Dossier.registered_at < hi)


def register_count(session: Session, agency_id: int, start: date, end: date) -> int:
    """How many rows the register of the period has (a count over the index range, no row read)."""
    return session.scalar(select(func.count()).select_from(Dossier).where(*_in_period(agency_id, start, end)))


def iter_register_rows(session: Session, agency_id: int, start: date, end: date,
                       now: datetime | None = None) -> Iterator[RegisterRow]:
    """One row per dossier of the agency received (or, not yet received, filed) from ``start`` to ``end``, in
    the order of ``registered_at``; made at ``now`` (the open dossiers past their due then are "Quá hạn"; None: the
    lateness recorded only).

    The period is a range of the indexed ``registered_at``, read BATCH dossiers at a time (keyset, never an
    offset); each batch's forwarding instants, letters and agencies are read with one query each. The procedure
    versions are read once each, not with every row (each row would decode the version's forms and catalogue
    entry again), and held while the rows are made; a batch's dossiers are let go once its rows are made."""
    versions: dict[int, ProcedureVersion] = {}  # held: the rows' versions come from here (the identity map)
    agencies: dict[int, str] = {}
    n, after = 0, None
    while True:
        query = (select(Dossier).where(*_in_period(agency_id, start, end))
                 .options(lazyload(Dossier.procedure_version), selectinload(Dossier.applicant))
                 .order_by(Dossier.registered_at, Dossier.id).limit(BATCH))
        if after is not None:
            query = query.where(tuple_(Dossier.registered_at, Dossier.id)
                                > tuple_(literal(after[0], Dossier.registered_at.type), literal(after[1])))
        dossiers = list(session.scalars(query))
        if not dossiers:
            return
        missing = {d.procedure_version_id for d in dossiers} - set(versions)
        if missing:
            versions.update((v.id, v) for v in session.scalars(
                select(ProcedureVersion).where(ProcedureVersion.id.in_(missing))))
        unnamed = {d.resolving_agency_id for d in dossiers if d.resolving_agency_id != d.agency_id} - set(agencies)
        if unnamed:  # "Cơ quan chủ trì giải quyết": Dossier.resolving_agency_id (the receiving one is loaded)
            agencies.update(session.execute(select(Agency.id, Agency.name).where(Agency.id.in_(unnamed))).all())
        ids = [d.id for d in dossiers]
        forwarded = dict(session.execute(select(AuditEvent.dossier_id, func.min(AuditEvent.at))
                                         .where(AuditEvent.dossier_id.in_(ids), AuditEvent.action == "forward")
                                         .group_by(AuditEvent.dossier_id)).all())
        letters = dict(session.execute(select(Letter.dossier_id, func.count(Letter.id))
                                       .where(Letter.dossier_id.in_(ids), ~withdrawn_letter())
                                       .group_by(Letter.dossier_id)).all())
        # D33: a liên thông sub-dossier's answer goes back to the agency that sent it, never to the citizen
        children = [d.id for d in dossiers if d.parent_id is not None]
        senders = dict(session.execute(select(Link.child_id, Agency.name)
                                       .join(Dossier, Dossier.id == Link.parent_id)
                                       .join(Agency, Agency.id == Dossier.agency_id)
                                       .where(Link.child_id.in_(children))).all()) if children else {}
        for d in dossiers:
            n += 1
            info, applicant = contact(d), applicant_name(d)
            name = d.owner_name if applicant == d.owner_name else f"{d.owner_name} (người nộp: {applicant})"
            procedure = d.procedure_version.procedure
            lead = d.agency.name if d.resolving_agency_id == d.agency_id else agencies[d.resolving_agency_id]
            yield RegisterRow(n, d.code, procedure.name, 1, name, info["address"], info["phone"], lead,
                              d.filed_at, d.received_at, d.due_at, forwarded.get(d.id), d.resolved_at,
                              None if d.parent_id else d.returned_at, Status(d.status).label,
                              _notes(d, letters.get(d.id, 0), senders.get(d.id), now))
        after = (dossiers[-1].registered_at, dossiers[-1].id)
        if len(dossiers) < BATCH:
            return


def register_rows(session: Session, agency_id: int, start: date, end: date,
                  now: datetime | None = None) -> list[RegisterRow]:
    """The register's rows as a list (for a page or a test; the exports stream iter_register_rows)."""
    return list(iter_register_rows(session, agency_id, start, end, now))


def period_text(start: date, end: date) -> str:
    return f"Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y}"


def _cell(value) -> str:
    return _short(value) if isinstance(value, datetime) else str(value)


def group_text(row: RegisterRow, group: tuple[tuple[str, str | None], ...]) -> str:
    lines = [_cell(getattr(row, k)) if label is None else f"{label}: {_cell(getattr(row, k))}"
             for k, label in group if getattr(row, k) not in (None, "")]
    return f"{row.no}. {lines[0]}\n" + "\n".join(lines[1:]) if group is PDF_GROUPS[0] else "\n".join(lines)


def register_pdf(session: Session, settings: Settings, agency_id: int, start: date, end: date,
                 now: datetime) -> bytes:
    """The register as a PDF, numbered by the regime in force at the end of the period; refused past a limit before
    any row is read, then its rows made as the pages take them (engine.paperwork.register_pdf)."""
    refuse_pdf(count := register_count(session, agency_id, start, end))
    agency, rows = session.get(Agency, agency_id), iter_register_rows(session, agency_id, start, end, now)
    texts = PdfRows(count, (tuple(group_text(r, group) for group in PDF_GROUPS) for r in rows))
    values = {"agency": agency.name, "period": period_text(start, end), "count": str(count), "rows": texts}
    return render_form(settings, REGISTER, values, regime_at(end), None, agency.name, now)


def register_xlsx(session: Session, agency_id: int, start: date, end: date, now: datetime | None = None) -> bytes:
    """The register as an Excel workbook: four title rows, the header on row 5, one row per dossier (made at
    ``now``, as iter_register_rows).

    Written row by row (openpyxl's write-only mode): the text of a row is plain values, the instants share one
    named style (their date format); the sheet is never held whole in memory."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, NamedStyle
    from openpyxl.utils import get_column_letter

    agency = session.get(Agency, agency_id)
    regime = regime_at(end)
    count = register_count(session, agency_id, start, end)
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Sổ theo dõi hồ sơ")
    wrap = Alignment(wrap_text=True, vertical="top")
    text_style = NamedStyle("register_text", alignment=wrap)
    date_style = NamedStyle("register_date", number_format="dd/mm/yyyy hh:mm")
    book.add_named_style(text_style)
    book.add_named_style(date_style)
    for col, (key, _label) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(col)].width = WIDTHS.get(key, 18)
    sheet.freeze_panes = f"A{HEADER_ROW + 1}"
    last = get_column_letter(len(COLUMNS))
    sheet.auto_filter.ref = f"A{HEADER_ROW}:{last}{HEADER_ROW + count}"

    def cell(value, style=None, font=None):
        c = sheets.text_cell(WriteOnlyCell(sheet, value=value))  # a citizen's text is never a formula
        if style is not None:
            c.style = style
        if font is not None:
            c.font = font
        return c

    bold = Font(bold=True)
    titles = [agency.name, REGISTER.title.upper(), REGISTER.label(regime), period_text(start, end)]
    for i, title in enumerate(titles, 1):
        sheet.append([cell(title, font=bold if i <= 2 else None)])
    header = [cell(label, "register_text", bold) for _key, label in COLUMNS]
    sheet.append(header)
    for row in iter_register_rows(session, agency_id, start, end, now):  # plain values; instants: the date format
        sheet.append([cell(value.astimezone(VN_TZ).replace(tzinfo=None), "register_date")
                      if isinstance(value, datetime) else cell(value) if sheets.risky(value) else value
                      for value in (getattr(row, key) for key, _label in COLUMNS)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
