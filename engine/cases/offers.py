"""One catalogue, many offers (D29): which agencies offer a procedure, with their own settings, and which of
them receives a dossier being filed.

A procedure is published once; each agency that offers it has a ``ProcedureOffer`` row: the agency receives
dossiers (its electronic id starts their codes, its calendar counts their deadlines), another agency may
process them (``processing_agency``), and the agency's settings hold the amounts of the fees the procedure
lets agencies set (``feeLocal.<key>``) and its office hours for the procedure. Replacing the list of offers
keeps every offer with open dossiers (it is ended, never deleted); every change is audited.
"""
from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from engine.cases import administration
from engine.core.collation import vn_sort_key
from engine.core.calendar import spans_in_order
from engine.core.errors import Forbidden, Invalid, NotFound
from engine.data import agencies
from engine.data.agency_model import AGENCY_LEVELS, Agency, ProcedureOffer
from engine.data.model import Dossier, Procedure, ProcedureVersion, User
from engine.law.statuses import TERMINAL
from engine.process import fees as fees_mod

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d$")
MAX_OFFERS = 2000  # one procedure offered by every agency of a large province, with room to spare
MAX_PAGE = 500
# What ``describe`` (GET) adds to an offer beside what a PUT sets: a PUT of what GET answered is accepted,
# these read-only members ignored (they follow from the agencies named)
READ_ONLY = frozenset({"name", "level", "processing_agency_name"})


# -- which agency, for what ------------------------------------------------------------------------------------
PURPOSES = ("calendar", "seal", "receipt", "watch")


def agency_for(dossier: Dossier, purpose: str) -> int:
    """The id of the agency that answers for ``dossier`` in ``purpose`` (one rule, here):

    - ``calendar``: the receiving agency, whose working calendar counts the deadlines the citizen is given
      (D6, D14; engine.cases.dossiers.calendar_of, engine.cases.replanning);
    - ``seal``: the issuing agency, in whose name the dossier's result (and a re-issued result) is written and
      whose seal it carries (D29, D34; engine.cases.issuing): the processing agency its offer names, else the
      receiving agency; never merely the agency that published the procedure (a ward-07 dossier of a procedure
      ward 06 published gets ward 07's result);
    - ``receipt``: the receiving agency, the one-stop shop that received the dossier: its intake forms (Mẫu
      01-03), its fee receipts (engine.paperwork.receipts) are written in its name and sealed with its seal;
    - ``watch``: the processing agency its offer names, else the receiving agency: whose leaders watch the
      processing deadline (engine.cases.watch; the intake's deadline stays with the receiving agency, as its
      work does, engine.cases.dossiers.RECEIVING_STEPS)."""
    if purpose in ("calendar", "receipt"):
        return dossier.agency_id
    if purpose in ("seal", "watch"):
        return dossier.resolving_agency_id
    raise ValueError(f"unknown purpose {purpose!r} (one of {', '.join(PURPOSES)})")


def watched_by(agency_id: int) -> tuple:
    """``agency_for(dossier, "watch") == agency_id`` as two disjoint conditions on Dossier, each a range of an
    index (its own dossiers no other agency processes; the dossiers it processes for another agency)."""
    return ((Dossier.agency_id == agency_id) & Dossier.processing_agency_id.is_(None),
            Dossier.processing_agency_id == agency_id)


# -- reading ------------------------------------------------------------------------------------------------
def procedure_of(session: Session, code: str) -> Procedure:
    proc = session.scalar(select(Procedure).where(Procedure.code == code))
    if proc is None or proc.latest_version_id is None:
        raise NotFound(f"Không tìm thấy thủ tục {code}", code="procedure_not_found")
    return proc


_ACTIVE_OFFERS = (select(ProcedureOffer, Agency).join(Agency, Agency.id == ProcedureOffer.agency_id)  # built once
                  .where(ProcedureOffer.procedure_id == bindparam("procedure_id"), ProcedureOffer.active.is_(True))
                  .order_by(Agency.name, Agency.id))


def active_offers(session: Session, procedure_id: int) -> list[tuple[ProcedureOffer, Agency]]:
    """The active offers of a procedure with their agencies, by agency name (in Vietnamese order): for the lists
    people read; a filing looks its offer up in ``_offer_rows``, unsorted (a hundred wards: 7 ms of sorting)."""
    return sorted(_offer_rows(session, procedure_id), key=lambda row: (vn_sort_key(row[1].name), row[1].id))


