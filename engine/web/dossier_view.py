"""A dossier as both faces show it: its deadlines with the rule behind each, its documents with their
signature status, and its open steps; and the withdraw/stop form both faces share. Reads
engine.cases.summary.describe() and calls engine.cases.filing.end; decides nothing."""
from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp
from flask import flash, g, redirect, request, url_for
from sqlalchemy import select

from engine.core.calendar import working_time_parts
from engine.data import calendars
from engine.law import deadlines, statuses
from engine.law import payment as payment_law
from engine.cases import dossiers, filing, local_fees, paths, payments, replanning
from engine.core.errors import Invalid
from engine.data.model import Dossier, SupplementRequest, WorkItem
from engine.data.payment_model import Payment
from engine.law.statuses import STOPPED, SUPPLEMENT, WITHDRAWN
from engine.process import diagrampath, fees as fee_rules
from . import db, now, tthc
from .numbers import duration_text
from .ui import context, refusal_text, run, vn_datetime

RESULT_KINDS = ("result", "apology", "receipt", "supplement_request", "refusal", "stop_notice")
ENDED = (STOPPED, WITHDRAWN)


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value).replace(".", ",")


def working_time_text(amount: timedelta, day_length: timedelta) -> str:
    """engine.core.calendar.describe_duration() in the page's language: "2 ngày 3 giờ làm việc" on a
    Vietnamese page, "2 days 3 hours of working time" on an English one."""
    return _("%(time)s làm việc", time=_size(amount, day_length))


def time_left_text(left: timedelta | None, day_length: timedelta, overdue: bool | None = None) -> str | None:
    """The working time left, as engine.law.deadlines.remaining() words it ("còn 3 ngày làm việc", "quá 1 giờ
    làm việc", "đã quá hạn", "không còn giờ làm việc trước hạn"), in the page's language; the API keeps the
    engine's Vietnamese words. ``overdue``: whether the due instant has come (D19; deadlines.is_overdue,
    lateness.has_run_out), which the working time left cannot tell at 17:00 or on a day off, where it is zero
    due or not; without it, judged by the sign of ``left`` alone."""
    if left is None:
        return None
    overdue = left < timedelta(0) if overdue is None else overdue
    if not left:
        return _("đã quá hạn") if overdue else _("không còn giờ làm việc trước hạn")
    size = _size(left, day_length)
    if overdue:
        return _("quá %(time)s làm việc", time=size)
    return _("còn %(time)s làm việc", time=size)


def remaining_text(dossier: Dossier, cal=None) -> str | None:
    """The dossier's ``remaining`` (engine.cases.summary) for a page: the result's working time left."""
    cal = cal or dossiers.calendar_of(db(), dossier, tthc()["settings"])
    at = now()
    return time_left_text(deadlines.time_left(dossier, cal, at), cal.day_length, deadlines.is_overdue(dossier, at))


# Vietnamese words do not change with the number, English ones do: the contexts give English its "1 day" and
# "2 days" (the catalogue keeps no plural forms). Literal, so that the extraction finds them.
UNIT_WORDS = {"day": (_lp("singular", "%(num)s ngày"), _lp("plural", "%(num)s ngày")),
              "hour": (_lp("singular", "%(num)s giờ"), _lp("plural", "%(num)s giờ")),
              "minute": (_lp("singular", "%(num)s phút"), _lp("plural", "%(num)s phút"))}


def _size(amount: timedelta, day_length: timedelta) -> str:
    """"2 ngày 3 giờ 20 phút" (engine.core.calendar.describe_duration's numbers) in the page's language."""
    days, hours, minutes = working_time_parts(amount, day_length)

    def count(n: int, unit: str) -> str:
        return str(UNIT_WORDS[unit][0 if n == 1 else 1]) % {"num": n}
    parts = [count(n, unit) for n, unit in ((days, "day"), (hours, "hour"), (minutes, "minute")) if n]
    return " ".join(parts) or count(0, "minute")


def waits_for_supplement_at_intake(dossier: Dossier, d: dict) -> bool:
    """Sent back for a supplement before a valid receipt (D8): no deadline runs until the applicant
    answers."""
    return dossier.status == SUPPLEMENT and (d.get("supplement_request") or {}).get("stage") == "intake"


