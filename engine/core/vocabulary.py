"""The engine's words, declared once: roles, step kinds, actions, the CCCD pattern and Vietnamese dates.

Pages, registers, letters, messages and the API spec read these tables instead of keeping their own. Labels
are Vietnamese, the source language: the web translates them with Flask-Babel (``N_``/``NP_`` only mark them
for extraction, see engine/web/translations/README.md), documents print them as they are. Statuses are the
law's (``engine.law``), not declared here.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal

from engine.core.clock import VN_TZ
from engine.core.number_words import amount_in_words, number_words  # noqa: F401 - their historical home


def N_(label: str) -> str:
    """Marks a label for translation; the text itself is used as it is."""
    return label


def NP_(context: str, label: str) -> str:  # noqa: ARG001 - the context is read by the extractor only
    """Marks a label that needs a context to translate (a short word: 'Tiếp nhận' the step, not the action)."""
    return label


# -- citizens' identity card ---------------------------------------------------------------------------------
CCCD_PATTERN = r"^[0-9]{12}$"  # căn cước (công dân): 12 digits (Luật Căn cước 2023), as the API spec says it
# For Python: ASCII digits only (``\d`` takes any script's digits) and ``\Z`` (``$`` lets a final newline in).
CCCD_RE = re.compile(r"[0-9]{12}\Z")


def is_cccd(value) -> bool:
    return isinstance(value, str) and CCCD_RE.match(value) is not None


# -- a yes/no value of a query: the spellings openapi documents (openapi_blocks.FLAG), no other ---------------------
FLAGS = {"true": True, "1": True, "false": False, "0": False}
FLAG_FIELD = "true, false, 1 hoặc 0"  # what a field refused as no flag says


# -- what people type in a search box or a login field -------------------------------------------------------------
NUMBER_SEPARATORS = " .-()"  # as people write numbers: 001 099 000 001, 0912.345.678, (0234) 382-2123


def typed(text: str | None, limit: int = 200) -> str:
    """Text as a person typed it, as the database compares it: the spaces around dropped, at most ``limit``
    characters read, NFKC (the full-width digits and letters some phone keyboards give become ASCII)."""
    return unicodedata.normalize("NFKC", (text or "").strip()[:limit]).strip()


def compact_number(text: str | None) -> str:
    """A number as people write it (``typed``), without the separators they put in it."""
    return "".join(c for c in typed(text) if c not in NUMBER_SEPARATORS)


def typed_cccd(text: str | None) -> str | None:
    """The 12 digits of a CCCD as people write it ("001 099 000 001", "001.099.000.001"), or None."""
    digits = compact_number(text)
    return digits if CCCD_RE.match(digits) else None


# -- texts people type ---------------------------------------------------------------------------------------------
def unreadable(exc: Exception) -> str:
    """Why a file's text could not be read, in words: Python says a file that is not UTF-8 in English."""
    if isinstance(exc, UnicodeDecodeError):
        return f"tệp không phải văn bản UTF-8 (byte 0x{exc.object[exc.start]:02x} ở vị trí {exc.start})"
    return str(exc)


def has_control(text: str, keep: str = "") -> bool:
    """Whether ``text`` holds a character no one types and no XML file can hold: a C0 control (but those of
    ``keep``, e.g. "\n\t"), DEL, a lone surrogate, U+FFFE or U+FFFF."""
    return any((ch < " " and ch not in keep) or ch == "\x7f" or "\ud800" <= ch <= "\udfff" or ch in "\ufffe\uffff"
               for ch in text)


# -- numbers in statistics ---------------------------------------------------------------------------------------
def half_up(value: float | int, decimals: int = 0) -> Decimal:
    """``value`` rounded as people round, half up on its decimal writing (18,25 → 18,3; round() gave 18,2)."""
    return d if not (d := Decimal(str(value))).is_finite() else d.quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)


def vn_number(value: float | int | None, decimals: int = 0, missing: str = "—") -> str:
    """A count or a measure the Vietnamese way: thousands grouped by dots, decimals after a comma
    ("1.234,5"); ``missing`` when there is none (a rate without a denominator is not zero)."""
    if value is None:
        return missing
    text = f"{abs(half_up(value, decimals)):,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"-{text}" if value < 0 and text.strip("0,.") else text


def vn_percent(share: float | None, decimals: int = 1, missing: str = "—") -> str:
    """A share (0..1) as a Vietnamese percentage: 0.875 -> "87,5%"."""
    return missing if share is None else vn_number(share * 100, decimals) + "%"


