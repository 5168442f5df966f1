"""Procedures from the national procedure database's records (`tthc procedure import FILE`).

A record, as the national database publishes a procedure (JSON: a list, or ``{"procedures": [...]}``; XLSX: the
first sheet, a header row, one procedure a row), gives its name, code, level (tỉnh / huyện / xã), processing time
as text ("05 ngày làm việc", "Trong ngày", "15 ngày", "04 giờ làm việc"), fees (name and amount text,
"100.000 đồng", "Miễn phí"), components (name and number of copies) and agency. Keys may be English (``name``,
``code``, ``level``, ``time``, ``fees``, ``components``, ``agency``, optional ``slug``) or the database's labels
("Tên thủ tục", "Mã thủ tục", "Cấp thực hiện", "Thời hạn giải quyết", "Phí, lệ phí", "Thành phần hồ sơ",
"Cơ quan thực hiện"). In a spreadsheet, fees and components are one per line of their cell: ``name | amount``
and ``name | copies``.

``facts_of`` turns a record into engine.process.scaffold.Facts or raises RowError naming the field;
``update_bpmn`` rewrites only the catalogue properties of an existing file (name, duration, fees, components),
leaving the flow, the forms, the result and every other property alone.
"""
from __future__ import annotations

import io
import json
import math
import re
from dataclasses import dataclass

from lxml import etree

from engine.process import scaffold
from engine.process.bpmnparser import NS, parse_xml
from engine.process.lint import AGENCY_RE, CODE_RE, props
from engine.core.vocabulary import unreadable

__all__ = ["CODE_RE", "RowError", "facts_of", "read_records", "update_bpmn"]
MAX_RECORDS = 2000
KEYS = {"name": ("name", "tên thủ tục", "ten_thu_tuc", "tên"), "code": ("code", "mã thủ tục", "ma_thu_tuc", "mã"),
        "level": ("level", "cấp thực hiện", "cap_thuc_hien"),
        "time": ("time", "duration", "thời hạn giải quyết", "thoi_han_giai_quyet", "thời hạn"),
        "fees": ("fees", "phí, lệ phí", "phí lệ phí", "phi_le_phi", "lệ phí"),
        "components": ("components", "thành phần hồ sơ", "thanh_phan_ho_so"),
        "agency": ("agency", "cơ quan thực hiện", "co_quan_thuc_hien", "cơ quan"), "slug": ("slug", "thư mục")}
PART_KEYS = {"name": ("name", "tên", "ten", "tên phí", "tên giấy tờ"),
             "amount": ("amount", "mức phí", "muc_phi", "số tiền", "so_tien"),
             "copies": ("copies", "số bản", "so_ban", "số lượng", "so_luong")}
LEVELS = {"tỉnh": "tỉnh", "cấp tỉnh": "tỉnh", "huyện": "huyện", "cấp huyện": "huyện", "xã": "xã", "cấp xã": "xã"}
# whole texts that say there is no fee (a longer text, "Miễn lệ phí đối với ...", is a condition: refused)
FREE = frozenset(("không", "miễn", "miễn phí", "miễn lệ phí", "miễn phí, lệ phí", "miễn thu", "không thu",
                  "không thu phí", "không thu lệ phí", "không có", "không có phí", "khong", "mien", "mien phi",
                  "mien le phi", "khong thu phi", "khong thu le phi"))
# one amount: a number, an optional multiplier and a currency unit ("1,5 triệu đồng", "50.000 đồng", "2.000đ")
AMOUNT_RE = re.compile(r"(?<![\w.,])(\d[\d.,]*)\s*(?:(triệu|nghìn|ngàn|tỷ)\s*)?(đồng|vnđ|vnd|đ)(?!\w)")
MULTIPLIERS = {None: 1, "nghìn": 1_000, "ngàn": 1_000, "triệu": 1_000_000, "tỷ": 1_000_000_000}
QUALIFIERS = re.compile(r"\b(không quá|tối đa|tối thiểu|từ|đến|trên|dưới|khoảng|hoặc|ít nhất)\b")
UNITS = (("giờ làm việc", "working_hour"), ("giờ", "working_hour"), ("ngày làm việc", "working_day"),
         ("ngày", "calendar_day"))


