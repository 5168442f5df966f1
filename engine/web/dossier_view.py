"""A dossier as both faces show it: its deadlines with the rule behind each, its documents with their
signature status, and its open steps. Reads engine.dossiers.describe(); decides nothing."""
from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from .. import deadlines, dossiers
from ..model import Dossier, WorkItem
from . import db, tthc
from .ui import UNIT_TEXT, vn_datetime

RESULT_KINDS = ("result", "apology", "receipt", "supplement_request", "refusal")


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def deadline_notes(dossier: Dossier, d: dict, info: dict) -> list[dict]:
    """Each deadline of the dossier, when it falls, and why (the rule that sets it)."""
    settings = tthc()["settings"]
    cal = dossiers.calendar_of(db(), dossier, settings)
    hours = deadlines.calendar_config(settings).intake_working_hours
    duration = info["duration"]
    notes = []
    if d.get("intake_due_at"):
        notes.append({"label": _("Hạn kiểm tra, tiếp nhận hồ sơ"), "at": d["intake_due_at"],
                      "why": _("%(hours)s giờ làm việc kể từ khi nộp (hoặc nộp bổ sung); hồ sơ nộp ngoài giờ hành "
                               "chính được tính từ đầu giờ làm việc kế tiếp (D7).", hours=_number(hours))})
    if d.get("due_at"):
        notes.append({"label": _("Hạn trả kết quả"), "at": d["due_at"],
                      "why": _("%(value)s %(unit)s kể từ khi tiếp nhận hợp lệ lúc %(received)s; tiếp nhận sau "
                               "%(cutoff)s thì tính từ ngày làm việc kế tiếp (D13, D16). Chỉ tính giờ hành chính "
                               "của ngày làm việc (D14, D15).", value=_number(duration["value"]),
                               unit=UNIT_TEXT.get(duration["unit"], duration["unit"]),
                               received=vn_datetime(d.get("received_at")), cutoff=cal.cutoff.strftime("%H:%M"))})
    if d.get("original_due_at") and d["original_due_at"] != d.get("due_at"):
        notes.append({"label": _("Hạn ban đầu"), "at": d["original_due_at"],
                      "why": _("Đã gia hạn một lần, không quá 1/3 thời hạn giải quyết; công dân nhận thư xin lỗi "
                               "và hẹn lại ngày trả (D17, D18).")})
    if dossier.paused_at is not None:
        policy = info.get("clock_on_supplement", "restart")
        notes.append({"label": _("Tạm dừng tính thời gian"), "at": dossier.paused_at.isoformat(),
                      "why": _("Đang chờ công dân bổ sung. Khi nhận đủ hồ sơ, thời hạn được tính lại từ đầu (D12).")
                      if policy == "restart" else
                      _("Đang chờ công dân bổ sung. Khi nhận đủ hồ sơ, hạn được lùi thêm đúng thời gian chờ (D12).")})
    if d.get("returned_at"):
        notes.append({"label": _("Đã trả kết quả"), "at": d["returned_at"],
                      "why": _("Trả muộn so với hạn (D19).") if d.get("late") else _("Trả đúng hạn.")})
    return notes


def signature_text(doc: dict) -> list[dict]:
    """The signature status of one document in words (D9, D22)."""
    sigs = doc.get("signatures") or []
    if not sigs:
        return [{"ok": None, "text": _("Không có chữ ký số")}]
    out = []
    for s in sigs:
        who = s.get("signer") or ""
        if s.get("organisation") and s["organisation"] != who:
            who = f"{who} ({s['organisation']})" if who else s["organisation"]
        if not who and not s.get("valid"):
            out.append({"ok": False, "text": _("Không kiểm tra được chữ ký số: %(why)s",
                                               why=s.get("message") or s.get("status") or "")})
            continue
        when = vn_datetime(s.get("signed_at")) if s.get("signed_at") else ""
        if s.get("valid"):
            out.append({"ok": True, "text": _("Chữ ký số hợp lệ: %(who)s, %(when)s", who=who, when=when)})
        else:
            out.append({"ok": False, "text": _("Chữ ký số không hợp lệ: %(who)s — %(why)s", who=who,
                                               why=s.get("message") or s.get("status") or "")})
    return out


def document_rows(d: dict, info: dict, kinds: tuple[str, ...] | None = None) -> list[dict]:
    names = {c["key"]: c["name"] for c in info.get("components", [])}
    rows = []
    for doc in d.get("documents", []):
        if kinds is not None and doc["kind"] not in kinds:
            continue
        rows.append({**doc, "component_name": names.get(doc.get("component") or "", doc.get("component")),
                     "signature": signature_text(doc)})
    return rows


def open_items(dossier: Dossier) -> list[WorkItem]:
    return list(db().scalars(select(WorkItem).where(WorkItem.dossier_id == dossier.id).order_by(WorkItem.id)))


def steps_of(info: dict, current: set[str]) -> list[dict]:
    """The procedure's steps in BPMN order, the current ones marked (the text twin of the diagram)."""
    return [{**s, "current": s["id"] in current} for s in info.get("steps", [])]
