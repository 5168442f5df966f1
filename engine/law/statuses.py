"""Dossier statuses: the national portal codes 1–10 with their names, and the legal transitions between them.

The database stores the plain integer (``Dossier.status``); everything that reads or writes it uses ``Status``.
The labels are Vietnamese, the national portal's own words. They are marked with ``N_`` (a no-op here) so
that pybabel extracts them and the web faces can show them translated (``gettext(Status(s).label)``).
"""
from __future__ import annotations

from enum import IntEnum


def N_(text: str) -> str:
    """Mark ``text`` for translation without translating it: the engine speaks Vietnamese, the web
    faces translate at display time."""
    return text


class Status(IntEnum):
    """domain.md "Statuses": the codes the national portal uses."""

    SUBMITTED = 1
    RECEIVED = 2
    REFUSED = 3
    PROCESSING = 4
    SUPPLEMENT = 5
    PAYMENT = 6
    WITHDRAWN = 7
    STOPPED = 8
    RESOLVED = 9
    RETURNED = 10

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS: dict[Status, str] = {
    Status.SUBMITTED: N_("Mới đăng ký"),
    Status.RECEIVED: N_("Được tiếp nhận"),
    Status.REFUSED: N_("Không được tiếp nhận"),
    Status.PROCESSING: N_("Đang xử lý"),
    Status.SUPPLEMENT: N_("Yêu cầu bổ sung giấy tờ"),
    Status.PAYMENT: N_("Yêu cầu thực hiện nghĩa vụ tài chính"),
    Status.WITHDRAWN: N_("Công dân yêu cầu rút hồ sơ"),
    Status.STOPPED: N_("Dừng xử lý"),
    Status.RESOLVED: N_("Đã xử lý xong"),
    Status.RETURNED: N_("Đã trả kết quả"),
}

SUBMITTED, RECEIVED, REFUSED, PROCESSING, SUPPLEMENT, PAYMENT, WITHDRAWN, STOPPED, RESOLVED, RETURNED = Status

# The dossier's life is over: nothing more can happen to it.
TERMINAL = frozenset({REFUSED, WITHDRAWN, STOPPED, RETURNED})
# The result's clock runs (D13, D19): received and not yet resolved, not waiting for the applicant.
OPEN_FOR_RESULT = frozenset({RECEIVED, PROCESSING})
# A result exists (D19 judges lateness at resolution).
HAS_RESULT = frozenset({RESOLVED, RETURNED})

# The legal transitions. SUPPLEMENT -> SUBMITTED is the intake-stage round trip: the completed dossier
# comes back to the one-stop's intake check (domain.md lists only the processing-stage loop). SUBMITTED ⇄
# PAYMENT is the same round trip for a fee the procedure asks with the filing (D26, engine.law.payment):
# the one-stop checks the dossier once the fee is paid.
TRANSITIONS: frozenset[tuple[Status, Status]] = frozenset({
    (SUBMITTED, RECEIVED), (SUBMITTED, REFUSED), (SUBMITTED, SUPPLEMENT),
    (SUPPLEMENT, SUBMITTED),
    (SUBMITTED, PAYMENT), (PAYMENT, SUBMITTED),
    (RECEIVED, PROCESSING),
    (PROCESSING, SUPPLEMENT), (SUPPLEMENT, PROCESSING),
    (PROCESSING, PAYMENT), (PAYMENT, PROCESSING),
    (PROCESSING, RESOLVED), (RESOLVED, RETURNED),
} | {(s, end) for s in Status if s not in TERMINAL for end in (WITHDRAWN, STOPPED)})


def can_move(from_status: int, to_status: int) -> bool:
    """Whether the law lets a dossier go from ``from_status`` to ``to_status`` (staying put is allowed)."""
    return from_status == to_status or (from_status, to_status) in TRANSITIONS


def can_end(status: int) -> bool:
    """Withdrawal or stop (D16, NĐ 118 Điều 21) is possible while there is no result and the dossier is open."""
    return status not in TERMINAL and status not in HAS_RESULT


def label(status: int) -> str:
    """The Vietnamese name of a stored status code."""
    return Status(status).label
