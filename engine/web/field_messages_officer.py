"""The messages of the engine's refusals officers and administrators meet without a code the pages know, and
the field messages of their forms, as an English page says them (engine.web.field_messages adds these tables
to its own). Written as the engine writes them: MESSAGE_TEXT the messages said as they are, MESSAGE_PATTERNS
the ones with a part that changes, ``{name}`` for that part (``%(name)s`` in the English text)."""
from __future__ import annotations

import re

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext as _lp

MESSAGE_TEXT = {
    # who may do what at the desk and in the inbox (engine.cases.offers, filing, inbox, watch, payments, reissue)
    "Cán bộ chỉ nộp thay hồ sơ thuộc cơ quan mình": _l("Cán bộ chỉ nộp thay hồ sơ thuộc cơ quan mình"),
    "Kênh nộp không hợp lệ": _l("Kênh nộp không hợp lệ"),
    "online, desk hoặc post": _l("online, desk hoặc post"),
    "Chỉ công dân hoặc cán bộ tiếp nhận được nộp hồ sơ": _l("Chỉ công dân hoặc cán bộ tiếp nhận được nộp hồ sơ"),
    "Hồ sơ nộp qua bưu chính cần địa chỉ trả kết quả": _l("Hồ sơ nộp qua bưu chính cần địa chỉ trả kết quả"),
    "Chỉ cán bộ có hộp công việc": _l("Chỉ cán bộ có hộp công việc"),
    "Chỉ lãnh đạo xem được danh sách hồ sơ quá hạn, sắp đến hạn":
        _l("Chỉ lãnh đạo xem được danh sách hồ sơ quá hạn, sắp đến hạn"),
    "Chỉ cán bộ tiếp nhận của cơ quan giải quyết thu phí tại quầy":
        _l("Chỉ cán bộ tiếp nhận của cơ quan giải quyết thu phí tại quầy"),
    "Chỉ cán bộ tiếp nhận của cơ quan giải quyết quyết định miễn phí":
        _l("Chỉ cán bộ tiếp nhận của cơ quan giải quyết quyết định miễn phí"),
    "Chỉ cán bộ tiếp nhận của cơ quan tiếp nhận hồ sơ ghi nhận đã hoàn trả":
        _l("Chỉ cán bộ tiếp nhận của cơ quan tiếp nhận hồ sơ ghi nhận đã hoàn trả"),
    "Cách hoàn trả: ít nhất 3 ký tự": _l("Cách hoàn trả: ít nhất 3 ký tự"),
    "Chỉ cán bộ tiếp nhận xem các khoản phải hoàn trả của cơ quan mình":
        _l("Chỉ cán bộ tiếp nhận xem các khoản phải hoàn trả của cơ quan mình"),
    "ít nhất 3 ký tự": _l("ít nhất 3 ký tự"),
    "Chỉ văn thư được cấp lại (đính chính) kết quả": _l("Chỉ văn thư được cấp lại (đính chính) kết quả"),
    "Chỉ cán bộ Bộ phận Một cửa được dừng giải quyết hồ sơ (NĐ 118 Điều 21)":
        _l("Chỉ cán bộ Bộ phận Một cửa được dừng giải quyết hồ sơ (NĐ 118 Điều 21)"),
    # the overdue apology, the extension and the supplement rules (engine.law, engine.cases.tasks, steps)
    "Ngày hẹn trả kết quả mới phải vào giờ làm việc của một ngày làm việc":
        _l("Ngày hẹn trả kết quả mới phải vào giờ làm việc của một ngày làm việc"),
    "Ngoài giờ làm việc hoặc vào ngày nghỉ": _l("Ngoài giờ làm việc hoặc vào ngày nghỉ"),
    "Chỉ thủ trưởng cơ quan ký thư xin lỗi khi hồ sơ quá hạn (theo Điều 22 khoản 7 Quyết định 88/2017/QĐ-UBND)":
        _l("Chỉ thủ trưởng cơ quan ký thư xin lỗi khi hồ sơ quá hạn (theo Điều 22 khoản 7 Quyết định "
           "88/2017/QĐ-UBND)"),
    "Hồ sơ không quá hạn (kết quả được giải quyết đúng hạn hoặc hồ sơ đã kết thúc); không cần thư xin lỗi vì quá "
    "hạn": _l("Hồ sơ không quá hạn (kết quả được giải quyết đúng hạn hoặc hồ sơ đã kết thúc); không cần thư xin lỗi "
              "vì quá hạn"),
    "Hồ sơ trả kết quả quá hạn phải kèm thư xin lỗi của thủ trưởng cơ quan (theo Điều 22 khoản 7 Quyết định "
    "88/2017/QĐ-UBND). Thủ trưởng cơ quan cần ban hành thư xin lỗi trước khi trả kết quả.":
        _l("Hồ sơ trả kết quả quá hạn phải kèm thư xin lỗi của thủ trưởng cơ quan (theo Điều 22 khoản 7 Quyết định "
           "88/2017/QĐ-UBND). Thủ trưởng cơ quan cần ban hành thư xin lỗi trước khi trả kết quả."),
    "Ngày hẹn trả kết quả mới phải là một thời điểm sau hiện tại (ISO 8601 có múi giờ)":
        _l("Ngày hẹn trả kết quả mới phải là một thời điểm sau hiện tại (ISO 8601 có múi giờ)"),
    "Chỉ được hẹn lại ngày trả kết quả một lần (theo Điều 19 Nghị định 61/2018/NĐ-CP)":
        _l("Chỉ được hẹn lại ngày trả kết quả một lần (theo Điều 19 Nghị định 61/2018/NĐ-CP)"),
    "Hồ sơ chưa có hạn giải quyết để gia hạn": _l("Hồ sơ chưa có hạn giải quyết để gia hạn"),
    "Chỉ được yêu cầu bổ sung một lần (theo Điều 11 Nghị định 118/2025/NĐ-CP). Lần thứ hai phải ghi lý do: người "
    "nộp chưa thực hiện đúng yêu cầu lần trước, hoặc lý do khác kèm thư xin lỗi (theo Điều 13 khoản 2 và Điều 14 "
    "khoản 1 Quyết định 88/2017/QĐ-UBND)":
        _l("Chỉ được yêu cầu bổ sung một lần (theo Điều 11 Nghị định 118/2025/NĐ-CP). Lần thứ hai phải ghi lý do: "
           "người nộp chưa thực hiện đúng yêu cầu lần trước, hoặc lý do khác kèm thư xin lỗi (theo Điều 13 khoản 2 "
           "và Điều 14 khoản 1 Quyết định 88/2017/QĐ-UBND)"),
    # the administration pages: offers, citizens at the desk, the calendar, the import of officers
    "Mức phí không hợp lệ": _l("Mức phí không hợp lệ"),
    "Một đối tượng: mã phí -> số đồng": _l("Một đối tượng: mã phí -> số đồng"),
    "Số đồng (số nguyên không âm)": _l("Số đồng (số nguyên không âm)"),
    "Cấp cơ quan không hợp lệ": _l("Cấp cơ quan không hợp lệ"),
    "Cơ quan cung cấp không hợp lệ": _l("Cơ quan cung cấp không hợp lệ"),
    "Thao tác không hợp lệ": _l("Thao tác không hợp lệ"),
    "Cần lý do (tối đa 255 ký tự)": _l("Cần lý do (tối đa 255 ký tự)"),
    "Năm không hợp lệ": _l("Năm không hợp lệ"),
    "Danh sách ngày không hợp lệ": _l("Danh sách ngày không hợp lệ"),
    "Quá nhiều ngày": _l("Quá nhiều ngày"),
    "Ngày khác năm": _l("Ngày khác năm"),
    "Tệp CSV phải mã hóa UTF-8": _l("Tệp CSV phải mã hóa UTF-8"),
    "Tệp chứa ký tự không hợp lệ (NUL)": _l("Tệp chứa ký tự không hợp lệ (NUL)"),
    "Tệp không có dòng nào": _l("Tệp không có dòng nào"),
    "Không đọc được tệp XLSX": _l("Không đọc được tệp XLSX"),
    "Không đọc được": _l("Không đọc được"),
    "Quá nhiều dòng": _l("Quá nhiều dòng"),
    "Tên đăng nhập lặp lại trong tệp": _l("Tên đăng nhập lặp lại trong tệp"),
    "Đã có ở dòng trước": _l("Đã có ở dòng trước"),
    # engine.cases.agency_admin: an agency's office hours
    "Giờ làm việc phải ghi giờ của các ngày thứ Hai đến thứ Sáu: thời hạn giải quyết tính theo các ngày đó; giờ "
    "thứ Bảy, Chủ nhật chỉ ghi thêm":
        _l("Giờ làm việc phải ghi giờ của các ngày thứ Hai đến thứ Sáu: thời hạn giải quyết tính theo các ngày đó; "
           "giờ thứ Bảy, Chủ nhật chỉ ghi thêm"),
    "Giờ làm việc mỗi ngày từ thứ Hai đến thứ Sáu phải từ 4 giờ trở lên":
        _l("Giờ làm việc mỗi ngày từ thứ Hai đến thứ Sáu phải từ 4 giờ trở lên"),
}