def _offer_rows(session: Session, procedure_id: int) -> list[tuple[ProcedureOffer, Agency]]:
    return list(session.execute(_ACTIVE_OFFERS, {"procedure_id": procedure_id}))


def describe(session: Session, proc: Procedure) -> dict:
    """The offers of a procedure as the API shows them: where it may be filed, so an agency closed since (it
    takes no filing, ``receiving``) is left out, as the procedure's page leaves it out (``offering_names``)."""
    rows = [(offer, agency) for offer, agency in active_offers(session, proc.id) if agency.active]
    processing = {a.id: a for a in session.scalars(select(Agency).where(
        Agency.id.in_({o.processing_agency_id for o, _ in rows if o.processing_agency_id is not None})))}
    agencies = []
    for offer, agency in rows:
        item: dict[str, Any] = {"agency": agency.code, "name": agency.name, "level": agency.level,
                                "processing_agency": None, "processing_agency_name": None}
        if offer.processing_agency_id in processing:
            other = processing[offer.processing_agency_id]
            item["processing_agency"], item["processing_agency_name"] = other.code, other.name
        settings = offer.settings or {}
        item["fees"] = dict(settings.get("fees") or {})
        item["office_hours"] = settings.get("office_hours")
        agencies.append(item)
    return {"code": proc.code, "agencies": agencies}


def offered_by(session: Session, agency: Agency | None, limit: int = 100, after: str | None = None
               ) -> list[ProcedureVersion]:
    """The latest versions of the procedures ``agency`` offers (None: every procedure), by code; a page starts
    after the code ``after`` (ix_procedure_offer_agency: the agency's offers are one index range). A closed
    agency offers nothing: it takes no filing (``receiving``, D29)."""
    if agency is not None and not agency.active:
        return []
    query = (select(ProcedureVersion)
             .join(Procedure, Procedure.latest_version_id == ProcedureVersion.id)
             .order_by(Procedure.code).limit(max(1, min(limit, MAX_PAGE))))
    if agency is not None:
        query = query.join(ProcedureOffer, ProcedureOffer.procedure_id == Procedure.id).where(
            ProcedureOffer.agency_id == agency.id, ProcedureOffer.active.is_(True))
    if after:
        query = query.where(Procedure.code > after)
    return list(session.scalars(query))


def offering_names(session: Session, procedure_ids: list[int], *, every: bool = False
                   ) -> dict[int, tuple[list[str], int]]:
    """The names of the agencies offering each procedure, and how many offer it. For a page of the catalogue
    (``every`` False) two names stand for the others, the oldest and the newest offer's agency: one grouped
    query along the (procedure_id, agency_id) index, then the names of those agencies; a hundred wards offering
    five hundred procedures cost no 50,000-row read or sort. ``every``: all the names (one procedure's page)."""
    found: dict[int, tuple[list[str], int]] = {pid: ([], 0) for pid in procedure_ids}
    if not procedure_ids:
        return found
    # an agency closed since (it takes no filing) is no place to file: it was listed all the same
    active = (ProcedureOffer.procedure_id.in_(procedure_ids), ProcedureOffer.active.is_(True), Agency.active.is_(True))
    if every:
        for pid, name in session.execute(select(ProcedureOffer.procedure_id, Agency.name)
                                         .join(Agency, Agency.id == ProcedureOffer.agency_id).where(*active)):
            found[pid] = (found[pid][0] + [name], found[pid][1] + 1)
        return {pid: (sorted(names, key=vn_sort_key), total) for pid, (names, total) in found.items()}
    ends = session.execute(select(ProcedureOffer.procedure_id, func.min(ProcedureOffer.agency_id),
                                  func.max(ProcedureOffer.agency_id), func.count())
                           .join(Agency, Agency.id == ProcedureOffer.agency_id)
                           .where(*active).group_by(ProcedureOffer.procedure_id)).all()
    names = dict(session.execute(select(Agency.id, Agency.name).where(
        Agency.id.in_({i for row in ends for i in row[1:3]}))).all())
    for pid, low, high, total in ends:
        found[pid] = (sorted({names[low], names[high]}, key=vn_sort_key), total)
    return found