# -- dates and times, Vietnam time -----------------------------------------------------------------------------
STYLES = {
    "datetime": "%d/%m/%Y %H:%M",               # pages: 23/11/2026 09:30
    "date": "%d/%m/%Y",                         # 23/11/2026
    "time": "%H:%M",                            # the same day's hour: 09:30
    "clock": "%H:%M %d/%m/%Y",                  # registers and control slips: 09:30 23/11/2026
    "at": "%H:%M ngày %d/%m/%Y",                # messages: 09:30 ngày 23/11/2026
    "formal": "%H giờ %M phút, ngày %d/%m/%Y",  # letters and official forms: 09 giờ 30 phút, ngày 23/11/2026
}


def vn_time(value: datetime | date | None, style: str = "datetime", missing: str = "") -> str:
    """``value`` in one of the named STYLES, in Vietnam time; ``missing`` when there is none.

    An aware date-time is shown in Vietnam time, a naive one as it is; a date has no time, so any style
    shows it as a date.
    """
    if value is None:
        return missing
    if isinstance(value, datetime):
        return (value.astimezone(VN_TZ) if value.tzinfo else value).strftime(STYLES[style])
    return value.strftime(STYLES["date"])


def vn_date_words(value: datetime | date, place: str = "") -> str:
    """The place and date of an official document in words (NĐ 30/2020: "Huế, ngày 02 tháng 12 năm 2026"):
    days below 10 and the months January and February take a leading zero, other months do not."""
    day = value.astimezone(VN_TZ) if isinstance(value, datetime) and value.tzinfo else value
    month = f"{day.month:02d}" if day.month < 3 else str(day.month)
    words = f"ngày {day.day:02d} tháng {month} năm {day.year}"
    return f"{place}, {words}" if place else words


def folded(text: str) -> str:
    """A name as an officer may type it, made comparable (a procedure's components by key or name): Unicode NFC,
    case-insensitive, every run of white space one space, none at the ends."""
    return unicodedata.normalize("NFC", " ".join(unicodedata.normalize("NFC", text).casefold().split()))


def vn_money(value, unit: str = "đồng") -> str:
    """An amount of money grouped by dots ("100.000 đồng"). Only money is grouped: years, codes and counts are
    printed as they are (``vn_value``)."""
    if value is None or value == "":
        return ""
    try:
        amount = int(value)
    except (TypeError, ValueError):
        return str(value)
    text = f"{abs(amount):,}".replace(",", ".")
    return f"{'-' if amount < 0 else ''}{text}{' ' + unit if unit else ''}"


MONEY_FORMAT = "money"  # a form field declared {"type": "integer", "format": "money"} is an amount in đồng


def vn_value(value, prop: dict | None = None) -> str:
    """A form value as a document prints it, by its declared type and format in the form schema: money grouped
    ("100.000 đồng"), dates dd/mm/yyyy, yes/no in words, everything else (years, codes, counts) as it is."""
    prop = prop or {}
    if value is None:
        return ""
    if prop.get("format") == MONEY_FORMAT:
        return vn_money(value)
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, (datetime, date)):
        return vn_time(value, "date")
    if prop.get("format") == "date" and isinstance(value, str):
        try:
            return vn_time(date.fromisoformat(value), "date")
        except ValueError:
            return value
    if isinstance(value, list):
        return "; ".join(vn_value(v, prop.get("items")) for v in value)
    return str(value)


# -- roles, step kinds, actions --------------------------------------------------------------------------------
AGENCY_LEVELS: dict[str, str] = {  # D29: the levels of the province's tree
    "province": N_("Cấp tỉnh"),
    "centre": N_("Trung tâm Phục vụ hành chính công"),
    "department": N_("Sở, ngành"),
    "commune": N_("Cấp xã, phường"),
}
ROLES: dict[str, str] = {
    "citizen": N_("Công dân"),
    "receiving_officer": N_("Cán bộ tiếp nhận"),
    "specialist": N_("Chuyên viên"),
    "department_leader": N_("Lãnh đạo phòng"),
    "head_of_agency": N_("Thủ trưởng cơ quan"),
    "centre_director": N_("Giám đốc trung tâm"),
    "clerk": N_("Văn thư"),
    "administrator": N_("Quản trị hệ thống"),
}