MESSAGE_PATTERNS = {
    # engine.cases.steps.signing: the clerk's issue carries the signed document's number and day (D22, D34)
    "Phải là số đã cấp: {number} (hoặc để trống)": _l("Phải là số đã cấp: %(number)s (hoặc để trống)"),
    "Phải là ngày ký văn bản: {day} (hoặc để trống)": _l("Phải là ngày ký văn bản: %(day)s (hoặc để trống)"),
    # engine.cases.payments.desk: the amount due, next to the field
    "Phải bằng {limit}": _l("Phải bằng %(limit)s"),
    # engine.law.supplement, engine.law.extension
    "Hồ sơ đã được yêu cầu bổ sung {n} lần; không được yêu cầu bổ sung lần thứ ba (theo Điều 11 Nghị định "
    "118/2025/NĐ-CP; Điều 13 khoản 2 và Điều 14 khoản 1 Quyết định 88/2017/QĐ-UBND)":
        _l("Hồ sơ đã được yêu cầu bổ sung %(n)s lần; không được yêu cầu bổ sung lần thứ ba (theo Điều 11 Nghị định "
           "118/2025/NĐ-CP; Điều 13 khoản 2 và Điều 14 khoản 1 Quyết định 88/2017/QĐ-UBND)"),
    "Đã quá {n} ngày làm việc kể từ khi tiếp nhận; không còn được yêu cầu bổ sung ở giai đoạn xử lý (theo Nghị "
    "định 61/2018/NĐ-CP)":
        _l("Đã quá %(n)s ngày làm việc kể từ khi tiếp nhận; không còn được yêu cầu bổ sung ở giai đoạn xử lý (theo "
           "Nghị định 61/2018/NĐ-CP)"),
    # engine.law.extension (D18): over 1/3 of the processing time ({limit}: the cap, "1 ngày làm việc"), asked too
    # late ({limit}: the due instant, "09:00 ngày 27/11/2026"); english_parts says these parts in English
    "Thời gian gia hạn vượt quá 1/3 thời hạn giải quyết: tối đa {limit} (theo Điều 19 Nghị định 61/2018/NĐ-CP)":
        _l("Thời gian gia hạn vượt quá 1/3 thời hạn giải quyết: tối đa %(limit)s (theo Điều 19 Nghị định "
           "61/2018/NĐ-CP)"),
    "Phải gia hạn chậm nhất 1 ngày làm việc trước hạn trả kết quả ({limit}); nay chỉ có thể trả muộn kèm thư xin "
    "lỗi (theo Điều 19 Nghị định 61/2018/NĐ-CP)":
        _l("Phải gia hạn chậm nhất 1 ngày làm việc trước hạn trả kết quả (%(limit)s); nay chỉ có thể trả muộn kèm "
           "thư xin lỗi (theo Điều 19 Nghị định 61/2018/NĐ-CP)"),
    "Phải gia hạn trước hạn trả kết quả ({limit}); nay chỉ có thể trả muộn kèm thư xin lỗi (theo Điều 19 Nghị "
    "định 61/2018/NĐ-CP)":
        _l("Phải gia hạn trước hạn trả kết quả (%(limit)s); nay chỉ có thể trả muộn kèm thư xin lỗi (theo Điều 19 "
           "Nghị định 61/2018/NĐ-CP)"),
    # engine.cases.staff_import
    "Thiếu cột: {items}": _l("Thiếu cột: %(items)s"),
    "Tối đa {limit} dòng mỗi lần nhập": _l("Tối đa %(limit)s dòng mỗi lần nhập"),
    "Tệp CSV không đọc được (dòng {n}): có ô dài quá mức cho phép (không cột nào quá 255 ký tự)":
        _l("Tệp CSV không đọc được (dòng %(n)s): có ô dài quá mức cho phép (không cột nào quá 255 ký tự)"),
    "Tệp CSV không đọc được (dòng {n}): ký tự xuống dòng lẻ trong một ô không có ngoặc kép":
        _l("Tệp CSV không đọc được (dòng %(n)s): ký tự xuống dòng lẻ trong một ô không có ngoặc kép"),
    "Tệp CSV không đọc được (dòng {n}): sai định dạng CSV":
        _l("Tệp CSV không đọc được (dòng %(n)s): sai định dạng CSV"),
}