# -- filing ---------------------------------------------------------------------------------------------------
def receiving(session: Session, proc: Procedure, named: Any, user: User) -> ProcedureOffer:
    """The offer a dossier is filed under: the agency named in the filing (any offering agency, regardless of
    residence, D29), else the only one offering the procedure; an officer at the desk files at their own
    agency. 422 naming the field ``agency`` when it is missing among several, or names an agency that does
    not offer the procedure."""
    if named is not None and (not isinstance(named, str) or not named.strip()):
        raise Invalid("Cơ quan tiếp nhận không hợp lệ", fields={"agency": "Mã định danh của một cơ quan"})
    rows = _offer_rows(session, proc.id)  # which offer, not in what order: no sorting on the filing's path
    officer = "citizen" not in user.roles
    if named is None and officer and user.agency_id is not None:
        mine = [(o, a) for o, a in rows if a.id == user.agency_id]
        if mine and not mine[0][1].active:  # a closed agency takes no filing, not at its own desk either (D29)
            raise Invalid("Cơ quan này không tiếp nhận thủ tục", code="agency_not_offering",
                          fields={"agency": "Cơ quan này đã ngừng hoạt động"})
        if mine:
            return _processed(session, mine[0][0])
        if any(a.active for _o, a in rows):  # offered elsewhere only: the officer files at their own desk (D29)
            raise Forbidden("Cán bộ chỉ nộp thay hồ sơ thuộc cơ quan mình")
    if named is not None:
        found = [(o, a) for o, a in rows if a.code == named.strip() and a.active]
        if not found:
            raise Invalid("Cơ quan này không tiếp nhận thủ tục", code="agency_not_offering",
                          fields={"agency": "Không phải cơ quan cung cấp thủ tục này"})
        offer, agency = found[0]
    else:
        rows = [(o, a) for o, a in rows if a.active]
        if not rows:
            raise Invalid("Thủ tục chưa được cơ quan nào tiếp nhận", code="procedure_not_offered",
                          fields={"agency": "Chưa có cơ quan tiếp nhận"})
        if len(rows) > 1:
            # the field's message is read next to the select, which lists the agencies by name: bare codes
            # there said nothing to a citizen (the codes are in GET /procedures/<code>/offers)
            raise Invalid("Thủ tục được nhiều cơ quan tiếp nhận: chọn cơ quan nộp hồ sơ", code="agency_required",
                          fields={"agency": "Chọn cơ quan tiếp nhận hồ sơ"})
        offer, agency = rows[0]
    if officer and user.agency_id != agency.id:
        raise Forbidden("Cán bộ chỉ nộp thay hồ sơ thuộc cơ quan mình")
    return _processed(session, offer)


def _processed(session: Session, offer: ProcedureOffer) -> ProcedureOffer:
    """``offer``, unless the agency it names to process the dossiers has been closed (offers made before a
    closed agency was refused as processing agency): its work would land with no officer to do it, so the
    agency takes no filing of the procedure, as one that does not offer it."""
    if offer.processing_agency_id is not None and not session.get(Agency, offer.processing_agency_id).active:
        raise Invalid("Cơ quan này không tiếp nhận thủ tục", code="agency_not_offering",
                      fields={"agency": "Không phải cơ quan cung cấp thủ tục này"})
    return offer


def own_amount(settings: dict | None, fee: dict) -> int | None:
    """The agency's own amount of ``fee`` in its offer's ``settings``, if the procedure lets agencies set it
    (``feeLocal.<key>``): the one rule for the amount charged and the one shown (engine.cases.local_fees: a
    dossier is charged the amount in force when it was received, D1)."""
    if not fee.get("local"):
        return None
    value = ((settings or {}).get("fees") or {}).get(fee["key"])
    return value if isinstance(value, int) and not isinstance(value, bool) else None


# -- changing -------------------------------------------------------------------------------------------------
def _agency(session: Session, code: Any, field: str) -> Agency:
    if not isinstance(code, str) or not code.strip():
        raise Invalid("Mã cơ quan không hợp lệ", code="agency_not_found",
                      fields={field: "Mã định danh của một cơ quan"})
    agency = session.scalar(select(Agency).where(Agency.code == code.strip()))
    if agency is None:
        raise Invalid(f"Không có cơ quan {code.strip()}", code="agency_not_found",
                      fields={field: "Không có cơ quan này"})
    return agency


def _office_hours(value: Any, field: str) -> dict | None:
    if value is None:
        return None
    if not isinstance(value, dict) or any(k not in DAYS for k in value):
        raise Invalid("Giờ làm việc không hợp lệ", code="invalid_office_hours",
                      fields={field: "Theo ngày: " + ", ".join(DAYS)})
    for day, spans in value.items():
        if not isinstance(spans, list) or len(spans) > 4 or not all(
                isinstance(s, str) and _HOURS.match(s) for s in spans) or not spans_in_order(spans):
            raise Invalid("Giờ làm việc không hợp lệ", code="invalid_office_hours",
                          fields={f"{field}.{day}": "Danh sách khoảng giờ dạng 07:30-11:30, theo thứ tự, không "
                                                    "chồng lên nhau"})
    return {day: list(value[day]) for day in DAYS if day in value}