def answered_processing_supplements(dossier: Dossier) -> list[SupplementRequest]:
    """The supplement requests asked during processing and answered (D12), in the order answered: one small
    query, for the single dossier's page (never a list's rows); none asked, none looked for (D10)."""
    if not dossier.supplement_requests:
        return []
    return list(db().scalars(select(SupplementRequest).where(
        SupplementRequest.dossier_id == dossier.id, SupplementRequest.stage == "processing",
        SupplementRequest.answered_at.is_not(None)).order_by(SupplementRequest.answered_at, SupplementRequest.id)))


def _result_why(dossier: Dossier, d: dict, info: dict, cal) -> str:
    """Why the result is due when it is (D13, D16), counted as engine.law.deadlines.on_supplemented counted it
    (D12): from the valid receipt; after a supplement asked during processing and answered, from the complete
    supplement ("restart", counted from the next working time when it came out of hours) or from the receipt
    moved later by the working time spent waiting ("pause"), and by a paid fee's wait (``_fee_words``). An
    intake-stage supplement changes nothing here."""
    duration = info["duration"]
    answers = answered_processing_supplements(dossier)
    restart = bool(answers) and info.get("clock_on_supplement", "restart") == "restart"
    cutoff = cal.cutoff.strftime("%H:%M")
    value, amount = _number(duration["value"]), duration_text(duration)
    if restart:
        restarted_at = answers[-1].answered_at
        received = vn_datetime(restarted_at)
    else:
        restarted_at, received = None, vn_datetime(d.get("received_at"))
    if duration["unit"] == "same_day":
        if restart:
            why = _("Thủ tục giải quyết trong ngày: tiếp nhận trước %(cutoff)s thì trả kết quả trước khi hết giờ "
                    "làm việc của ngày đó, tiếp nhận từ %(cutoff)s thì trước khi hết giờ làm việc của ngày làm việc "
                    "kế tiếp (theo Nghị định 61/2018/NĐ-CP). Thời hạn được tính lại từ khi nhận đủ hồ sơ bổ sung "
                    "lúc %(received)s.", cutoff=cutoff, received=received)
        else:
            why = _("Thủ tục giải quyết trong ngày: tiếp nhận trước %(cutoff)s thì trả kết quả trước khi hết giờ làm "
                    "việc của ngày đó, tiếp nhận từ %(cutoff)s thì trước khi hết giờ làm việc của ngày làm việc kế "
                    "tiếp (theo Nghị định 61/2018/NĐ-CP). Tiếp nhận hợp lệ lúc %(received)s.",
                    cutoff=cutoff, received=received)
    elif duration["unit"] == "calendar_day":  # D13: every day counts, no 15:00 cut-off
        if restart:
            why = _("%(amount)s kể từ khi nhận đủ hồ sơ bổ sung lúc %(received)s (thời hạn giải quyết được tính lại "
                    "từ đầu), tính cả ngày nghỉ: hết hạn vào cùng giờ sau %(amount)s, chuyển sang ngày làm việc kế "
                    "tiếp (cùng giờ) nếu ngày đó là ngày nghỉ (theo Nghị định 61/2018/NĐ-CP).",
                    amount=amount, received=received)
        else:
            why = _("%(amount)s kể từ khi tiếp nhận hợp lệ lúc %(received)s, tính cả ngày nghỉ: hết hạn vào cùng "
                    "giờ sau %(amount)s, chuyển sang ngày làm việc kế tiếp (cùng giờ) nếu ngày đó là ngày nghỉ "
                    "(theo Nghị định 61/2018/NĐ-CP).", amount=amount, received=received)
    elif duration["unit"] == "working_hour":  # D13, D14: office hours only
        if restart:
            why = _("%(value)s giờ làm việc kể từ khi nhận đủ hồ sơ bổ sung lúc %(received)s (thời hạn giải quyết "
                    "được tính lại từ đầu). Chỉ tính giờ hành chính của ngày làm việc, không tính ngày nghỉ lễ, Tết "
                    "(theo Nghị định 61/2018/NĐ-CP, Bộ luật Lao động 2019 và Điều 112 của Bộ luật này).",
                    value=value, received=received)
            starts = cal.next_working_instant(restarted_at)
            if starts != restarted_at:
                why += " " + _("Hồ sơ bổ sung nhận ngoài giờ làm việc nên thời hạn được tính từ %(start)s.",
                               start=vn_datetime(starts))
        else:
            why = _("%(value)s giờ làm việc kể từ khi tiếp nhận hợp lệ lúc %(received)s. Chỉ tính giờ "
                    "hành chính của ngày làm việc, không tính ngày nghỉ lễ, Tết (theo Nghị định "
                    "61/2018/NĐ-CP, Bộ luật Lao động 2019 và Điều 112 của Bộ luật này).",
                    value=value, received=received)
    else:
        if restart:
            why = _("%(amount)s kể từ khi nhận đủ hồ sơ bổ sung lúc %(received)s (thời hạn giải quyết được tính lại "
                    "từ đầu); nhận sau %(cutoff)s thì tính từ ngày làm việc kế tiếp (theo Nghị định 61/2018/NĐ-CP). "
                    "Chỉ tính giờ hành chính của ngày làm việc, không tính ngày nghỉ lễ, Tết (theo Bộ luật Lao động "
                    "2019 và Điều 112 của Bộ luật này).", amount=amount, received=received, cutoff=cutoff)
            starts = cal.start_of_count(restarted_at)
            if starts != restarted_at:
                why += " " + _("Hồ sơ bổ sung nhận sau %(cutoff)s hoặc ngoài giờ làm việc nên thời hạn được tính "
                               "từ %(start)s.", cutoff=cutoff, start=vn_datetime(starts))
        else:
            why = _("%(amount)s kể từ khi tiếp nhận hợp lệ lúc %(received)s; tiếp nhận sau %(cutoff)s thì tính từ "
                    "ngày làm việc kế tiếp (theo Nghị định 61/2018/NĐ-CP). Chỉ tính giờ hành chính của ngày làm "
                    "việc, không tính ngày nghỉ lễ, Tết (theo Bộ luật Lao động 2019 và Điều 112 của Bộ luật này).",
                    amount=amount, received=received, cutoff=cutoff)
    if not restart:  # D12 "pause": the due instant moved later by the counting time waited for the supplements
        why += _moved_words(dossier, cal, [(r.at, r.answered_at) for r in answers], _(
            "Hạn đã được lùi thêm %(time)s, đúng thời gian chờ công dân bổ sung hồ sơ (%(spans)s)."))
    return why + _fee_words(dossier, cal, restarted_at) + _extension_words(d)


