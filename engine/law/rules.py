"""The legal rules the engine enforces, by id, with the legal text each rests on (docs/rules.md explains them).

Code, tests and error bodies name a rule by its id (``rule: "D19"`` in an API error). People never see the id:
pages and messages cite the law itself, through :func:`cite` ("theo Điều 19 Nghị định 61/2018/NĐ-CP").
Where the research could not pin an article, the citation names the instrument alone rather than guess.
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    id: str
    title: str   # Vietnamese, one line
    basis: str   # the legal text, as a person would cite it


_RULES = (
    Rule("D1", "Hồ sơ giữ quy định và phiên bản thủ tục có hiệu lực khi tiếp nhận",
         "Nghị định 118/2025/NĐ-CP"),
    Rule("D2", "Cán bộ chỉ xem hồ sơ của cơ quan mình; công dân chỉ xem hồ sơ của mình",
         "Nghị định 118/2025/NĐ-CP"),
    Rule("D3", "Tài khoản công dân chuẩn hóa bằng họ tên, số CCCD, ngày cấp và số điện thoại; mỗi CCCD một "
               "tài khoản", "Nghị định 45/2020/NĐ-CP"),
    Rule("D4", "Nộp hồ sơ thay cho người khác (đăng ký hộ)", "Nghị định 45/2020/NĐ-CP"),
    Rule("D5", "Kênh nộp hồ sơ: trực tuyến, trực tiếp, bưu chính công ích", "Nghị định 45/2020/NĐ-CP"),
    Rule("D6", "Mã số hồ sơ theo cơ quan, ngày và số thứ tự", "Điều 13 Thông tư 03/2025/TT-VPCP"),
    Rule("D7", "Hồ sơ nộp trực tuyến được kiểm tra và xử lý trong 1 giờ làm việc",
         "Điều 13 Quyết định 88/2017/QĐ-UBND"),
    Rule("D8", "Tiếp nhận, yêu cầu bổ sung hoặc từ chối hồ sơ bằng phiếu theo mẫu",
         "Thông tư 01/2018/TT-VPCP, Thông tư 03/2025/TT-VPCP"),
    Rule("D9", "Thành phần có chữ ký số hợp lệ không phải nộp bản giấy", "Nghị định 45/2020/NĐ-CP"),
    Rule("D10", "Chỉ yêu cầu bổ sung, hoàn thiện hồ sơ một lần", "Điều 11 Nghị định 118/2025/NĐ-CP"),
    Rule("D11", "Yêu cầu bổ sung lần thứ hai chỉ khi có lý do; lý do khác phải kèm thư xin lỗi",
         "Điều 13 khoản 2 và Điều 14 khoản 1 Quyết định 88/2017/QĐ-UBND"),
    Rule("D12", "Ở giai đoạn giải quyết, yêu cầu bổ sung trong 3 ngày làm việc kể từ khi tiếp nhận",
         "Nghị định 61/2018/NĐ-CP"),
    Rule("D13", "Thời hạn giải quyết tính từ khi tiếp nhận hồ sơ hợp lệ, theo ngày làm việc, giờ làm việc "
                "hoặc ngày", "Nghị định 61/2018/NĐ-CP"),
    Rule("D14", "Ngày làm việc và giờ hành chính", "Bộ luật Lao động 2019"),
    Rule("D15", "Ngày nghỉ lễ, tết", "Điều 112 Bộ luật Lao động 2019"),
    Rule("D16", "Hồ sơ tiếp nhận sau 15 giờ tính từ ngày làm việc kế tiếp; thủ tục giải quyết trong ngày; "
                "dừng giải quyết hồ sơ", "Nghị định 61/2018/NĐ-CP, Điều 21 Nghị định 118/2025/NĐ-CP"),
    Rule("D17", "Gia hạn: chuyên viên đề nghị, lãnh đạo phòng và Trung tâm xác nhận, công dân nhận thư xin lỗi",
         "Điều 14 khoản 4 Quyết định 88/2017/QĐ-UBND"),
    Rule("D18", "Hẹn lại ngày trả kết quả một lần, không quá 1/3 thời hạn giải quyết, trước hạn ít nhất 1 ngày "
                "làm việc", "Điều 19 Nghị định 61/2018/NĐ-CP"),
    Rule("D19", "Hồ sơ quá hạn: thủ trưởng cơ quan ban hành thư xin lỗi, kết quả trả kèm thư",
         "Điều 22 khoản 7 Quyết định 88/2017/QĐ-UBND"),
    Rule("D20", "Nội dung phiếu xin lỗi và hẹn lại ngày trả kết quả (Mẫu 04)",
         "Thông tư 01/2018/TT-VPCP, Thông tư 03/2025/TT-VPCP"),
    Rule("D21", "Văn bản từ chối giải quyết do thủ trưởng cơ quan ký", "Nghị định 61/2018/NĐ-CP"),
    Rule("D22", "Kết quả được ký số bởi người có thẩm quyền và cơ quan", "Nghị định 45/2020/NĐ-CP"),
    Rule("D23", "Kênh trả kết quả: trực tuyến, bưu chính công ích hoặc trực tiếp", "Nghị định 45/2020/NĐ-CP"),
    Rule("D24", "Kết quả và giấy tờ có chữ ký số được lưu vào kho dữ liệu của công dân và dùng lại",
         "Điều 16 Nghị định 45/2020/NĐ-CP"),
    Rule("D25", "Công dân đánh giá mức độ hài lòng sau khi nhận kết quả", "Quyết định 766/QĐ-TTg"),
    Rule("D26", "Phí, lệ phí và thanh toán trực tuyến", "Điều 24 Nghị định 118/2025/NĐ-CP"),
    Rule("D27", "Mức độ dịch vụ công trực tuyến toàn trình hoặc một phần", "Điều 11 Nghị định 42/2022/NĐ-CP"),
    Rule("D28", "Thông báo cho công dân và cán bộ", "Nghị định 118/2025/NĐ-CP"),
    Rule("D29", "Cơ quan theo cây; tiếp nhận không phụ thuộc địa giới hành chính",
         "Điều 14 Nghị định 118/2025/NĐ-CP"),
    Rule("D30", "Phiếu kiểm soát quá trình giải quyết hồ sơ", "Thông tư 01/2018/TT-VPCP, Thông tư 03/2025/TT-VPCP"),
    Rule("D31", "Sổ theo dõi hồ sơ", "Thông tư 01/2018/TT-VPCP, Thông tư 03/2025/TT-VPCP"),
    Rule("D32", "Thống kê, báo cáo tình hình giải quyết thủ tục hành chính", "Quyết định 766/QĐ-TTg"),
    Rule("D33", "Liên thông giữa các cơ quan", "Nghị định 61/2018/NĐ-CP"),
    Rule("D34", "Thể thức văn bản kết quả", "Nghị định 30/2020/NĐ-CP"),
    Rule("D35", "Chữ ký số cá nhân do chính người ký thực hiện", "Nghị định 130/2018/NĐ-CP"),
    Rule("D40", "Số hiệu các mẫu phiếu", "Thông tư 01/2018/TT-VPCP, Thông tư 03/2025/TT-VPCP"),
)
RULES: dict[str, Rule] = {r.id: r for r in _RULES}
_RULE_ID = re.compile(r"^D\d{1,2}$")
_KINDS = ("Bộ luật", "Luật", "Nghị định", "Thông tư", "Quyết định")
_SOURCE = re.compile(  # "Điều 13 khoản 2 và Điều 14 khoản 1 Quyết định 88/2017/QĐ-UBND": articles, instrument
    r"^(?:(?P<articles>Điều .+?) )?(?P<instrument>(?P<kind>" + "|".join(_KINDS) + r") \S.*)$")


def _sources(basis: str) -> list[str]:
    """The texts one basis names: "Nghị định 61/2018/NĐ-CP, Điều 21 Nghị định 118/2025/NĐ-CP" names two."""
    return [s.strip() for s in basis.split(", ") if s.strip()]


def cite(*rule_ids: str) -> str:
    """The legal basis of one or more rules as a person reads it: "theo Điều 19 Nghị định 61/2018/NĐ-CP".

    Each text is cited once, however many rules rest on it, and the texts are joined as one writes them
    ("A và B", "A, B và C"); an article of an instrument already named refers back to it as the law itself
    does ("theo Bộ luật Lao động 2019 và Điều 112 của Bộ luật này"). An unknown id is a programming error."""
    named: dict[str, list[tuple[str | None, str]]] = {}  # instrument → its (articles, kind), first seen first
    for rule_id in rule_ids:
        for source in _sources(RULES[rule_id].basis):
            found = _SOURCE.match(source)
            instrument, articles, kind = ((found["instrument"], found["articles"], found["kind"]) if found
                                          else (source, None, ""))
            cited = named.setdefault(instrument, [])
            if (articles, kind) not in cited:
                cited.append((articles, kind))
    several = sum(len(cited) for cited in named.values()) > 1
    parts: list[str] = []
    for instrument, cited in named.items():
        cited.sort(key=lambda c: c[0] is not None)  # the instrument as a whole before its articles
        for n, (articles, kind) in enumerate(cited):
            if articles and several:  # one "và", the list's: "Điều 13 khoản 2, Điều 14 khoản 1 Quyết định"
                articles = articles.replace(" và ", ", ")
            if articles is None:
                parts.append(instrument)
            elif n == 0:
                parts.append(f"{articles} {instrument}")
            else:
                parts.append(f"{articles} của {kind} này")
    return "theo " + (parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " và " + parts[-1])


def is_rule_id(text: str) -> bool:
    return bool(_RULE_ID.match(text or ""))
