"""Administering the province's tree (D29): creating, renaming, moving, closing agencies, their office hours and
seal, and listing the part of the tree an administrator holds. Every change is audited in its transaction.

Who may: a province administrator anywhere, an agency administrator inside their own subtree
(engine.cases.administration). An agency outside the caller's subtree is "not found" when read, so that its
existence is not told; naming one as a new parent is refused (403).
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, exists, func, or_, select, text
from sqlalchemy.orm import Session, aliased

from engine.cases import administration
from engine.core.collation import vn_sort_key
from engine.core.calendar import spans_in_order
from engine.core.errors import Conflict, Forbidden, Invalid, NotFound
from engine.data import agencies, calendars
from engine.data.agency_model import AGENCY_LEVELS, Agency, ProcedureOffer
from engine.data.model import OPEN_DOSSIER, Dossier, Procedure, ProcedureVersion, User
from engine.law.statuses import TERMINAL
from engine.process.forms import clean_name, clean_text, name_error, unchanged

# an electronic id of QĐ 20/2020 (000.00.06.H56): groups of capitals and digits joined by single dots, at most 35
# characters; it starts every dossier code (D6), where "000..00" or "000.00." would be read as another id
CODE_RE = re.compile(r"[0-9A-Z](?:[0-9A-Z]|\.(?=[0-9A-Z])){0,34}\Z")
CODE_PATTERN = "^[0-9A-Z](?:[0-9A-Z]|\\.(?=[0-9A-Z])){0,34}$"
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SPAN_RE = re.compile(r"([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]\Z")
SPAN_PATTERN = "^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"
PAGE = 50
SYMBOL_RE = re.compile(r"[0-9A-ZĐ][0-9A-ZĐ-]{0,19}\Z")  # "UBND", "STC", "CAT-PC06": NĐ 30/2020's abbreviations
SYMBOL_PATTERN = "^[0-9A-ZĐ][0-9A-ZĐ-]{0,19}$"
HOURS_DIFFER = ("Giờ làm việc phải giống nhau từ thứ Hai đến thứ Sáu: thời hạn giải quyết tính theo một ngày làm việc "
                "chung cho các ngày trong tuần; giờ thứ Bảy, Chủ nhật chỉ để công dân biết, không tính vào thời hạn")
CLOSED_PARENT = "Cơ quan cấp trên này đã ngừng hoạt động"
SYMBOL_ERROR = "Chữ viết tắt tên cơ quan: chữ in hoa, chữ số và dấu '-', tối đa 20 ký tự (ví dụ STC)"


def describe(agency: Agency, parent_code: str | None) -> dict[str, Any]:
    return {"id": agency.code, "name": agency.name, "level": agency.level, "parent": parent_code,
            "address": agency.address, "office_hours": agency.office_hours, "seal_name": agency.seal_name,
            "symbol": agency.symbol, "active": agency.active, "depth": max(0, (agency.path or "/").count("/") - 2)}


def describe_one(session: Session, agency: Agency) -> dict[str, Any]:
    parent = session.get(Agency, agency.parent_id) if agency.parent_id is not None else None
    return describe(agency, parent.code if parent is not None else None)


def visible(session: Session, user: User, code: Any) -> Agency:
    """The agency ``code`` if ``user`` administers it; otherwise (or unknown) NotFound."""
    agency = agencies.by_code(session, code) if isinstance(code, str) else None
    if agency is None or not administration.may_administer(session, user, agency):
        raise NotFound("Không tìm thấy cơ quan", code="agency_not_found")
    return agency


def page(session: Session, user: User, after: str | None = None, limit: int = PAGE) -> tuple[list[dict], str | None]:
    """One page of the caller's subtree in tree order (by path: each agency right after its parent), and the
    cursor of the next page (the last agency's id) or None. Reads only the subtree (an indexed prefix)."""
    parent = aliased(Agency)
    query = (select(Agency, parent.code).outerjoin(parent, parent.id == Agency.parent_id)
             .where(Agency.id.in_(administration.agency_ids(session, user))).order_by(Agency.path))
    if after:
        last = agencies.by_code(session, after)
        if last is None or not administration.may_administer(session, user, last):
            raise Invalid("Con trỏ trang không hợp lệ", fields={"after": "Mã một cơ quan của trang trước"})
        query = query.where(Agency.path > last.path)
    rows = session.execute(query.limit(limit + 1)).all()
    shown = [describe(a, code) for a, code in rows[:limit]]
    return shown, (shown[-1]["id"] if len(rows) > limit else None)


def count(session: Session, user: User) -> int:
    return session.scalar(select(func.count(Agency.id)).where(Agency.id.in_(administration.agency_ids(session, user))))


def choices(session: Session, user: User, limit: int = 500) -> list[Agency]:
    """Agencies the caller may put things under (forms' lists), in tree order."""
    return list(session.scalars(select(Agency).where(Agency.id.in_(administration.agency_ids(session, user)))
                                .order_by(Agency.path).limit(limit)))


# The office hours the API takes (an object of mon..sun); the web form, which takes a line a day, says its own
# words (engine/web/admin_staff.py)
HOURS_NO_WEEKDAY = ("Giờ làm việc phải ghi giờ của các ngày thứ Hai đến thứ Sáu: thời hạn giải quyết tính theo "
                    "các ngày đó; giờ thứ Bảy, Chủ nhật chỉ ghi thêm")
SHORTEST_DAY = 240  # minutes: a working day of the weekdays, at least a half day (4 hours)
HOURS_SHORT = "Giờ làm việc mỗi ngày từ thứ Hai đến thứ Sáu phải từ 4 giờ trở lên"


def _minutes(spans: list[str]) -> int:
    """The minutes of one day's spans ("07:30-11:30", already well formed and in order)."""
    return sum((int(s[6:8]) * 60 + int(s[9:11])) - (int(s[:2]) * 60 + int(s[3:5])) for s in spans)


HOURS_FORMAT = ("Giờ làm việc: mỗi ngày (mon–sun) tối đa 4 khoảng giờ dạng 07:30-11:30, theo thứ tự trong ngày, "
                "không chồng lên nhau")


def _office_hours(value: Any, errors: dict) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or any(day not in DAYS for day in value) or any(
            not isinstance(spans, list) or len(spans) > 4 or
            any(not isinstance(s, str) or not SPAN_RE.match(s) for s in spans) or not spans_in_order(spans)
            for spans in value.values()):
        errors["office_hours"] = HOURS_FORMAT
        return None
    weekdays = [value[day] for day in DAYS[:5] if day in value]
    if value and not weekdays:  # Saturday or Sunday alone: the weekdays silently kept the default hours
        errors["office_hours"] = HOURS_NO_WEEKDAY
        return None
    if weekdays and _minutes(weekdays[0]) < SHORTEST_DAY:  # a one-minute day counted an hours deadline for decades
        errors["office_hours"] = HOURS_SHORT
        return None
    if len({tuple(value[day]) for day in DAYS[:5] if day in value}) > 1:
        # D14, D16: the calendar counts one working day, Monday to Friday, for the agency (a working-day deadline
        # keeps the clock time of intake); other hours on one weekday were stored, shown and counted as the others'
        errors["office_hours"] = HOURS_DIFFER
        return None
    return {day: list(value[day]) for day in DAYS if day in value}


def _optional(data: dict, key: str, limit: int, errors: dict, label: str) -> str | None:
    value = data.get(key)
    if value is None:  # null: none (an empty text is refused, as the schema says)
        return None
    general = f"{label}: tối đa {limit} ký tự, không có ký tự điều khiển"
    if key == "seal_name":  # the name the seal bears, a name as the agency's own is (at least two letters)
        text = clean_name(value, max_length=limit)
        if text is None:
            errors[key] = name_error(value, label, general, max_length=limit)
        return text
    text = clean_text(value, max_length=limit, min_length=1)
    if text is None:
        errors[key] = general
    return text


def _symbol(value: Any, errors: dict) -> str | None:
    """The agency's abbreviation in its documents' symbols (None: none, the procedures' own)."""
    if value is None:
        return None
    if not isinstance(value, str) or not SYMBOL_RE.match(value):
        errors["symbol"] = SYMBOL_ERROR
        return None
    return value


def _parent(session: Session, code: Any, errors: dict) -> Agency | None:
    if code is None:
        return None
    parent = agencies.by_code(session, code) if isinstance(code, str) else None
    if parent is None:
        errors["parent"] = "Không có cơ quan cấp trên với mã này"
    return parent


def create(session: Session, now: datetime, actor: User | None, data: dict) -> Agency:
    """A new agency under ``data["parent"]`` (None: a root, for a province administrator only)."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    errors: dict[str, str] = {}
    code = data.get("id")
    if not isinstance(code, str) or not CODE_RE.match(code):
        errors["id"] = "Mã định danh điện tử: chữ in hoa, chữ số và dấu chấm (ví dụ 000.00.06.H56)"
    name = clean_name(data.get("name"))
    if name is None:
        errors["name"] = name_error(data.get("name"), "Tên cơ quan", "Tên cơ quan là bắt buộc (2–255 ký tự)")
    level = data.get("level")
    if level not in AGENCY_LEVELS:
        errors["level"] = "Cấp: province, centre, department hoặc commune"
    parent = _parent(session, data.get("parent"), errors)
    if level == "province" and data.get("parent"):
        errors["level"] = "Cấp tỉnh là gốc của cây, không có cơ quan cấp trên"
    if parent is not None and not parent.active:
        errors["parent"] = CLOSED_PARENT
    address = _optional(data, "address", 500, errors, "Địa chỉ")
    seal = _optional(data, "seal_name", 255, errors, "Tên trên con dấu")
    symbol = _symbol(data.get("symbol"), errors)
    hours = _office_hours(data.get("office_hours"), errors)
    if errors:
        raise Invalid("Thông tin cơ quan chưa hợp lệ", fields=errors)
    if actor is not None:
        if parent is None:
            if administration.scope(session, actor) is not None:
                raise Forbidden("Chỉ quản trị viên cấp tỉnh được tạo cơ quan gốc.", code="outside_your_agencies")
        else:
            administration.require(session, actor, parent)
    if agencies.by_code(session, code) is not None:
        raise Conflict("Đã có cơ quan với mã định danh này", code="agency_exists", fields={"id": "Đã tồn tại"})
    agency = Agency(code=code, name=name, level=level, address=address, office_hours=hours, seal_name=seal,
                    symbol=symbol, active=True)
    agencies.place(session, agency, parent)
    calendars.hours_changed(session)  # its calendar (its hours, or those above it) is read anew after the commit
    administration.audit(session, now, actor, "agency.create", "agency", code, agency, name=name, level=level,
                         parent=parent.code if parent is not None else None)
    return agency


CHANGEABLE = ("name", "level", "parent", "address", "office_hours", "seal_name", "symbol", "active")


def update(session: Session, now: datetime, actor: User | None, code: Any, data: dict) -> Agency:
    """Rename, move (under another agency of the caller's subtree), office hours, seal, open or close."""
    if not isinstance(data, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    agency = visible(session, actor, code) if actor is not None else agencies.by_code(session, code)
    if agency is None:
        raise NotFound("Không tìm thấy cơ quan", code="agency_not_found")
    errors: dict[str, str] = {}
    changes: dict[str, list] = {}
    # a value sent back as it is stored is no change and is not checked again: a page's form sends every field, and
    # an agency stored before a rule became stricter (hours differing between weekdays, a hidden character in a
    # name) stays editable in its other fields; the parent, sent as a code and stored as a relation, is always read
    data = {k: v for k, v in data.items() if k == "parent" or not unchanged(v, getattr(agency, k, None))}
    if "name" in data:
        name = clean_name(data["name"])
        if name is None:
            errors["name"] = name_error(data["name"], "Tên cơ quan", "Tên cơ quan là bắt buộc (2–255 ký tự)")
        elif name != agency.name:
            changes["name"] = [agency.name, name]
    if "level" in data:
        if data["level"] not in AGENCY_LEVELS:
            errors["level"] = "Cấp: province, centre, department hoặc commune"
        elif data["level"] != agency.level:
            changes["level"] = [agency.level, data["level"]]
    for key, limit, label in (("address", 500, "Địa chỉ"), ("seal_name", 255, "Tên trên con dấu")):
        if key in data:
            value = _optional(data, key, limit, errors, label)
            if key not in errors and value != getattr(agency, key):
                changes[key] = [getattr(agency, key), value]
    if "symbol" in data:
        symbol = _symbol(data["symbol"], errors)
        if "symbol" not in errors and symbol != agency.symbol:
            changes["symbol"] = [agency.symbol, symbol]
    if "office_hours" in data:
        hours = _office_hours(data["office_hours"], errors)
        if "office_hours" not in errors and hours != agency.office_hours:
            changes["office_hours"] = [agency.office_hours, hours]
    if "active" in data:
        if not isinstance(data["active"], bool):
            errors["active"] = "true hoặc false"
        elif data["active"] != agency.active:
            changes["active"] = [agency.active, data["active"]]
    parent = None
    if "parent" in data:
        parent = _parent(session, data["parent"], errors)
        old_parent = session.get(Agency, agency.parent_id) if agency.parent_id is not None else None
        if "parent" not in errors and (parent.id if parent else None) != agency.parent_id:
            if parent is not None and agencies.holds(agency, parent):
                errors["parent"] = "Không thể đặt cơ quan dưới chính nó hoặc cơ quan cấp dưới của nó"
            elif parent is not None and not parent.active and changes.get("active", [None, agency.active])[1]:
                errors["parent"] = CLOSED_PARENT
            else:
                changes["parent"] = [old_parent.code if old_parent else None, parent.code if parent else None]
    new_level = changes.get("level", [None, agency.level])[1]
    new_parent = changes["parent"][1] if "parent" in changes else (agency.parent_id is not None)
    if new_level == "province" and new_parent:
        errors["level"] = "Cấp tỉnh là gốc của cây, không có cơ quan cấp trên"
    if errors:
        raise Invalid("Thông tin cơ quan chưa hợp lệ", fields=errors)
    if "parent" in changes and actor is not None:
        if parent is None:
            if administration.scope(session, actor) is not None:
                raise Forbidden("Chỉ quản trị viên cấp tỉnh được đặt cơ quan làm gốc.", code="outside_your_agencies")
        else:
            administration.require(session, actor, parent)
        root = administration.scope(session, actor)
        if root is not None and root.id == agency.id:
            raise Forbidden("Không thể chuyển cơ quan gốc của phạm vi quản trị của bạn.", code="outside_your_agencies")
    if not changes:
        return agency
    if changes.get("active") == [False, True] and "parent" not in changes and agency.parent_id is not None:
        above = session.get(Agency, agency.parent_id)
        if not above.active:
            raise Conflict(f"{above.name} (cơ quan cấp trên) đã ngừng hoạt động: hãy mở lại cơ quan cấp trên hoặc "
                           "chuyển cơ quan này sang cơ quan cấp trên khác trước.", code="agency_parent_closed",
                           fields={"parent": CLOSED_PARENT})
    if changes.get("active") == [True, False]:
        _refuse_closing_parent(session, agency)
        _refuse_closing_processing(session, agency)
        _refuse_closing_answering(session, agency)
    for key in ("name", "level", "address", "office_hours", "seal_name", "symbol", "active"):
        if key in changes:
            setattr(agency, key, changes[key][1])
    if "parent" in changes:
        agencies.place(session, agency, parent)
    if "office_hours" in changes or "parent" in changes:  # the calendars of it and below it (D14, D29)
        calendars.hours_changed(session)
    session.flush()
    administration.audit(session, now, actor, "agency.update", "agency", agency.code, agency,
                         changes={k: {"from": v[0], "to": v[1]} for k, v in changes.items()})
    return agency


def _refuse_closing_parent(session: Session, agency: Agency, shown: int = 10) -> None:
    """409 when agencies under ``agency`` are still open (D29: the tree the province's administration, its
    statistics and its administrators' scopes hang on): the province itself, a centre with its branches, a
    department with its units. Those are closed, or moved under another agency, first; the message names them."""
    # an agency's direct units (a few dozen at most): all read, the first ``shown`` in Vietnamese order named
    names = sorted(session.scalars(select(Agency.name).where(Agency.parent_id == agency.id, Agency.active.is_(True))),
                   key=vn_sort_key)
    if not names:
        return
    listed = ", ".join(names[:shown]) + (" và các cơ quan khác" if len(names) > shown else "")
    raise Conflict(f"{agency.name} còn cơ quan cấp dưới đang hoạt động: {listed}. Hãy ngừng hoạt động hoặc chuyển "
                   "các cơ quan này sang cơ quan cấp trên khác trước khi ngừng hoạt động cơ quan.",
                   code="agency_has_open_agencies")


def _refuse_closing_processing(session: Session, agency: Agency, shown: int = 10) -> None:
    """409 when ``agency`` processes the dossiers of active offers (D29): closed, its tasks would land where no
    officer works; the administrator names another processing agency in those offers first. The message lists
    the procedures and their receiving agencies (the first ``shown``, and how many more)."""
    receiving = aliased(Agency)
    rows = session.execute(
        select(Procedure.code, receiving.name).select_from(ProcedureOffer)
        .join(Procedure, Procedure.id == ProcedureOffer.procedure_id)
        .join(receiving, receiving.id == ProcedureOffer.agency_id)
        .where(ProcedureOffer.processing_agency_id == agency.id, ProcedureOffer.active.is_(True))
        .order_by(Procedure.code, receiving.name).limit(shown + 1)).all()
    if not rows:
        return
    listed = "; ".join(f"thủ tục {code} tiếp nhận tại {name}" for code, name in rows[:shown])
    if len(rows) > shown:
        more = session.scalar(select(func.count()).select_from(ProcedureOffer).where(
            ProcedureOffer.processing_agency_id == agency.id, ProcedureOffer.active.is_(True))) - shown
        listed += f"; và {more} nơi cung cấp khác"
    raise Conflict(f"{agency.name} đang là cơ quan xử lý hồ sơ của: {listed}. Hãy đổi cơ quan xử lý của các nơi "
                   "cung cấp thủ tục này trước khi ngừng hoạt động cơ quan.", code="agency_processes_offers")


def _refuse_closing_answering(session: Session, agency: Agency, shown: int = 10) -> None:
    """409 when ``agency`` answers liên thông hand-overs (D33, D29): a sub-dossier still open there (its officers
    must answer it, or the sending agency's dossier waits for ever), or a procedure version in use (the current
    one, or one with open dossiers) whose hand-over step names it (the next hand-over would land where no officer
    works). Indexed reads: the agency's dossiers (by agency), the versions with open dossiers (the partial index
    ix_dossier_version_open, hence its very condition), their stored catalogue entry pre-filtered on the code."""
    parts = list(session.scalars(
        select(Dossier.code).where(Dossier.agency_id == agency.id, Dossier.parent_id.is_not(None),
                                   Dossier.status.not_in(TERMINAL)).order_by(Dossier.id).limit(shown + 1)))
    in_use = or_(ProcedureVersion.id == Procedure.latest_version_id, exists(
        select(Dossier.id).where(Dossier.procedure_version_id == ProcedureVersion.id, text(OPEN_DOSSIER))))
    rows = session.execute(
        select(Procedure.code, ProcedureVersion.version, ProcedureVersion.info)
        .join(Procedure, Procedure.id == ProcedureVersion.procedure_id)
        .where(in_use, cast(ProcedureVersion.info, String).like(f"%{agency.code}%"),
               cast(ProcedureVersion.info, String).like('%"handover"%'))
        .order_by(Procedure.code, ProcedureVersion.version)).all()
    callers = sorted({code for code, _version, info in rows for step in (info or {}).get("steps", ())
                      if (step.get("handover") or {}).get("agency") == agency.code})
    if not parts and not callers:
        return
    said = []
    if parts:
        listed = ", ".join(parts[:shown]) + (" và các hồ sơ khác" if len(parts) > shown else "")
        said.append(f"đang xử lý phần liên thông của hồ sơ {listed}")
    if callers:
        listed = ", ".join(callers[:shown]) + (" và các thủ tục khác" if len(callers) > shown else "")
        said.append(f"là cơ quan nhận liên thông của thủ tục {listed}")
    raise Conflict(f"{agency.name} {'; '.join(said)}. Hãy chờ các hồ sơ liên thông được trả kết quả (hoặc dừng hồ "
                   "sơ gốc) và triển khai phiên bản thủ tục chuyển liên thông đến cơ quan khác trước khi ngừng hoạt "
                   "động cơ quan.", code="agency_answers_handovers")