def _fees(value: Any, declared: list[dict], field: str) -> dict[str, int]:
    if value is None:
        return {}
    local = {f["key"] for f in declared if f.get("local")}
    if not isinstance(value, dict):
        raise Invalid("Mức phí không hợp lệ", fields={field: "Một đối tượng: mã phí -> số đồng"})
    for key, amount in value.items():
        if key not in local:
            raise Invalid("Thủ tục không cho cơ quan tự quy định mức phí này", code="fee_not_local",
                          fields={f"{field}.{key}": "Chỉ các phí thủ tục đánh dấu feeLocal: "
                                                    + (", ".join(sorted(local)) or "không có")})
        if isinstance(amount, bool) or not isinstance(amount, int) or not 0 <= amount <= fees_mod.MAX_AMOUNT:
            raise Invalid("Mức phí không hợp lệ", fields={f"{field}.{key}": "Số đồng (số nguyên không âm)"})
    return dict(value)


def _wanted(session: Session, payload: Any, declared: list[dict], root: Agency | None, procedure_code: str,
            existing: dict[int, ProcedureOffer]) -> dict[int, tuple[Agency, Agency | None, dict]]:
    """The offers a PUT asks for, by agency id: (agency, processing agency, settings). The body GET answered
    (``describe``: the procedure's ``code``, each offer with its read-only names) is a valid PUT. A closed
    agency processes no new offer's dossiers; an active offer keeping the one it has is left as it is."""
    if not isinstance(payload, dict):
        raise Invalid("Dữ liệu phải là một đối tượng JSON")
    unknown = sorted(set(payload) - {"agencies", "all_level", "code"})
    if unknown:
        raise Invalid("Trường không được hỗ trợ", fields={k: "Không được hỗ trợ" for k in unknown})
    if "code" in payload and payload["code"] != procedure_code:
        raise Invalid("Mã thủ tục khác mã trong đường dẫn", fields={"code": f"Bỏ trống hoặc {procedure_code}"})
    if "agencies" not in payload:  # an empty body must not end every offer
        raise Invalid("Thiếu danh sách cơ quan", fields={"agencies": "Bắt buộc (có thể là danh sách rỗng)"})
    items, level = payload["agencies"], payload.get("all_level")
    if not isinstance(items, list) or len(items) > MAX_OFFERS:
        raise Invalid("Danh sách cơ quan không hợp lệ", fields={"agencies": f"Một danh sách (tối đa {MAX_OFFERS})"})
    if level is not None and level not in AGENCY_LEVELS:
        raise Invalid("Cấp cơ quan không hợp lệ", fields={"all_level": ", ".join(AGENCY_LEVELS)})
    wanted: dict[int, tuple[Agency, Agency | None, dict]] = {}
    if level is not None:  # every active agency of that level within the administrator's subtree
        query = select(Agency).where(Agency.level == level, Agency.active.is_(True))
        if root is not None:
            query = query.where(Agency.path.startswith(root.path))
        for agency in session.scalars(query.limit(MAX_OFFERS + 1)):
            wanted[agency.id] = (agency, None, {})
    for i, item in enumerate(items):
        field = f"agencies[{i}]"
        if isinstance(item, str):
            item = {"agency": item}
        settable = {"agency", "processing_agency", "fees", "office_hours"}
        if not isinstance(item, dict) or set(item) - settable - READ_ONLY:
            raise Invalid("Cơ quan cung cấp không hợp lệ",
                          fields={field: "Mã cơ quan, hoặc {agency, processing_agency?, fees?, office_hours?}"})
        agency = _agency(session, item.get("agency"), f"{field}.agency")
        processing = (None if item.get("processing_agency") is None
                      else _agency(session, item["processing_agency"], f"{field}.processing_agency"))
        if processing is not None and processing.id == agency.id:
            processing = None
        kept = existing.get(agency.id)
        if processing is not None and not processing.active and not (
                kept is not None and kept.active and kept.processing_agency_id == processing.id):
            raise Invalid("Cơ quan xử lý đã ngừng hoạt động", code="agency_closed",
                          fields={f"{field}.processing_agency": "Cơ quan này đã ngừng hoạt động"})
        settings = {}
        local_fees = _fees(item.get("fees"), declared, f"{field}.fees")
        if local_fees:
            settings["fees"] = local_fees
        hours = _office_hours(item.get("office_hours"), f"{field}.office_hours")
        if hours is not None:
            settings["office_hours"] = hours
        wanted[agency.id] = (agency, processing, settings)
    if len(wanted) > MAX_OFFERS:
        raise Invalid("Quá nhiều cơ quan", code="too_many_offers", fields={"agencies": f"Tối đa {MAX_OFFERS}"})
    return wanted


