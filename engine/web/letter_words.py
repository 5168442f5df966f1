"""A letter's reason as an English page says it: the engine opens each with its fault (engine.paperwork.letters
FAULTS, stored with the letter), the officer's own words follow and stay as written. A Vietnamese page, and a
reason that opens otherwise, show it as stored."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l

from .field_messages import on_english_page

# The faults' opening words as engine.paperwork.letters writes them (tests/test_letter_words.py checks they agree).
LEAD_INS = {
    "Yêu cầu bổ sung hồ sơ lần thứ hai do hướng dẫn lần trước chưa đầy đủ, chưa rõ: ":
        _l("Yêu cầu bổ sung hồ sơ lần thứ hai do hướng dẫn lần trước chưa đầy đủ, chưa rõ: %(detail)s"),
    "Hồ sơ cần thêm thời gian giải quyết: ": _l("Hồ sơ cần thêm thời gian giải quyết: %(detail)s"),
    "Hồ sơ chưa được giải quyết đúng hạn: ": _l("Hồ sơ chưa được giải quyết đúng hạn: %(detail)s"),
}


def letter_reason(reason: str | None) -> str | None:
    if not reason or not on_english_page():
        return reason
    for lead, text in LEAD_INS.items():
        if reason.startswith(lead):
            return str(text) % {"detail": reason[len(lead):]}
    return reason