# -- service level (D27): each declared fact of a procedure, as (the good value, its reason when met, when not) --
LEVEL_FACTS: dict[str, tuple[bool, str, str]] = {
    "paperRequired": (False, N_("Không phải nộp hoặc xuất trình giấy tờ bản giấy"),
                      N_("Phải nộp hoặc xuất trình giấy tờ bản giấy")),
    "presenceRequired": (False, N_("Không phải đến cơ quan"), N_("Người nộp phải có mặt tại cơ quan")),
    "onsiteVerification": (False, N_("Không phải thẩm tra, xác minh có mặt người nộp"),
                           N_("Phải thẩm tra, xác minh thực tế có mặt người nộp")),
    "onlinePayment": (True, N_("Phí, lệ phí nộp được trực tuyến"), N_("Phí, lệ phí chưa nộp được trực tuyến")),
    "onlineResult": (True, N_("Kết quả trả trực tuyến hoặc qua bưu chính"),
                     N_("Kết quả chưa trả được trực tuyến hoặc qua bưu chính")),
}
NO_GATEWAY = N_("Phí, lệ phí chưa nộp được trực tuyến: cơ quan chưa có cổng thanh toán")  # the agency's means
NO_FEES = N_("Không thu phí, lệ phí")  # onlinePayment of a procedure without fees: nothing to pay, met
LEVEL_REASONS = (*(text for _good, *texts in LEVEL_FACTS.values() for text in texts), NO_GATEWAY, NO_FEES)

# -- the QĐ 766/QĐ-TTg indicators the engine computes (engine.reports.indicators), by id ------------------------
INDICATORS: dict[str, str] = {
    "2a": N_("Tỷ lệ hồ sơ xử lý trước hạn, đúng hạn"),
    "2a-late": N_("Tỷ lệ hồ sơ trễ hạn (cách tính của tỉnh: đúng hạn = 100 − trễ hạn)"),
    "2b": N_("Thời gian giải quyết thủ tục hành chính trung bình"),
    "3a": N_("Tỷ lệ số hóa thành phần hồ sơ"),
    "3b": N_("Tỷ lệ cấp kết quả điện tử"),
    "3c": N_("Tỷ lệ khai thác, sử dụng lại thông tin, dữ liệu số hóa"),
    "4c": N_("Tỷ lệ hồ sơ trực tuyến"),
    "4d": N_("Tỷ lệ thanh toán trực tuyến"),
    "5c": N_("Tỷ lệ hài lòng trong tiếp nhận, giải quyết thủ tục hành chính"),
}

# -- Vietnam's public holidays as the holidays package names them (engine.core.calendar asks for Vietnamese) --
# The calendar, the API and the stored rows keep these names; English pages translate them (ui.holiday_name).
# A name the package adds later stays Vietnamese until it is listed here.
HOLIDAYS: tuple[str, ...] = (
    N_("Tết Dương lịch"), N_("29 Tết"), N_("Giao thừa Tết Nguyên Đán"), N_("Tết Nguyên Đán"),
    N_("Mùng hai Tết Nguyên Đán"), N_("Mùng ba Tết Nguyên Đán"), N_("Mùng bốn Tết Nguyên Đán"),
    N_("Mùng năm Tết Nguyên Đán"), N_("Mùng sáu Tết Nguyên Đán"), N_("Ngày Giỗ Tổ Hùng Vương"),
    N_("Ngày Chiến thắng"), N_("Ngày Quốc tế Lao động"), N_("Quốc khánh"), N_("Ngày Văn hóa Việt Nam"),
)
# The package's words around a name ("Quốc khánh (nghỉ bù)"), by the words it writes in the brackets, and its
# substitute day off ("Ngày nghỉ (thay cho ngày 22/08/2026)").
HOLIDAY_LABELS: dict[str, str] = {
    "nghỉ bù": N_("%(name)s (nghỉ bù)"), "dự kiến": N_("%(name)s (dự kiến)"),
    "nghỉ bù, dự kiến": N_("%(name)s (nghỉ bù, dự kiến)"),
}
HOLIDAY_SUBSTITUTED = N_("Ngày nghỉ (thay cho ngày %(day)s)")

@dataclass(frozen=True)
class Step:
    """A step kind: ``name`` is the short word of lists and badges (context "step"), ``title`` the phrase
    registers and control slips print."""

    name: str
    title: str


STEPS: dict[str, Step] = {
    "intake": Step(NP_("step", "Tiếp nhận"), "Tiếp nhận hồ sơ"),
    "supplement": Step(NP_("step", "Bổ sung"), "Bổ sung hồ sơ"),
    "assessment": Step(NP_("step", "Thẩm định"), "Thẩm định hồ sơ"),
    "extension_review": Step(NP_("step", "Xem xét gia hạn"), "Xem xét gia hạn"),
    "approval": Step(NP_("step", "Phê duyệt"), "Phê duyệt"),
    "signing": Step(NP_("step", "Ký số, ban hành"), "Ban hành kết quả"),
    "return": Step(NP_("step", "Trả kết quả"), "Trả kết quả"),
    "apology": Step(NP_("step", "Thư xin lỗi"), "Thư xin lỗi vì quá hạn"),
    "handover": Step(NP_("step", "Liên thông"), "Chuyển hồ sơ liên thông"),
}


