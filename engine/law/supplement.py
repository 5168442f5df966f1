"""Supplement requests (D10–D12): one in a dossier's life; a second only with a recorded reason; never a third.

D10: one request, intake and processing stages together. D11: a second one needs a reason of one of two
kinds: (a) ``applicant_not_compliant``, naming item by item what of the first request was not met, no
apology; (b) ``other``, with an apology letter (engine.law.apology). D12: during processing, a request (the first
or the second) is raised within 3 working days of the agency holding the complete dossier: its receipt, or the
arrival of the supplement the processing stage asked for (``received_at``, engine.cases.steps.guards).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from engine.core.calendar import WorkingCalendar
from engine.core.errors import Invalid
from engine.core.vocabulary import folded as _folded
from engine.law.apology import signer_role, SECOND_SUPPLEMENT
from engine.law.deadlines import clock_start

FREE_REQUESTS = 1       # D10
MAX_REQUESTS = 2        # D11: the second needs a reason; there is no third
WINDOW_WORKING_DAYS = 3  # D12
REASON_KINDS = ("applicant_not_compliant", "other")
INTAKE, PROCESSING = "intake", "processing"


@dataclass(frozen=True)
class Verdict:
    """A request the law allows: its number in the dossier's life and whether an apology goes with it."""

    ordinal: int
    apology: bool
    signer_role: str | None


def stage_of(step: str) -> str:
    """The stage a step belongs to: the one-stop's intake check, or the agency's processing."""
    return INTAKE if step == "intake" else PROCESSING


def allowed(requests_so_far: int, second_reason: dict | None = None) -> bool:
    """Whether one more request can be made at all (the predicate of D10–D11, without the details)."""
    if requests_so_far < FREE_REQUESTS:
        return second_reason is None
    return requests_so_far < MAX_REQUESTS and second_reason is not None


def check_request(*, requests_so_far: int, second_reason: dict | None, first_items: list[dict],
                  stage: str, received_at: datetime | None, now: datetime, cal: WorkingCalendar,
                  unit: str = "working_day", components: list[dict] = ()) -> Verdict:
    """Refuse a supplement request the law does not allow (D10–D12); otherwise say what it is.

    ``first_items`` are the items of the dossier's first request (for D11a), ``received_at`` the valid
    intake or the later arrival of a processing-stage supplement, and ``unit`` the procedure's duration unit (for D12: the window starts with the result's clock),
    ``components`` the procedure's declared components (``{"key", "name"}``: D11a knows an item by either)."""
    if requests_so_far >= MAX_REQUESTS:
        raise Invalid(f"Hồ sơ đã được yêu cầu bổ sung {requests_so_far} lần; không được yêu cầu bổ sung lần "
                      "thứ ba (theo Điều 11 Nghị định 118/2025/NĐ-CP; Điều 13 khoản 2 và Điều 14 khoản 1 Quyết định 88/2017/QĐ-UBND)", code="rule_violation", rule="D10")
    if requests_so_far < FREE_REQUESTS:
        if second_reason is not None:
            raise Invalid("Lý do yêu cầu bổ sung lần hai chỉ dùng cho lần thứ hai", code="rule_violation",
                          fields={"second_reason": "Không dùng ở lần đầu"}, rule="D10")
        check_processing_window(stage, received_at, now, cal, unit)
        return Verdict(1, False, None)
    if second_reason is None:
        raise Invalid("Chỉ được yêu cầu bổ sung một lần (theo Điều 11 Nghị định 118/2025/NĐ-CP). Lần thứ hai phải ghi lý do: người nộp chưa "
                      "thực hiện đúng yêu cầu lần trước, hoặc lý do khác kèm thư xin lỗi (theo Điều 13 khoản 2 và Điều 14 khoản 1 Quyết định 88/2017/QĐ-UBND)",
                      code="rule_violation", fields={"second_reason": "Bắt buộc cho lần yêu cầu thứ hai"},
                      rule="D10")
    if second_reason.get("kind") == "applicant_not_compliant":
        asked = {i["component"] for i in first_items}
        unmet = second_reason.get("unmet_items") or []
        same = _component_of(components)  # the key, the name, any case: the same component, as the items are read
        if not unmet or not {same(u) for u in unmet} <= {same(a) for a in asked}:
            raise Invalid("Phải nêu từng mục của yêu cầu lần trước mà người nộp chưa thực hiện",
                          code="rule_violation", rule="D11",
                          fields={"second_reason.unmet_items": "Chọn trong các mục đã yêu cầu: " + ", ".join(
                              sorted(asked))})
        check_processing_window(stage, received_at, now, cal, unit)
        return Verdict(2, False, None)
    check_processing_window(stage, received_at, now, cal, unit)
    return Verdict(2, True, signer_role(SECOND_SUPPLEMENT, stage))


def _component_of(components: list[dict]):
    """``same(text)``: the component ``text`` names, by its key or its name in any spelling (its folded name);
    a text naming no declared component stays itself, folded."""
    declared = {}
    for c in components:
        declared[_folded(c["name"])] = _folded(c["name"])
        if c.get("key"):
            declared[_folded(c["key"])] = _folded(c["name"])
    return lambda text: declared.get(_folded(text), _folded(text))


def check_processing_window(stage: str, received_at: datetime | None, now: datetime,
                            cal: WorkingCalendar, unit: str = "working_day") -> None:
    """D12: the agency raises a supplement request within 3 working days of receiving the (complete) dossier,
    counted from when the result's clock starts (engine.law.deadlines.clock_start, as the due instant counts:
    after the 15:00 cut-off, from the next working day, D16), so that the window and the due date agree."""
    if stage != PROCESSING or received_at is None:
        return
    start = clock_start(cal, received_at, unit)
    if cal.working_time_between(start, now) > cal.day_length * WINDOW_WORKING_DAYS:
        raise Invalid(f"Đã quá {WINDOW_WORKING_DAYS} ngày làm việc kể từ khi tiếp nhận; không còn được yêu "
                      "cầu bổ sung ở giai đoạn xử lý (theo Nghị định 61/2018/NĐ-CP)", code="rule_violation", rule="D12")
