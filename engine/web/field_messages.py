"""The engine's field messages, and its refusals without a code the pages know, as an English page says them.

The engine (engine.process.forms, engine.cases, engine.law) says what is wrong with a field, and many of its
refusals, in Vietnamese: the JSON API keeps these words (api.md). The pages show them next to each field, in
the error summaries and as a refusal's main text; an English page says instead the English text of the
messages people meet on the filing, supplement, task, account, lookup and administration pages. MESSAGE_TEXT
holds the messages said as they are; MESSAGE_PATTERNS the ones with a part that changes (a limit, a count, a
list of codes), written as the engine writes them with ``{name}`` for that part, which the English text keeps
(``%(name)s``). A message the tables do not know, and every message on a Vietnamese page, is shown as it is.
"""
from __future__ import annotations

import re

from flask_babel import get_locale
from flask_babel import lazy_gettext as _l

from . import field_messages_officer as officer

MESSAGE_TEXT = {
    # engine.process.forms: a form's fields checked against its JSON Schema
    "Trường này là bắt buộc": _l("Trường này là bắt buộc"),
    # engine.cases.offers: a procedure several agencies offer, filed without naming one (D29)
    "Chọn cơ quan tiếp nhận hồ sơ": _l("Chọn cơ quan tiếp nhận hồ sơ"),
    "Sai kiểu dữ liệu": _l("Sai kiểu dữ liệu"),
    "Phải là số nguyên": _l("Phải là số nguyên"),
    "Phải là số": _l("Phải là số"),
    "Phải là chữ (văn bản)": _l("Phải là chữ (văn bản)"),
    "Phải là đúng hoặc sai": _l("Phải là đúng hoặc sai"),
    "Phải là một danh sách": _l("Phải là một danh sách"),
    "Không đúng định dạng": _l("Không đúng định dạng"),
    "Giá trị không nằm trong danh sách cho phép": _l("Giá trị không nằm trong danh sách cho phép"),
    "Trường không được phép": _l("Trường không được phép"),
    "Cần đúng một trong các trường cho phép": _l("Cần đúng một trong các trường cho phép"),
    "Giá trị không hợp lệ": _l("Giá trị không hợp lệ"),
    "Không được để trống": _l("Không được để trống"),
    "Số không hợp lệ": _l("Số không hợp lệ"),
    "Số quá lớn (tối đa 9.007.199.254.740.991)": _l("Số quá lớn (tối đa 9.007.199.254.740.991)"),
    "Có ký tự điều khiển không hợp lệ": _l("Có ký tự điều khiển không hợp lệ"),
    # filing and supplementing (engine.cases.filing, attachments): the owner, the return choice, the files
    "Bắt buộc": _l("Bắt buộc"),
    "online, post hoặc desk": _l("online, post hoặc desk"),
    "Họ và tên là bắt buộc (2–255 ký tự)": _l("Họ và tên là bắt buộc (2–255 ký tự)"),
    # a name with hidden characters or without two letters (forms.name_error), and a result given at the desk only
    "Họ và tên có ký tự điều khiển hoặc ký tự ẩn": _l("Họ và tên có ký tự điều khiển hoặc ký tự ẩn"),
    "Họ và tên cần ít nhất hai chữ cái": _l("Họ và tên cần ít nhất hai chữ cái"),
    "Họ và tên dài quá 255 ký tự": _l("Họ và tên dài quá 255 ký tự"),
    "Tên cơ quan dài quá 255 ký tự": _l("Tên cơ quan dài quá 255 ký tự"),
    "Tên cơ quan có ký tự điều khiển hoặc ký tự ẩn": _l("Tên cơ quan có ký tự điều khiển hoặc ký tự ẩn"),
    "Tên cơ quan cần ít nhất hai chữ cái": _l("Tên cơ quan cần ít nhất hai chữ cái"),
    "Tên trên con dấu có ký tự điều khiển hoặc ký tự ẩn": _l("Tên trên con dấu có ký tự điều khiển hoặc ký tự ẩn"),
    "Tên trên con dấu cần ít nhất hai chữ cái": _l("Tên trên con dấu cần ít nhất hai chữ cái"),
    "Chỉ nhận kết quả trực tiếp tại cơ quan (desk)": _l("Chỉ nhận kết quả trực tiếp tại cơ quan (desk)"),
    "Ngày sinh không hợp lệ (YYYY-MM-DD, từ năm 1900)":
        _l("Ngày sinh không hợp lệ (YYYY-MM-DD, từ năm 1900)"),
    "Ngày sinh không thể ở tương lai": _l("Ngày sinh không thể ở tương lai"),
    "Số CCCD phải gồm đúng 12 chữ số": _l("Số CCCD phải gồm đúng 12 chữ số"),
    "Không khớp với danh tính đã xác thực của số CCCD này":
        _l("Không khớp với danh tính đã xác thực của số CCCD này"),
    "Họ tên hoặc ngày sinh không khớp với danh tính đã xác thực của số CCCD này":
        _l("Họ tên hoặc ngày sinh không khớp với danh tính đã xác thực của số CCCD này"),
    "Chưa thể nộp thay cho người khác: thông tin chủ hồ sơ đã không khớp quá nhiều lần":
        _l("Chưa thể nộp thay cho người khác: thông tin chủ hồ sơ đã không khớp quá nhiều lần"),
    "Chọn post để nhận kết quả qua bưu chính": _l("Chọn post để nhận kết quả qua bưu chính"),
    "Ghi số nhà, đường, phường/xã, tỉnh/thành phố (10–500 ký tự)":
        _l("Ghi số nhà, đường, phường/xã, tỉnh/thành phố (10–500 ký tự)"),
    "Thông tin chủ hồ sơ chưa hợp lệ (theo Nghị định 45/2020/NĐ-CP)":
        _l("Thông tin chủ hồ sơ chưa hợp lệ (theo Nghị định 45/2020/NĐ-CP)"),
    "Cán bộ nộp thay phải ghi thông tin chủ hồ sơ (owner)":
        _l("Cán bộ nộp thay phải ghi thông tin chủ hồ sơ (owner)"),
    "Hình thức nhận kết quả không hợp lệ": _l("Hình thức nhận kết quả không hợp lệ"),
    "Chọn cách nhận kết quả": _l("Chọn cách nhận kết quả"),
    "Địa chỉ nhận kết quả chỉ dùng khi nhận qua bưu chính":
        _l("Địa chỉ nhận kết quả chỉ dùng khi nhận qua bưu chính"),
    "Nhận kết quả qua bưu chính cần địa chỉ nhận": _l("Nhận kết quả qua bưu chính cần địa chỉ nhận"),
    "Chỉ nhận tệp PDF, JPEG hoặc PNG": _l("Chỉ nhận tệp PDF, JPEG hoặc PNG"),
    "Loại tệp không hợp lệ": _l("Loại tệp không hợp lệ"),
    "Tệp rỗng": _l("Tệp rỗng"),
    "Giấy tờ đã bị thay đổi sau khi lưu": _l("Giấy tờ đã bị thay đổi sau khi lưu"),
    # the receiving agency of a filing (engine.cases.offers, D29)
    "Cơ quan tiếp nhận không hợp lệ": _l("Cơ quan tiếp nhận không hợp lệ"),
    "Mã định danh của một cơ quan": _l("Mã định danh của một cơ quan"),
    "Không phải cơ quan cung cấp thủ tục này": _l("Không phải cơ quan cung cấp thủ tục này"),
    "Chưa có cơ quan tiếp nhận": _l("Chưa có cơ quan tiếp nhận"),
    "Hồ sơ không có yêu cầu bổ sung đang chờ": _l("Hồ sơ không có yêu cầu bổ sung đang chờ"),
    # the rating of a dossier (engine.cases.portal_cases)
    "Chọn mức hài lòng từ 1 đến 5": _l("Chọn mức hài lòng từ 1 đến 5"),
    "Chọn một mức từ 1 đến 5": _l("Chọn một mức từ 1 đến 5"),
    "Góp ý tối đa 2000 ký tự": _l("Góp ý tối đa 2000 ký tự"),
    "Tối đa 2000 ký tự": _l("Tối đa 2000 ký tự"),
    "Góp ý có ký tự điều khiển không hợp lệ": _l("Góp ý có ký tự điều khiển không hợp lệ"),
    "Chỉ đánh giá được sau khi hồ sơ đã trả kết quả (theo Quyết định 766/QĐ-TTg)":
        _l("Chỉ đánh giá được sau khi hồ sơ đã trả kết quả (theo Quyết định 766/QĐ-TTg)"),
    # the public lookup (engine.cases.portal_cases)
    "Nhập mã hồ sơ (ví dụ 000.00.06.H56-261123-0001) hoặc số CCCD gồm 12 chữ số":
        _l("Nhập mã hồ sơ (ví dụ 000.00.06.H56-261123-0001) hoặc số CCCD gồm 12 chữ số"),
    "Mã hồ sơ hoặc số CCCD không hợp lệ": _l("Mã hồ sơ hoặc số CCCD không hợp lệ"),
    # an officer's task: the supplement rules (engine.law.supplement), the extension cap (law.extension)
    "Không dùng ở lần đầu": _l("Không dùng ở lần đầu"),
    "Bắt buộc cho lần yêu cầu thứ hai": _l("Bắt buộc cho lần yêu cầu thứ hai"),
    "Lý do yêu cầu bổ sung lần hai chỉ dùng cho lần thứ hai":
        _l("Lý do yêu cầu bổ sung lần hai chỉ dùng cho lần thứ hai"),
    "Phải nêu từng mục của yêu cầu lần trước mà người nộp chưa thực hiện":
        _l("Phải nêu từng mục của yêu cầu lần trước mà người nộp chưa thực hiện"),
    "Vượt mức tối đa": _l("Vượt mức tối đa"),
    # accounts: registration, passwords, activation and recovery codes (cases.accounts, citizens, staff)
    "Thông tin đăng ký chưa hợp lệ": _l("Thông tin đăng ký chưa hợp lệ"),
    "Ngày không hợp lệ (YYYY-MM-DD, từ năm 1900)": _l("Ngày không hợp lệ (YYYY-MM-DD, từ năm 1900)"),
    "Ngày cấp không thể ở tương lai": _l("Ngày cấp không thể ở tương lai"),
    "Số điện thoại không hợp lệ": _l("Số điện thoại không hợp lệ"),
    "Địa chỉ email không hợp lệ": _l("Địa chỉ email không hợp lệ"),
    "Mật khẩu cần ít nhất 8 ký tự": _l("Mật khẩu cần ít nhất 8 ký tự"),
    "Mật khẩu không được chứa ký tự điều khiển": _l("Mật khẩu không được chứa ký tự điều khiển"),
    "Mật khẩu hiện tại không đúng": _l("Mật khẩu hiện tại không đúng"),
    "Mật khẩu mới phải khác mật khẩu hiện tại": _l("Mật khẩu mới phải khác mật khẩu hiện tại"),
    "Mật khẩu quá dễ đoán (như 12345678 hay 11111111); hãy chọn mật khẩu khác":
        _l("Mật khẩu quá dễ đoán (như 12345678 hay 11111111); hãy chọn mật khẩu khác"),
    "Mật khẩu nhập lại không khớp": _l("Mật khẩu nhập lại không khớp"),
    "Chưa đổi được mật khẩu": _l("Chưa đổi được mật khẩu"),
    "Chưa đặt được mật khẩu": _l("Chưa đặt được mật khẩu"),
    "Không đúng hoặc đã hết hạn": _l("Không đúng hoặc đã hết hạn"),
    "Mã kích hoạt không đúng hoặc đã hết hạn": _l("Mã kích hoạt không đúng hoặc đã hết hạn"),
    "Mã khôi phục không đúng hoặc đã hết hạn": _l("Mã khôi phục không đúng hoặc đã hết hạn"),
    "Thông tin công dân chưa hợp lệ": _l("Thông tin công dân chưa hợp lệ"),
    "Chưa kích hoạt được tài khoản": _l("Chưa kích hoạt được tài khoản"),
    "Chưa đặt lại được mật khẩu": _l("Chưa đặt lại được mật khẩu"),
    # administration of officers and agencies (engine.cases.staff, agency_admin)
    "Thông tin cán bộ chưa hợp lệ": _l("Thông tin cán bộ chưa hợp lệ"),
    "Tên đăng nhập: 2–64 ký tự thường a–z, 0–9, dấu chấm, gạch; bắt đầu bằng chữ":
        _l("Tên đăng nhập: 2–64 ký tự thường a–z, 0–9, dấu chấm, gạch; bắt đầu bằng chữ"),
    "Không có cơ quan với mã này": _l("Không có cơ quan với mã này"),
    "Cơ quan này đã ngừng hoạt động": _l("Cơ quan này đã ngừng hoạt động"),
    "Đã tồn tại": _l("Đã tồn tại"),
    "Lý do: 1–255 ký tự": _l("Lý do: 1–255 ký tự"),
    "Thông tin cơ quan chưa hợp lệ": _l("Thông tin cơ quan chưa hợp lệ"),
    "Mã định danh điện tử: chữ in hoa, chữ số và dấu chấm (ví dụ 000.00.06.H56)":
        _l("Mã định danh điện tử: chữ in hoa, chữ số và dấu chấm (ví dụ 000.00.06.H56)"),
    "Tên cơ quan là bắt buộc (2–255 ký tự)": _l("Tên cơ quan là bắt buộc (2–255 ký tự)"),
    "Cấp: province, centre, department hoặc commune": _l("Cấp: province, centre, department hoặc commune"),
    "Cấp tỉnh là gốc của cây, không có cơ quan cấp trên":
        _l("Cấp tỉnh là gốc của cây, không có cơ quan cấp trên"),
    "Không có cơ quan cấp trên với mã này": _l("Không có cơ quan cấp trên với mã này"),
    "Cơ quan cấp trên này đã ngừng hoạt động": _l("Cơ quan cấp trên này đã ngừng hoạt động"),
    "Không thể đặt cơ quan dưới chính nó hoặc cơ quan cấp dưới của nó":
        _l("Không thể đặt cơ quan dưới chính nó hoặc cơ quan cấp dưới của nó"),
    "Giờ làm việc: mỗi ngày (mon–sun) tối đa 4 khoảng giờ dạng 07:30-11:30, theo thứ tự trong ngày, "
    "không chồng lên nhau":
        _l("Giờ làm việc: mỗi ngày (mon–sun) tối đa 4 khoảng giờ dạng 07:30-11:30, theo thứ tự trong ngày, "
           "không chồng lên nhau"),
    "Cần lý do khóa tài khoản (tối đa 255 ký tự)": _l("Cần lý do khóa tài khoản (tối đa 255 ký tự)"),
    "Chữ viết tắt tên cơ quan: chữ in hoa, chữ số và dấu '-', tối đa 20 ký tự (ví dụ STC)":
        _l("Chữ viết tắt tên cơ quan: chữ in hoa, chữ số và dấu '-', tối đa 20 ký tự (ví dụ STC)"),
}