def _has_open_dossiers(session: Session, procedure_id: int, agency_id: int) -> bool:
    return session.scalar(
        select(Dossier.id).join(ProcedureVersion, ProcedureVersion.id == Dossier.procedure_version_id)
        .where(Dossier.agency_id == agency_id, ProcedureVersion.procedure_id == procedure_id,
               Dossier.status.not_in(TERMINAL)).limit(1)) is not None


def replace(session: Session, now: datetime, user: User | None, code: str, payload: Any, *,
            dry_run: bool = False) -> dict:
    """Make the offers of a procedure within the administrator's subtree exactly those asked for (``user``
    None: the operator's command line, every agency). Offers outside the subtree are left alone; naming an
    agency outside it is refused, as receiving or as processing agency. A dropped offer with open dossiers is
    ended (they go on where they were filed), one without is deleted. Returns what changed, audited in the same
    transaction; ``dry_run``: what would change, changing nothing (the page asks to confirm before an agency
    stops receiving)."""
    proc = procedure_of(session, code)
    root = administration.scope(session, user) if user is not None else None
    declared = session.get(ProcedureVersion, proc.latest_version_id).info.get("fees", [])
    existing = {o.agency_id: o for o in session.scalars(
        select(ProcedureOffer).where(ProcedureOffer.procedure_id == proc.id))}
    wanted = _wanted(session, payload, declared, root, proc.code, existing)
    for agency_id, (agency, processing, _) in wanted.items():
        if user is None:
            continue
        administration.require(session, user, agency)
        kept = existing.get(agency_id)
        if (kept is None or not kept.active) and agency.level != proc.agency.level and \
                not administration.may_administer(session, user, proc.agency):
            # D29: a ward's administrator opens their ward to another ward's procedure, not to a department's
            # or the province's (the ward would process it under its own seal): that is for the administrator of
            # the publishing agency, or of the province
            raise Forbidden("Chỉ quản trị viên của cơ quan công bố thủ tục, hoặc cấp tỉnh, được cho một cơ quan "
                            "khác cấp cung cấp thủ tục này.", code="outside_your_agencies")
        # the processing agency gets the dossiers (D29): an administrator names one of their own subtree only;
        # an active offer sent back with the processing agency it has (GET's body, a province administrator's
        # choice) changes nothing of it
        if processing is not None and not (kept is not None and kept.active
                                           and kept.processing_agency_id == processing.id):
            administration.require(session, user, processing)
    in_scope = {a.id: a for a in session.scalars(select(Agency).where(Agency.id.in_(list(existing))))
                if root is None or agencies.holds(root, a)}
    changes: dict[str, list[str]] = {"added": [], "changed": [], "ended": [], "removed": []}
    for agency_id, (agency, processing, settings) in wanted.items():
        offer = existing.get(agency_id)
        processing_id = processing.id if processing is not None else None
        if offer is None:
            if not dry_run:
                session.add(ProcedureOffer(procedure_id=proc.id, agency_id=agency_id,
                                           processing_agency_id=processing_id, settings=settings, active=True,
                                           created_at=now, created_by=user.username if user is not None else None))
            changes["added"].append(agency.code)
        elif (not offer.active or offer.processing_agency_id != processing_id
              or (offer.settings or {}) != settings):
            if not dry_run:
                offer.active, offer.processing_agency_id, offer.settings = True, processing_id, settings
            changes["changed"].append(agency.code)
    for agency_id, agency in in_scope.items():
        offer = existing[agency_id]
        if agency_id in wanted or not offer.active:
            continue
        if _has_open_dossiers(session, proc.id, agency_id):
            if not dry_run:
                offer.active = False
            changes["ended"].append(agency.code)
        else:
            if not dry_run:
                session.delete(offer)
            changes["removed"].append(agency.code)
    changed = {k: v for k, v in changes.items() if v}
    if dry_run:
        return changed
    session.flush()
    if changed:
        administration.audit(session, now, user, "offers", "offer", proc.code, root, **changed)
    return changed
