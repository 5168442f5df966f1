"""The calendar notice's refusals in English on an English page (engine.cases.calendar_notices says them in
Vietnamese, a problem per line of the notice joined by "; "): each part is matched and said again, the lines'
own words (a date, a name, the Vietnamese example) kept as typed; a part the table does not know stays as it is.
"""
from __future__ import annotations

import re

from engine.web.field_messages import on_english_page

def _en(text: str, **values) -> str:
    """English itself: this table is only read for an English page (the Vietnamese is the engine's own)."""
    return text % values


_WHERE = r"(?P<where>Dòng \d+(?: của bảng)?|days\.\d+)"
# (the Vietnamese, as a pattern; the English, with the pattern's groups)
_PARTS = [
    (rf"{_WHERE}: cần 'ngày \[đến ngày\] loại tên', ví dụ (?P<example>.+)",
     lambda m: _en("%(where)s: expected 'day [to day] kind name', e.g. %(example)s", where=_where(m), example=m["example"])),
    (rf"{_WHERE}: ngày không có thật: (?P<day>.+)", lambda m: _en("%(where)s: no such day: %(day)s", where=_where(m), day=m["day"])),
    (rf"{_WHERE}: ngày phải theo dạng YYYY-MM-DD", lambda m: _en("%(where)s: a day is written YYYY-MM-DD", where=_where(m))),
    (rf"{_WHERE}: cần day \(hoặc from, to: YYYY-MM-DD\), kind và name",
     lambda m: _en("%(where)s: day (or from, to: YYYY-MM-DD), kind and name are needed", where=_where(m))),
    (rf"{_WHERE}: năm ngoài khoảng (?P<span>.+)", lambda m: _en("%(where)s: a year outside %(span)s", where=_where(m), span=m["span"])),
    (rf"{_WHERE}: khoảng ngày phải từ ngày đầu đến ngày cuối, tối đa 31 ngày",
     lambda m: _en("%(where)s: a range runs from its first day to its last, 31 days at most", where=_where(m))),
    (rf"{_WHERE}: cần tên theo thông báo \(tối đa (?P<n>\d+) ký tự\)",
     lambda m: _en("%(where)s: the name the notice gives is needed (%(n)s characters at most)", where=_where(m), n=m["n"])),
    (rf"{_WHERE}: lịch làm việc chỉ tính các năm (?P<span>\S+), không tính năm (?P<year>\d+)",
     lambda m: _en("%(where)s: the working calendar counts the years %(span)s only, not %(year)s", where=_where(m),
                 span=m["span"], year=m["year"])),
]
_WHOLE = [
    (r"Thông báo lịch có dòng không hợp lệ: (?P<parts>.+)", lambda m: _en("The calendar notice has lines that cannot be "
                                                                      "read: %(parts)s", parts=_parts(m["parts"]))),
    (r"Thông báo lịch có ngày ngoài lịch làm việc: (?P<parts>.+)",
     lambda m: _en("The calendar notice has days outside the working calendar: %(parts)s", parts=_parts(m["parts"]))),
    (r"Mọi ngày phải thuộc năm (?P<year>\d+)", lambda m: _en("Every day must be in %(year)s", year=m["year"])),
    (r"Một ngày có hai dòng", lambda m: _en("A day is on two lines")),
    (r"Tối đa (?P<n>\d+) ngày một lần", lambda m: _en("At most %(n)s days at a time", n=m["n"])),
    (r"Thông báo quá dài", lambda m: _en("The notice is too long")),
    (r"Tham số không hợp lệ", lambda m: _en("Invalid parameter")),
    (r"Năm không hợp lệ", lambda m: _en("Invalid year")),
    (r"Mã cơ quan không hợp lệ", lambda m: _en("Invalid agency code")),
    (r"Không tìm thấy cơ quan", lambda m: _en("No such agency")),
    (r"Năm ngoài lịch làm việc: lịch làm việc chỉ tính các năm (?P<span>\S+), không tính năm (?P<year>\d+)",
     lambda m: _en("A year outside the working calendar: it counts the years %(span)s only, not %(year)s",
                 span=m["span"], year=m["year"])),
    (r"Không sửa được ngày đã qua \(trước hôm nay (?P<today>[\d/]+)\): (?P<days>.+)",
     lambda m: _en("Days already past cannot be changed (before today, %(today)s): %(days)s", today=m["today"],
                 days=m["days"])),
]


def _where(match) -> str:
    where = match["where"]
    if where.startswith("days."):
        return where
    number = re.search(r"\d+", where)[0]
    return _en("Row %(n)s of the table", n=number) if "của bảng" in where else _en("Line %(n)s", n=number)


def _parts(text: str) -> str:
    said = []
    for part in text.split("; "):
        for pattern, english in _PARTS:
            found = re.fullmatch(pattern, part)
            if found:
                said.append(english(found))
                break
        else:
            said.append(part)
    return "; ".join(said)


def refusal(message: str | None) -> str | None:
    """``message`` as the page says it: in English on an English page when its words are known."""
    if not message or not on_english_page():
        return message
    for pattern, english in _WHOLE:
        found = re.fullmatch(pattern, message, re.DOTALL)
        if found:
            return english(found)
    return message