def _moved_words(dossier: Dossier, cal, spans: list[tuple], sentence: str) -> str:
    """The sentence (with ``%(time)s`` and ``%(spans)s``) saying how much later the due instant moved for the
    applicant's waits ``spans``: their counting time (engine.law.deadlines.waited_time, as the engine moved the
    date: none before the clock started, e.g. a wait begun at a receipt after 15:00), the spans shown as they
    were; nothing when no counting time was lost."""
    waited = sum((deadlines.waited_time(cal, dossier, start, end) for start, end in spans), timedelta(0))
    if not waited:
        return ""
    shown = "; ".join(_("từ %(start)s đến %(end)s", start=vn_datetime(start), end=vn_datetime(end))
                      for start, end in spans)
    return " " + sentence % {"time": working_time_text(waited, cal.day_length), "spans": shown}


def _extension_words(d: dict) -> str:
    """D17, D18: once re-appointed, the due date shown is the new one, not the count above; the original one is
    noted lower ("Hạn ban đầu"). From the dossier's summary: no query."""
    old, new = d.get("original_due_at"), d.get("due_at")
    if not old or not new or old == new:
        return ""
    return " " + _("Đã gia hạn: hẹn lại đến %(new)s, thay cho hạn %(old)s (theo Điều 19 Nghị định 61/2018/NĐ-CP).",
                   new=vn_datetime(new), old=vn_datetime(old))