@dataclass(frozen=True)
class Action:
    """What happened, as history and registers say it (``done``); ``button``: what the button says (context
    "action"), for the actions a person chooses on a step."""

    done: str
    button: str | None = None


ACTIONS: dict[str, Action] = {
    "file": Action(N_("Nộp hồ sơ")),
    "receive": Action(N_("Tiếp nhận hồ sơ"), NP_("action", "Tiếp nhận hồ sơ")),
    "forward": Action(N_("Chuyển xử lý")),
    "request_supplement": Action(N_("Yêu cầu bổ sung"), NP_("action", "Yêu cầu bổ sung")),
    "supplement": Action(N_("Bổ sung hồ sơ")),
    "refuse": Action(N_("Từ chối"), NP_("action", "Từ chối")),
    "propose_approval": Action(N_("Đề xuất giải quyết"), NP_("action", "Đề xuất giải quyết")),
    "propose_refusal": Action(N_("Đề xuất từ chối giải quyết"), NP_("action", "Đề xuất từ chối giải quyết")),
    "request_extension": Action(N_("Đề nghị gia hạn"), NP_("action", "Đề nghị gia hạn")),
    "confirm_extension": Action(N_("Đồng ý gia hạn"), NP_("action", "Đồng ý gia hạn")),
    "reject_extension": Action(N_("Không đồng ý gia hạn"), NP_("action", "Không đồng ý gia hạn")),
    "extended": Action(N_("Gia hạn thời gian giải quyết")),
    "approve": Action(N_("Phê duyệt"), NP_("action", "Phê duyệt")),
    "send_back": Action(N_("Trả lại để thẩm định lại"), NP_("action", "Trả lại để thẩm định lại")),
    "issue_result": Action(N_("Ký số và ban hành kết quả"), NP_("action", "Ký số và ban hành kết quả")),
    "return_result": Action(N_("Trả kết quả"), NP_("action", "Trả kết quả")),
    "sign_result": Action(N_("Người có thẩm quyền ký số kết quả")),
    "sign_document": Action(N_("Người có thẩm quyền ký số văn bản")),
    "signature_sent_back": Action(N_("Chuyển lại kết quả để ký số lại (chứng thư số đã hết hiệu lực)")),
    "letter_issued": Action(N_("Ban hành thư xin lỗi")),
    "rated": Action(N_("Đánh giá mức độ hài lòng")),
    "warning": Action(N_("Cảnh báo sắp đến hạn")),
    "overdue": Action(N_("Quá hạn")),
    "intake_overdue": Action(N_("Quá hạn tiếp nhận")),
    "attach": Action(N_("Đính kèm giấy tờ")),
    "return_choice": Action(N_("Công dân đổi cách nhận kết quả")),
    "withdraw": Action(N_("Công dân rút hồ sơ")),
    "stop": Action(N_("Dừng giải quyết hồ sơ")),
    "timer": Action(N_("Hẹn giờ của quy trình")),
    "replanned": Action(N_("Tính lại hạn theo lịch làm việc mới")),
    "hand_over": Action(N_("Chuyển hồ sơ liên thông")),
    "hand_back": Action(N_("Nhận kết quả liên thông"), NP_("action", "Nhận kết quả liên thông")),
    "issue_apology": Action(N_("Ký thư xin lỗi vì quá hạn"), NP_("action", "Ký thư xin lỗi")),
    "payment_requested": Action(N_("Yêu cầu nộp phí, lệ phí")),
    "paid": Action(N_("Đã nộp phí, lệ phí")),
    "payment_exempted": Action(N_("Miễn phí, lệ phí")),
    "payment_refunded": Action(N_("Hoàn trả phí, lệ phí")),
    "refund_given": Action(N_("Đã hoàn trả phí, lệ phí cho người nộp")),
    "fee_repriced": Action(N_("Tính lại phí, lệ phí theo hồ sơ bổ sung")),
    "reissue_result": Action(N_("Cấp lại kết quả (đính chính)"), NP_("action", "Cấp lại (đính chính)")),
    "withdraw_reissue": Action(N_("Thu hồi yêu cầu cấp lại kết quả (đính chính)")),
    "migrate": Action(N_("Chuyển sang phiên bản quy trình mới")),
    "suspend": Action(N_("Quản trị viên tạm dừng hồ sơ")),
    "resume": Action(N_("Quản trị viên tiếp tục hồ sơ")),
    "terminate": Action(N_("Quản trị viên chấm dứt hồ sơ")),
}