MESSAGE_PATTERNS = {
    # engine.process.forms
    "Giá trị phải lớn hơn {limit}": _l("Giá trị phải lớn hơn %(limit)s"),
    "Quá ngắn (tối thiểu {limit} ký tự)": _l("Quá ngắn (tối thiểu %(limit)s ký tự)"),
    "Quá dài (tối đa {limit} ký tự)": _l("Quá dài (tối đa %(limit)s ký tự)"),
    "Giá trị quá nhỏ (tối thiểu {limit})": _l("Giá trị quá nhỏ (tối thiểu %(limit)s)"),
    "Giá trị quá lớn (tối đa {limit})": _l("Giá trị quá lớn (tối đa %(limit)s)"),
    "Quá nhiều mục (tối đa {limit})": _l("Quá nhiều mục (tối đa %(limit)s)"),
    "Gồm đúng {n} chữ số": _l("Gồm đúng %(n)s chữ số"),
    "Gồm đúng {n} chữ số, bắt đầu bằng số 0": _l("Gồm đúng %(n)s chữ số, bắt đầu bằng số 0"),
    "Cần ít nhất {limit} mục": _l("Cần ít nhất %(limit)s mục"),
    # engine.process.forms.validate: the refusal of a form, by the name the use case gives it (what=)
    "Tờ khai chưa hợp lệ: {n} trường cần sửa": _l("Tờ khai chưa hợp lệ: %(n)s trường cần sửa"),
    "Tờ khai bổ sung chưa hợp lệ: {n} trường cần sửa":
        _l("Tờ khai bổ sung chưa hợp lệ: %(n)s trường cần sửa"),
    "Ghi chú chưa hợp lệ: {n} trường cần sửa": _l("Ghi chú chưa hợp lệ: %(n)s trường cần sửa"),
    "Biểu mẫu chưa hợp lệ: {n} trường cần sửa": _l("Biểu mẫu chưa hợp lệ: %(n)s trường cần sửa"),
    "Yêu cầu cấp lại chưa hợp lệ: {n} trường cần sửa":
        _l("Yêu cầu cấp lại chưa hợp lệ: %(n)s trường cần sửa"),
    # engine.law.supplement, engine.cases.staff: the codes to choose among
    "Chọn trong các mục đã yêu cầu: {items}": _l("Chọn trong các mục đã yêu cầu: %(items)s"),
    "Một hoặc nhiều vai trò: {roles}": _l("Một hoặc nhiều vai trò: %(roles)s"),
    # engine.cases.owner_checks: filing for another person paused after refusals (D4), until an instant
    "Thông tin chủ hồ sơ đã không khớp {n} lần trong 24 giờ; chưa thể nộp thay cho người khác đến {until}. Hãy "
    "kiểm tra lại giấy tờ của chủ hồ sơ, hoặc nộp tại Bộ phận Một cửa, nơi cán bộ đối chiếu thẻ CCCD (theo Nghị "
    "định 45/2020/NĐ-CP)":
        _l("Thông tin chủ hồ sơ đã không khớp %(n)s lần trong 24 giờ; chưa thể nộp thay cho người khác đến "
           "%(until)s. Hãy kiểm tra lại giấy tờ của chủ hồ sơ, hoặc nộp tại Bộ phận Một cửa, nơi cán bộ đối chiếu "
           "thẻ CCCD (theo Nghị định 45/2020/NĐ-CP)"),
    "Số CCCD này đã được ghi với thông tin chủ hồ sơ không khớp nhiều lần trong 24 giờ; chưa thể nộp thay cho chủ "
    "thẻ đến {until}. Hãy kiểm tra lại giấy tờ của chủ hồ sơ, hoặc nộp tại Bộ phận Một cửa, nơi cán bộ đối chiếu "
    "thẻ CCCD (theo Nghị định 45/2020/NĐ-CP)":
        _l("Số CCCD này đã được ghi với thông tin chủ hồ sơ không khớp nhiều lần trong 24 giờ; chưa thể nộp thay "
           "cho chủ thẻ đến %(until)s. Hãy kiểm tra lại giấy tờ của chủ hồ sơ, hoặc nộp tại Bộ phận Một cửa, nơi "
           "cán bộ đối chiếu thẻ CCCD (theo Nghị định 45/2020/NĐ-CP)"),
}