def _fee_words(dossier: Dossier, cal, restarted_at) -> str:
    """D26: the fees asked after the receipt or before the result and paid moved the due instant by the working
    time waited (engine.law.payment.on_paid; one small query, the single dossier's page only); a restart after a
    supplement counted the time again from its answer, so only the waits since count. A fee asked with the
    filing ran before the result's clock started: no words."""
    fees = [(start, end) for start, end in replanning.fee_waits(db(), dossier)
            if restarted_at is None or start >= restarted_at]
    return _moved_words(dossier, cal, fees, _(
        "Hạn đã được lùi thêm %(time)s, đúng thời gian chờ nộp phí, lệ phí (%(spans)s)."))


def deadline_notes(dossier: Dossier, d: dict, info: dict) -> list[dict]:
    """Each deadline of the dossier, when it falls, and why (the rule that sets it)."""
    settings = tthc()["settings"]
    cal = dossiers.calendar_of(db(), dossier, settings)
    hours = calendars.intake_working_hours(settings)
    notes = []
    if waits_for_supplement_at_intake(dossier, d):
        # D7, D8, D13: the intake check's hour ended with the request; a new one starts when the applicant
        # answers (engine.law.deadlines.on_supplemented), and processing time only at a valid receipt
        notes.append({"label": _("Yêu cầu bổ sung trước khi tiếp nhận"),
                      "at": d["supplement_request"]["requested_at"],
                      "why": _("Hồ sơ chưa được tiếp nhận nên chưa có thời hạn nào đang tính: hạn "
                               "kiểm tra, tiếp nhận trước đó (%(intake_due)s) không còn áp dụng và thời hạn "
                               "giải quyết chưa bắt đầu. Khi công dân nộp bổ sung, hồ sơ được kiểm tra lại "
                               "trong %(hours)s giờ làm việc kể từ lúc nộp bổ sung (theo Điều 13 Quyết định "
                               "88/2017/QĐ-UBND); thời hạn giải quyết tính từ khi hồ sơ được tiếp nhận hợp lệ "
                               "(theo Nghị định 61/2018/NĐ-CP).",
                               intake_due=vn_datetime(d.get("intake_due_at")), hours=_number(hours))})
    elif d.get("intake_due_at"):
        notes.append({"label": _("Hạn kiểm tra, tiếp nhận hồ sơ"), "at": d["intake_due_at"],
                      "why": _("%(hours)s giờ làm việc kể từ khi nộp (hoặc nộp bổ sung); hồ sơ nộp ngoài giờ hành "
                               "chính được tính từ đầu giờ làm việc kế tiếp (theo Điều 13 Quyết định 88/2017/QĐ-UBND).", hours=_number(hours))})
    if d.get("due_at"):
        notes.append({"label": _("Hạn trả kết quả"), "at": d["due_at"],
                      "why": _result_why(dossier, d, info, cal)})
    if d.get("due_provisional"):
        shown = d.get("due_at") or d.get("intake_due_at")
        notes.append({"label": _("Hạn tạm tính"), "at": shown,
                      "why": _("Năm %(year)s chưa có thông báo chính thức về lịch nghỉ lễ, Tết và ngày làm bù; hạn "
                               "được tính theo lịch dự kiến và sẽ được tính lại khi có thông báo.",
                               year=shown[:4])})
    if d.get("original_due_at") and d["original_due_at"] != d.get("due_at"):
        notes.append({"label": _("Hạn ban đầu"), "at": d["original_due_at"],
                      "why": _("Đã gia hạn một lần, không quá 1/3 thời hạn giải quyết; công dân nhận thư xin lỗi "
                               "và hẹn lại ngày trả (theo Điều 14 khoản 4 Quyết định 88/2017/QĐ-UBND và Điều 19 Nghị định 61/2018/NĐ-CP).")})
    if dossier.paused_at is not None and dossier.status == statuses.PAYMENT:
        notes.append({"label": _("Tạm dừng tính thời gian"), "at": dossier.paused_at.isoformat(),
                      "why": _("Đang chờ nộp phí, lệ phí. Khi nhận được thanh toán, hạn được lùi thêm đúng thời gian "
                               "chờ (thời gian chờ thanh toán là thời gian của người nộp).")})
    elif dossier.paused_at is not None:
        policy = info.get("clock_on_supplement", "restart")
        notes.append({"label": _("Tạm dừng tính thời gian"), "at": dossier.paused_at.isoformat(),
                      "why": _("Đang chờ công dân bổ sung. Khi nhận đủ hồ sơ, thời hạn được tính lại từ đầu (theo Nghị định 61/2018/NĐ-CP).")
                      if policy == "restart" else
                      _("Đang chờ công dân bổ sung. Khi nhận đủ hồ sơ, hạn được lùi thêm đúng thời gian chờ (theo Nghị định 61/2018/NĐ-CP).")})
    if dossier.status in ENDED:
        ended = next((e for e in reversed(d.get("history", [])) if e["action"] in ("withdraw", "stop")), None)
        notes.append({"label": _("Kết thúc tính thời gian"), "at": ended["at"] if ended else None,
                      "why": _("Công dân đã rút hồ sơ; việc giải quyết dừng lại và thời hạn không còn tính "
                               "(theo Nghị định 61/2018/NĐ-CP và Điều 21 Nghị định 118/2025/NĐ-CP).") if dossier.status == WITHDRAWN else
                      _("Bộ phận Một cửa đã dừng giải quyết hồ sơ; thời hạn không còn tính (theo Nghị định 61/2018/NĐ-CP và Điều 21 Nghị định 118/2025/NĐ-CP).")})
    if d.get("returned_at"):
        notes.append({"label": _("Đã trả kết quả"), "at": d["returned_at"],
                      "why": _("Trả muộn so với hạn (theo Điều 22 khoản 7 Quyết định 88/2017/QĐ-UBND).") if d.get("late") else _("Trả đúng hạn.")})
    return notes