# -- payments' labels (amounts in words: engine.core.number_words) ----------------------------------------------
PAYMENT_METHODS = {"online": N_("Trực tuyến"), "cash": N_("Tiền mặt"), "card": N_("Thẻ")}
# "failed": the fee was still owed when its dossier ended unprocessed (withdrawn, refused, stopped): owed no more
# (an online attempt that fails leaves the fee "pending", payable again)
PAYMENT_STATES = {"pending": N_("Chờ thanh toán"), "paid": N_("Đã thanh toán"),
                  "failed": N_("Không còn phải nộp (hồ sơ đã kết thúc)"), "refunded": N_("Hoàn trả cho người nộp"),
                  "exempted": N_("Được miễn")}


# -- statistics (D32): the counters' column headings of exports (engine.reports) --------------------------------
COUNTER_WORDS: dict[str, str] = {
    "received": "Tổng số hồ sơ tiếp nhận",
    "received_online": "Tiếp nhận trực tuyến",
    "received_desk": "Tiếp nhận trực tiếp",
    "received_post": "Tiếp nhận qua bưu chính công ích",
    "resolved": "Tổng số hồ sơ đã giải quyết",
    "resolved_early": "Giải quyết trước hạn",
    "resolved_on_time": "Giải quyết đúng hạn",
    "resolved_late": "Giải quyết quá hạn",
    "pending_in_time": "Đang giải quyết trong hạn",
    "pending_overdue": "Đang giải quyết quá hạn",
    "avg_resolution_working_hours": "Thời gian giải quyết trung bình (giờ làm việc)",
    "supplement_first": "Yêu cầu bổ sung lần đầu",
    "supplement_second": "Yêu cầu bổ sung lần hai",
    "supplement_second_not_met": "Lần hai: chưa thực hiện đúng yêu cầu lần đầu",
    "supplement_second_other": "Lần hai: lý do khác (có thư xin lỗi)",
    "extensions": "Gia hạn",
    "apologies": "Thư xin lỗi",
    "violations": "Vi phạm",
    "payments": "Lượt nộp phí, lệ phí",
    "paid_online": "Nộp phí, lệ phí trực tuyến",
    "digitised": "Hồ sơ có thành phần điện tử",
    "reused": "Hồ sơ sử dụng lại giấy tờ trong kho",
    "rating_count": "Lượt đánh giá",
    "rating_avg": "Mức hài lòng trung bình (1–5)",
    # an agency's share under liên thông: the requests it received from another agency's procedure
    "handovers_received": "Yêu cầu liên thông tiếp nhận",
    "handovers_answered": "Yêu cầu liên thông đã trả lời",
    "handovers_answered_late": "Yêu cầu liên thông trả lời quá hạn",
    "handovers_pending": "Yêu cầu liên thông đang xử lý",
}


# -- procedure versions (engine.cases.versions, engine.process.versiondiff) ---------------------------------------
VERSION_STATES: dict[str, str] = {
    "active": N_("Đang áp dụng"),
    "suspended": N_("Tạm ngừng tiếp nhận"),
    "retired": N_("Đã thôi áp dụng"),
}
# What changed from the previous version, by kind; the page adds the target and the values before and after.
VERSION_CHANGES: dict[str, str] = {
    "name_changed": N_("Đổi tên thủ tục"),
    "duration_changed": N_("Đổi thời hạn giải quyết"),
    "clock_changed": N_("Đổi cách tính thời hạn khi bổ sung hồ sơ"),
    "step_added": N_("Thêm bước"),
    "step_removed": N_("Bỏ bước"),
    "step_renamed": N_("Đổi tên bước"),
    "role_changed": N_("Đổi người thực hiện bước"),
    "actions_changed": N_("Đổi các thao tác của bước"),
    "step_form_changed": N_("Đổi biểu mẫu của bước"),
    "field_added": N_("Thêm trường biểu mẫu"),
    "field_removed": N_("Bỏ trường biểu mẫu"),
    "fee_added": N_("Thêm khoản phí, lệ phí"),
    "fee_removed": N_("Bỏ khoản phí, lệ phí"),
    "fee_changed": N_("Đổi khoản phí, lệ phí"),
    "component_added": N_("Thêm thành phần hồ sơ"),
    "component_removed": N_("Bỏ thành phần hồ sơ"),
    "result_changed": N_("Đổi mẫu kết quả"),
}