MESSAGE_TEXT.update(officer.MESSAGE_TEXT)  # the officers' and administrators' pages
MESSAGE_PATTERNS.update(officer.MESSAGE_PATTERNS)

_PLACEHOLDER = re.compile(r"\{([a-z]+)\}")


def template_regex(template: str) -> re.Pattern:
    """``template`` as a regular expression: its words as they are, each ``{name}`` some text."""
    parts = _PLACEHOLDER.split(template)  # words, name, words, name, ..., words
    regex = "".join(re.escape(p) if i % 2 == 0 else f"(?P<{p}>.+?)" for i, p in enumerate(parts))
    return re.compile(regex + r"\Z", re.S)


_PATTERNS = [(template_regex(template), text) for template, text in MESSAGE_PATTERNS.items()]


def english(message) -> str | None:
    """The English text of the engine's ``message`` when the tables know it, else None (whatever the page's
    language: the caller decides when to use it)."""
    said = str(message)
    known = MESSAGE_TEXT.get(said)
    if known is not None:
        return str(known)
    for regex, text in _PATTERNS:
        found = regex.match(said)
        if found:
            values = found.groupdict()
            if "limit" in values:  # a bound grouped the Vietnamese way (50.000.000; 2,5): the English way
                values["limit"] = english_number(values["limit"])
            return str(text) % values
    return None


_VN_NUMBER = re.compile(r"-?\d{1,3}(?:\.\d{3})*(?:,\d+)?\Z")


def english_number(text: str) -> str:
    """A number written the Vietnamese way (engine.process.forms._shown_limit: 50.000.000, 2,5) written the
    English way (50,000,000, 2.5); any other text as it is."""
    if not _VN_NUMBER.match(text):
        return text
    return text.replace(".", "\0").replace(",", ".").replace("\0", ",")


def on_english_page() -> bool:
    try:
        return str(get_locale() or "vi") == "en"
    except RuntimeError:  # no application or request: no page, no other language asked for
        return False


def field_text(message):
    """What a page says of a field message (or a refusal's text): on an English page the English text of a
    message the tables know; otherwise, and on every Vietnamese page, ``message`` unchanged (never
    dropped)."""
    if not message or not on_english_page():
        return message
    said = english(message)
    return message if said is None else said