class RowError(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


class FileError(ValueError):
    """The whole file is unreadable."""


def pick(record: dict, names: tuple[str, ...]):
    lowered = {str(k).strip().casefold(): v for k, v in record.items()}
    return next((lowered[n] for n in names if n in lowered and lowered[n] not in (None, "")), None)


def read_records(content: bytes, file_name: str) -> list[tuple[int, dict]]:
    """(row number, record) of a JSON or XLSX file; FileError when it cannot be read."""
    if content[:4] == b"PK\x03\x04" or file_name.lower().endswith(".xlsx"):
        return _xlsx(content)
    try:
        data = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise FileError(f"{file_name}: JSON không hợp lệ: {unreadable(exc)}") from exc
    if isinstance(data, dict):
        data = data.get("procedures", data.get("thu_tuc"))
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise FileError(f"{file_name}: cần một danh sách thủ tục (hoặc {{\"procedures\": [...]}})")
    if len(data) > MAX_RECORDS:
        raise FileError(f"{file_name}: tối đa {MAX_RECORDS} thủ tục mỗi lần nhập")
    return list(enumerate(data, start=1))


def _xlsx(content: bytes) -> list[tuple[int, dict]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        rows = list(book.worksheets[0].iter_rows(values_only=True, max_row=MAX_RECORDS + 1))
        book.close()
    except Exception as exc:  # noqa: BLE001 - any failure of the parser on a foreign file is a bad file
        raise FileError("không đọc được tệp XLSX") from exc
    if not rows:
        raise FileError("tệp XLSX không có dòng nào")
    header = [str(c or "").strip() for c in rows[0]]
    out = []
    for number, row in enumerate(rows[1:], start=2):
        if any(c not in (None, "") for c in row):
            record = {h: ("" if v is None else v) for h, v in zip(header, row) if h}
            for key in ("fees", "components"):
                raw = pick(record, KEYS[key])
                if isinstance(raw, str):
                    record = {k: v for k, v in record.items() if str(k).strip().casefold() not in KEYS[key]}
                    record[key] = [line for line in raw.splitlines() if line.strip()]
            out.append((number, record))
    return out


def parse_duration(text: str) -> tuple[float | None, str]:
    """``05 ngày làm việc`` -> (5, working_day); ``Trong ngày`` -> (None, same_day); ValueError otherwise."""
    # a bullet opening a line ("- 05 ngày làm việc ...", as the national database lists cases) is no minus sign
    lines = (re.sub(r"^\s*[-–−•*+]\s+", "", line) for line in str(text).splitlines())
    low = " ".join(" ".join(lines).split()).casefold()
    if not low:
        raise ValueError("trống")
    if re.match(r"^(ngay )?trong (ngày|ngay)", low) or low in ("trong ngày làm việc", "ngay trong ngày"):
        return None, "same_day"
    example = "(ví dụ '05 ngày làm việc', 'Trong ngày')"
    # a minus sign or a range ("-5", "3-5", "từ 3 đến 5"): the figure after it was taken (5 for "-5 ngày"), a
    # deadline read wrongly (D18); the operator writes one duration instead, as for a fee's amount. Several
    # durations of several cases ("05 ngày làm việc; trường hợp phải xác minh: 10 ngày làm việc", as the national
    # database writes them) keep the first, the ordinary case: the others belong to the procedure's own paths.
    if re.search(r"[-−–]\s*\d", low) or re.search(r"\d\s*(?:đến|tới|~)\s*\d", low):
        raise ValueError(f"thời hạn {text!r} có dấu trừ hoặc là một khoảng; ghi một thời hạn {example}")
    found = re.search(r"(\d+(?:[.,]\d+)?)\s*(giờ làm việc|giờ|ngày làm việc|ngày)", low)
    if not found:
        raise ValueError(f"không đọc được thời hạn {text!r} {example}")
    value = float(found.group(1).replace(",", "."))
    if value <= 0:
        raise ValueError(f"thời hạn phải dương: {text!r}")
    return value, dict(UNITS)[found.group(2)]


def parse_amount(text) -> int | None:
    """The one amount in đồng a fee's text states (D26): ``100.000 đồng`` -> 100000, ``1,5 triệu đồng`` ->
    1500000 (a Vietnamese decimal comma before a multiplier), ``Lệ phí: 75.000 đồng/giấy phép`` -> 75000;
    ``Miễn phí``, ``Không``, ``0 đồng`` -> None (no fee). A percentage, a minus sign, a bound ("Không quá ..."),
    several amounts or a number without its unit raise ValueError: a fee read wrongly is shown to citizens, so
    the operator writes such an amount by hand instead."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        if not math.isfinite(text) or text < 0 or text != int(text):
            raise ValueError(f"số tiền {text!r} phải là số đồng nguyên, không âm")
        return int(text) or None
    low = " ".join(str(text).split()).casefold().rstrip(" .;")
    if not low or low in FREE:
        return None
    example = "(ví dụ '100.000 đồng', '1,5 triệu đồng', 'Miễn phí'); nhập mức phí bằng tay"
    if "%" in low:
        raise ValueError(f"số tiền {text!r} tính theo phần trăm {example}")
    if re.search(r"[-−–]\s*\d", low):
        raise ValueError(f"số tiền {text!r} có dấu trừ hoặc là một khoảng {example}")
    found = list(AMOUNT_RE.finditer(low))
    if len(found) > 1:
        raise ValueError(f"{text!r} có {len(found)} số tiền; mỗi khoản phí một dòng {example}")
    if not found:
        bare = _number(low, None)  # a bare whole number ("50000", "50.000"): the amount column's đồng
        if bare is None:
            raise ValueError(f"không đọc được số tiền {text!r} {example}")
        return bare or None
    match = found[0]
    before, after = low[:match.start()].strip(), low[match.end():].strip()
    # before it, only a label ending in ':' ("Lệ phí:", "Thông tư 85/2019/TT-BTC:"); after it, only "/trang"
    if (before and (not before.endswith(":") or QUALIFIERS.search(before))) \
            or (after and not re.fullmatch(r"/\s*[^\W\d_]+(?: [^\W\d_]+)*", after)) \
            or QUALIFIERS.search(after) or re.search(r"\b(?:miễn|đối với|trường hợp|trừ)\b", after):
        # a per-unit word only ("/trang", "/giấy phép"): an exemption or a condition after the amount ("…/hồ sơ.
        # Miễn lệ phí đối với người cao tuổi") is the operator's to write, never dropped
        raise ValueError(f"không đọc được đúng một số tiền trong {text!r} {example}")
    amount = _number(match.group(1), match.group(2))
    if amount is None:
        raise ValueError(f"không đọc được số {match.group(1)!r} trong {text!r} {example}")
    return amount or None


def _number(digits: str, multiplier: str | None) -> int | None:
    """A whole number of đồng: ``50.000`` and ``1,500,000`` group thousands; before a multiplier, a comma is
    the decimal one (``1,5`` triệu); None when it is not clearly one whole number."""
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+|\d{1,3}(?:,\d{3})+|\d+", digits) and multiplier is None:
        return int(re.sub(r"[.,]", "", digits))
    found = re.fullmatch(r"(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?", digits)
    if found is None or multiplier is None:
        return None
    whole, fraction = int(found.group(1).replace(".", "")), found.group(2) or ""
    scale = MULTIPLIERS[multiplier]
    value = whole * scale + (int(fraction) * scale // 10 ** len(fraction) if fraction else 0)
    if fraction and int(fraction) * scale % 10 ** len(fraction):
        return None  # a fraction of a đồng
    return value


def _split(item, second: str) -> tuple[str, object]:
    if isinstance(item, dict):
        return str(pick(item, PART_KEYS["name"]) or "").strip(), pick(item, PART_KEYS[second])
    text = str(item)
    for sep in ("|", ":"):
        if sep in text:
            name, _, rest = text.rpartition(sep) if sep == "|" else text.partition(sep)
            return name.strip(), rest.strip()
    return text.strip(), None


def _items(record: dict, key: str) -> list:
    raw = pick(record, KEYS[key])
    if raw is None:
        return []
    if isinstance(raw, str):
        return [line for line in raw.splitlines() if line.strip()]
    if not isinstance(raw, list):
        raise RowError(key, "cần một danh sách")
    return raw


def facts_of(record: dict, default_agency: str | None) -> scaffold.Facts:
    """The catalogue facts of one record; RowError names the first bad field. The slug is the record's, else
    made from the name; the agency is the record's code, else ``default_agency``, else empty (an update keeps
    the file's; a new folder needs one)."""
    code = str(pick(record, KEYS["code"]) or "").strip()
    if not CODE_RE.match(code):
        raise RowError("code", f"mã thủ tục {code!r} không hợp lệ (dạng 1.001612)")
    name = " ".join(str(pick(record, KEYS["name"]) or "").split())
    if not name:
        raise RowError("name", "thiếu tên thủ tục")
    level = pick(record, KEYS["level"])
    if level is not None and str(level).strip().casefold() not in LEVELS:
        raise RowError("level", f"cấp thực hiện {level!r}: tỉnh, huyện hoặc xã")
    try:
        duration, unit = parse_duration(str(pick(record, KEYS["time"]) or ""))
    except ValueError as exc:
        raise RowError("time", f"thời hạn giải quyết: {exc}") from exc
    agency = str(pick(record, KEYS["agency"]) or "").strip()
    if not AGENCY_RE.match(agency):  # a name ("Ủy ban nhân dân cấp xã"): the command's agency, if any
        agency = default_agency or ""
    fees, components = [], []
    for i, item in enumerate(_items(record, "fees")):
        fee_name, amount_text = _split(item, "amount")
        if not fee_name:
            raise RowError(f"fees[{i}].name", "thiếu tên phí")
        try:
            amount = parse_amount(amount_text if amount_text is not None else "")
        except ValueError as exc:
            raise RowError(f"fees[{i}].amount", str(exc)) from exc
        if amount is not None:
            fees.append((fee_name, amount))
    for i, item in enumerate(_items(record, "components")):
        part, copies = _split(item, "copies")
        if not part:
            raise RowError(f"components[{i}].name", "thiếu tên thành phần hồ sơ")
        text = str(copies if copies is not None else "").strip()
        if text and not re.fullmatch(r"\d{1,3}", text.split()[0]):
            raise RowError(f"components[{i}].copies", f"số bản {copies!r} không phải một số")
        count = int(text.split()[0]) if text else 1
        components.append(f"{part} (số bản: {count:02d})" if count > 1 else part)
    slug = str(pick(record, KEYS["slug"]) or "").strip() or scaffold.plain_key(name, 50).replace("_", "-")
    return scaffold.Facts(
        slug=slug, code=code, title=name, agency=agency, duration=duration, unit=unit,
        components=list(zip(scaffold.unique_keys(components), components)),
        fees=[(k, f"{amount};at_intake;{fee_name}") for k, (fee_name, amount)
              in zip(scaffold.unique_keys([f for f, _ in fees]), fees)],
        level=LEVELS.get(str(level).strip().casefold()) if level is not None else None,
        source="tthc procedure import")


def catalogue_of(bpmn: bytes) -> dict:
    """The facts an import may change, as the file has them (to tell "unchanged")."""
    root = parse_xml(bpmn)
    proc = next(p for p in root.findall("bpmn:process", NS) if p.get("isExecutable") == "true")
    values = props(proc)
    return {"name": proc.get("name"), "duration": values.get("duration"), "unit": values.get("durationUnit"),
            **{k: v for k, v in values.items() if k.startswith(("fee.", "component."))}}


def update_bpmn(bpmn: bytes, facts: scaffold.Facts) -> bytes:
    """The file with the catalogue properties of ``facts``: name, duration, fees, components, each group where
    the file had it. A component or fee of the same name keeps its key (and a fee its moment), so offers' local
    amounts and exemptions stay attached; those of a fee that went away go with it."""
    root = parse_xml(bpmn)
    proc = next(p for p in root.findall("bpmn:process", NS) if p.get("isExecutable") == "true")
    proc.set("name", facts.title)
    for part in root.iter(f"{{{NS['bpmn']}}}participant"):
        if part.get("processRef") == proc.get("id"):
            part.set("name", facts.title)
    container = proc.find("bpmn:extensionElements/spiff:properties", NS)
    existing = list(container.findall("spiff:property", NS))
    old = {p.get("name"): p.get("value") or "" for p in existing}
    by_name = {(k.split(".", 1)[0], " ".join(v.split(";")[-1].split()).casefold()): k.split(".", 1)[1]
               for k, v in old.items() if k.startswith(("fee.", "component."))}
    components = [(by_name.get(("component", " ".join(n.split()).casefold()), k), n) for k, n in facts.components]
    fees = []
    for key, value in facts.fees:
        amount, when, name = value.split(";", 2)
        key = by_name.get(("fee", " ".join(name.split()).casefold()), key)
        before = old.get(f"fee.{key}", "").split(";")
        fees.append((key, f"{amount};{before[1].strip() if len(before) == 3 else when};{name}"))
    groups = {"duration": ([] if facts.same_day else [("duration", f"{facts.duration:g}")])
              + [("durationUnit", facts.unit)],
              "component": [(f"component.{k}", v) for k, v in components],
              "fee": [(f"fee.{k}", v) for k, v in fees]}
    kept_fees = {k for k, _ in fees}

    def group(name: str) -> str | None:
        if name in ("duration", "durationUnit"):
            return "duration"
        if name.startswith(("fee.", "component.")):
            return name.split(".", 1)[0]
        if name.startswith(("feeExempt.", "feeLocal.")) and name.split(".", 1)[1] not in kept_fees:
            return "gone"
        return None

    tail, closing = (existing[0].tail, existing[-1].tail) if existing else ("\n", "\n")
    order: list = []
    for p in existing:
        g = group(p.get("name") or "")
        if g is None:
            order.append(p)
        elif g in groups:
            order += groups.pop(g)
    # a group the file did not have yet: after the filing form (else the code and agency), in this order
    anchor = max((i + 1 for i, x in enumerate(order) if not isinstance(x, tuple)
                  and x.get("name") in ("filingForm", "agency", "procedureCode")), default=len(order))
    for name in ("duration", "component", "fee"):
        added = groups.pop(name, [])
        order[anchor:anchor] = added
        anchor += len(added)
    for p in existing:
        container.remove(p)
    for item in order:
        if isinstance(item, tuple):
            item = etree.Element(f"{{{NS['spiff']}}}property", name=item[0], value=item[1])
        item.tail = tail
        container.append(item)
    if order:
        container[-1].tail = closing
    out = etree.tostring(root.getroottree(), xml_declaration=True, encoding="UTF-8")
    first = bpmn.split(b"\n", 1)[0]
    if first.startswith(b"<?xml") and b"utf-8" in first.lower():  # the file's own declaration, as it was
        out = first + b"\n" + out.split(b"\n", 1)[1]
    if bpmn.count(b'" />') > bpmn.count(b'"/>'):  # the file's spelling of empty elements (a diff shows the change)
        out = out.replace(b'"/>', b'" />')
    return out + b"\n" if bpmn.endswith(b"\n") and not out.endswith(b"\n") else out