def expected_fees(dossier: Dossier) -> tuple[list[dict], bool]:
    """D26: the fees the dossier will be asked for and has not been yet, so that the citizen knows what to pay
    before the desk asks: each fee of its version whose moment is still ahead (engine.law.payment: intake until
    received, before_result until approved; filing's is asked with the filing or never), at its receiving
    agency's amount (engine.cases.local_fees, D1, D29), computed from the filed form as the request will compute
    it (engine.process.fees), ``exempt`` when the form exempts it, ``amount`` None when it cannot be computed now.
    Nothing for a fee of 0 đ (never asked), or once a payment names the fee (the payments list shows it).
    An agency that collects no fee through the engine (no payment gateway: payments.request_due asks none) takes
    every declared fee at its desk: each is listed, whatever its moment, and the second value, ``outside``, is
    True (the page says the engine neither asks it nor records its payment), so that nobody forgets it."""
    version = dossier.procedure_version
    if not version.info.get("fees") or not can_end(dossier.status):
        return [], False
    outside = payments.gateway_of(db(), dossier.agency_id) is None
    ahead = {"intake"} if dossier.received_at is None else set()
    if dossier.outcome is None:
        ahead.add("before_result")
    asked = set() if outside else {
        key for keys in db().scalars(select(Payment.fee_keys).where(Payment.dossier_id == dossier.id))
        for key in keys or ()}
    limit = tthc()["settings"].script_time_limit
    found = []
    for fee in local_fees.of_dossier(db(), dossier):
        if not outside and (fee["key"] in asked or
                            (fee.get("moment") or payment_law.moment_of(fee.get("when", ""))) not in ahead):
            continue
        item = {"name": fee["name"], "when": fee.get("when"), "exempt": False, "amount": None}
        try:
            item["exempt"] = fee_rules.exempt(fee, dossier.form, limit)
            item["amount"] = None if item["exempt"] else fee_rules.amount(fee, dossier.form, limit)
        except fee_rules.FeeError:  # the desk's request will say why; the page only does not know the amount
            pass
        if item["amount"] != 0:
            found.append(item)
    return found, outside


SIGNATURE_STATUS = {
    "valid": _l("hợp lệ"),
    "modified": _l("không hợp lệ: tài liệu đã bị thay đổi sau khi ký"),
    "untrusted": _l("không được tin cậy: chứng thư số không do tổ chức cung cấp dịch vụ tin cậy đã cấu hình cấp"),
    "expired": _l("không hợp lệ: chứng thư số đã hết hiệu lực"),
    "not_yet_valid": _l("không hợp lệ: chứng thư số chưa có hiệu lực"),
    "invalid": _l("không kiểm tra được"),
}