# The parts of a message the engine wrote in Vietnamese words, which a pattern's English text keeps as they came:
# a working time (engine.core.calendar.describe_duration: "1 ngày 2 giờ 40 phút làm việc") and an instant
# (engine.core.vocabulary.vn_time's "at": "09:00 ngày 27/11/2026"). English says each number with its noun and
# the instant as its pages write it ("1 day 2 hours 40 minutes of working time", "27/11/2026 09:00"), in the
# words of engine.web.dossier_view's working time. Literal, so that the extraction finds them.
UNIT_WORDS = {"ngày": (_lp("singular", "%(num)s ngày"), _lp("plural", "%(num)s ngày")),
              "giờ": (_lp("singular", "%(num)s giờ"), _lp("plural", "%(num)s giờ")),
              "phút": (_lp("singular", "%(num)s phút"), _lp("plural", "%(num)s phút"))}
WORKING_TIME = _l("%(time)s làm việc")
_INSTANT = re.compile(r"\b(\d{2}:\d{2}) ngày (\d{2}/\d{2}/\d{4})\b")
_WORKING_TIME = re.compile(r"\b((?:\d+ (?:ngày|giờ|phút) )+)làm việc\b")
_UNIT = re.compile(r"(\d+) (ngày|giờ|phút)")


def english_parts(text: str) -> str:
    """``text`` (the English text of a message with a part that changes) with the working times and instants it
    carries in the engine's Vietnamese words said in the page's language."""
    def unit(found: re.Match) -> str:
        n = int(found.group(1))
        return str(UNIT_WORDS[found.group(2)][0 if n == 1 else 1]) % {"num": n}

    def working_time(found: re.Match) -> str:
        return str(WORKING_TIME) % {"time": _UNIT.sub(unit, found.group(1).strip())}
    return _WORKING_TIME.sub(working_time, _INSTANT.sub(r"\2 \1", text))