def signature_text(doc: dict) -> list[dict]:
    """The signature status of one document in words: status, signer, time and why (D9, D22). ``short`` is a
    one-line version for choices (✓ or ✗ and the signer)."""
    sigs = doc.get("signatures") or []
    if not sigs:
        text = _("Không có chữ ký số")
        return [{"ok": None, "status": "none", "text": text, "short": text}]
    out = []
    for s in sigs:
        status = s.get("status") or ("valid" if s.get("valid") else "invalid")
        words = SIGNATURE_STATUS.get(status, status)
        who = s.get("signer") or ""
        if s.get("organisation") and s["organisation"] != who:
            who = f"{who} ({s['organisation']})" if who else s["organisation"]
        why = s.get("message") or ""
        if not who and not s.get("valid"):
            text = _("Không kiểm tra được chữ ký số: %(why)s", why=why or words)
            out.append({"ok": False, "status": status, "text": text, "short": "✗ " + text})
            continue
        text = _("Chữ ký số %(status)s — người ký: %(who)s — thời điểm ký: %(when)s",
                 status=words, who=who, when=vn_datetime(s.get("signed_at")))
        if not s.get("valid") and why:
            text += f" — {why}"
        name = s.get("signer") or s.get("organisation") or who
        short = ("✓ " + _("ký số hợp lệ: %(who)s", who=name)) if s.get("valid") else \
            ("✗ " + _("chữ ký số của %(who)s %(status)s", who=name, status=words))
        out.append({"ok": bool(s.get("valid")), "status": status, "text": text, "short": short})
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


def can_end(status: int) -> bool:
    """Whether the pages offer to withdraw or stop: the law's answer (engine.law.statuses.can_end)."""
    return statuses.can_end(status)


def end_from_form(code: str, how: str, page, texts: dict, done_endpoint: str):
    """The withdraw (citizen) and stop (one-stop) forms: a reason and a confirmation box, then
    engine.cases.filing.end. ``page(code, status, **extra)`` renders the dossier page again with
    ``<how>_error``, ``<how>_errors`` and ``<how>_reason``; ``texts``: the messages "confirm", "reason",
    "unconfirmed" and "done"."""
    target = dossiers.visible_dossier(db(), g.user, code)
    reason = request.form.get("reason", "").strip()

    def again(message, errors):
        return page(code, 422, **{f"{how}_error": message, f"{how}_errors": errors, f"{how}_reason": reason})

    if request.form.get("confirm") != "on" and can_end(target.status):
        errors = {"confirm": texts["confirm"], **({} if reason else {"reason": texts["reason"]})}
        return again(texts["unconfirmed"], errors)
    try:
        run(filing.end, db(), context(), code, {"reason": reason} if reason else {}, how)
    except Invalid as exc:
        return again(refusal_text(exc), exc.fields)
    flash(texts["done"], "success")
    return redirect(url_for(done_endpoint, code=code))


def open_items(dossier: Dossier) -> list[WorkItem]:
    return list(db().scalars(select(WorkItem).where(WorkItem.dossier_id == dossier.id).order_by(WorkItem.id)))


def steps_of(info: dict, current: set[str]) -> list[dict]:
    """The procedure's steps in BPMN order, the current ones marked (the text twin of the diagram)."""
    return [{**s, "current": s["id"] in current} for s in info.get("steps", [])]


def path_of(dossier: Dossier, current: set[str]) -> dict:
    """What the diagram draws of the path taken: the flow nodes passed (stored with the workflow state, so the
    page loads neither the workflow nor, once its version's flows are cached, the BPMN) and the flows between
    taken nodes. A path that cannot be read draws none (the page still shows the diagram and the steps)."""
    try:
        done = paths.path_nodes(dossier, context(), tthc()["sessions"].begin)
    except Exception:  # noqa: BLE001 (a damaged state must not take the dossier's page down)
        return {"done": [], "flows": []}
    version = dossier.procedure_version
    flows = diagrampath.flows_of((version.id, version.content_hash), lambda: version.bpmn_xml)
    return {"done": done, "flows": diagrampath.taken(flows, done, sorted(current))}
