"""A new procedure folder that validates at once (`tthc procedure new`, `tthc procedure import`).

``files(facts)`` makes every file of ``processes/<slug>/``: the BPMN file (engine.process.scaffold_bpmn: the
legal skeleton with its diagram), the forms of the filing and of each step in the folder's own ``forms/``
(``<slug>-*.schema.json``: the folder can be copied elsewhere whole), the result template extending
van-ban.html, ``sample.json`` for `tthc render`, a README with the legal-basis table to fill, and
``scenarios/happy-path.json`` with its ``expect`` block (tests/test_procedure_library.py runs it).
Nothing here touches the disk but ``write``, which refuses a folder that exists.
"""
from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from engine.core import vocabulary
from engine.process import scaffold_bpmn

NAME_RE = re.compile(r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$")
MAX_NAME = 60
UNIT_WORDS = {"working_day": "ngày làm việc", "calendar_day": "ngày", "working_hour": "giờ làm việc",
              "same_day": "trong ngày"}


@dataclass
class Facts:
    """What the catalogue says of a procedure (the national database's record, or the command's options)."""

    slug: str
    code: str
    title: str
    agency: str
    duration: float | None = 5  # None with same_day
    unit: str = "working_day"
    components: list[tuple[str, str]] = field(default_factory=list)  # (key, name)
    fees: list[tuple[str, str]] = field(default_factory=list)  # (key, "<amount>;<when>;<name>")
    agency_name: str | None = None
    level: str | None = None  # tỉnh / huyện / xã, as the national database says (README only)
    source: str = "tthc procedure new"

    @property
    def same_day(self) -> bool:
        return self.unit == "same_day"


def name_problem(slug: str) -> str | None:
    """Why ``slug`` cannot name a procedure folder (None when it can)."""
    if not NAME_RE.match(slug or "") or len(slug) > MAX_NAME:
        return (f"tên thủ tục {slug!r} không hợp lệ: chữ thường không dấu, chữ số và dấu gạch ngang, bắt đầu bằng "
                f"một chữ cái, tối đa {MAX_NAME} ký tự (ví dụ cap-phep-xay-dung)")
    return None


def plain_key(text: str, limit: int = 40) -> str:
    """A property key from a Vietnamese name: ``Lệ phí đăng ký`` -> ``le_phi_dang_ky``."""
    text = text.replace("đ", "d").replace("Đ", "D")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    key = re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_")[:limit].strip("_")
    return key if key and key[0].isalpha() else f"k_{key}".rstrip("_")


def unique_keys(names: list[str]) -> list[str]:
    keys, seen = [], set()
    for name in names:
        key, n = plain_key(name), 2
        while key in seen:
            key, n = f"{plain_key(name)}_{n}", n + 1
        seen.add(key)
        keys.append(key)
    return keys


def process_id_for(slug: str, taken: set[str] = frozenset()) -> str:
    """The process id derived from the folder name (``cap-phep`` -> ``cap_phep``), made unique against ``taken``."""
    base = slug.replace("-", "_")
    found, n = base, 2
    while found in taken:
        found, n = f"{base}_{n}", n + 1
    return found


def placeholder_code(slug: str) -> str:
    """A procedure code for a draft without its national code: ``0.`` and six digits of the name's hash (no
    national code starts with 0, so it never takes a real one; the README says to replace it)."""
    return f"0.{int(hashlib.sha256(slug.encode()).hexdigest(), 16) % 1_000_000:06d}"


def duration_text(facts: Facts) -> str:
    if facts.same_day:
        return "Trong ngày"
    value = int(facts.duration) if float(facts.duration).is_integer() else facts.duration
    return f"{value} {UNIT_WORDS[facts.unit]}"


def catalogue_properties(facts: Facts, *, filing_form: str | None = None) -> list[tuple[str, str]]:
    """The process element's properties (docs/bpmn-conventions.md, "The process element")."""
    pairs = [("procedureCode", facts.code), ("agency", facts.agency)]
    if not facts.same_day:
        value = facts.duration
        pairs.append(("duration", str(int(value)) if float(value).is_integer() else str(value)))
    pairs += [("durationUnit", facts.unit), ("clockOnSupplement", "restart"),
              ("filingForm", filing_form or f"{facts.slug}-nop.schema.json"),
              ("contactAddressField", "dia_chi"), ("contactPhoneField", "dien_thoai"), ("contactEmailField", "email")]
    pairs += [(f"component.{key}", name) for key, name in facts.components]
    pairs += [(f"fee.{key}", value) for key, value in facts.fees]
    if facts.agency_name:
        pairs.append(("agencyName", facts.agency_name))
    pairs += [("result.template", "result.html"), ("result.title", f"Kết quả giải quyết: {facts.title}"),
              ("result.symbol", "KQ-UBND"), ("result.recipients", "Người yêu cầu;Lưu: VT.")]
    pairs += [(f"level.{k}", v) for k, v in (("paperRequired", "false"), ("presenceRequired", "false"),
                                             ("onsiteVerification", "false"),
                                             ("onlinePayment", "true" if facts.fees else "false"),
                                             ("onlineResult", "true"))]
    return pairs


def _text(title: str, max_length: int, min_length: int = 0, **more) -> dict:
    out = {"type": "string", "title": title, **more, "maxLength": max_length}
    if min_length:
        out["minLength"] = min_length
    return out


def _schema(title: str, properties: dict, required: list[str] = ()) -> dict:
    out = {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": title, "type": "object",
           "properties": properties}
    if required:
        out["required"] = list(required)
    out["additionalProperties"] = False
    return out


def forms(facts: Facts) -> dict[str, dict]:
    """The filing form and one form per step kind, by file name."""
    note = {"ghi_chu": _text("Ghi chú", 2000)}
    filing = _schema(f"Tờ khai: {facts.title}", {
        "ho_ten": _text("Họ, chữ đệm, tên người đề nghị", 100, 1),
        "cccd": {"type": "string", "title": "Số định danh cá nhân", "pattern": vocabulary.CCCD_PATTERN},
        "ngay_sinh": {"type": "string", "title": "Ngày sinh", "format": "date"},
        "dia_chi": _text("Nơi cư trú", 500, 1),
        "dien_thoai": {"type": "string", "title": "Số điện thoại", "pattern": "^0\\d{9}$"},
        "email": _text("Thư điện tử", 254, format="email"),
        "noi_dung": _text("Nội dung đề nghị", 4000, 1),
    }, ["ho_ten", "cccd", "dia_chi", "dien_thoai", "noi_dung"])
    made = {
        "nop": filing,
        "tiep-nhan": _schema(f"Tiếp nhận hồ sơ: {facts.title}", dict(note)),
        "tham-dinh": _schema(f"Thẩm định hồ sơ: {facts.title}", {"y_kien_tham_dinh": _text("Ý kiến thẩm định", 4000, 1)},
                             ["y_kien_tham_dinh"]),
        "phe-duyet": _schema(f"Phê duyệt: {facts.title}", {"y_kien_phe_duyet": _text("Ý kiến phê duyệt", 4000)}),
        "ky-ban-hanh": _schema("Ký số và ban hành kết quả", {
            "so_van_ban": _text("Số văn bản", 50, 1, examples=["12/KQ-UBND"]),
            "ngay_ban_hanh": {"type": "string", "title": "Ngày ban hành", "format": "date"}}),  # D22: the register's
        "tra-ket-qua": _schema("Trả kết quả giải quyết hồ sơ", {
            "hinh_thuc_tra": {"type": "string", "title": "Hình thức trả kết quả",
                              "enum": ["online", "buu_chinh", "truc_tiep"], "default": "online",
                              "description": "online: trực tuyến; buu_chinh: qua dịch vụ bưu chính công ích; "
                                             "truc_tiep: trực tiếp tại Bộ phận Một cửa"}, **note}),
    }
    made["gia-han"] = _schema("Xem xét gia hạn giải quyết hồ sơ", dict(note))  # D18: same-day ones too
    return {f"{facts.slug}-{suffix}.schema.json": schema for suffix, schema in made.items()}


RESULT = """{#- The result of "%(title)s": the applicant and what was decided. Fill in the body with the document's
    real content; the names a template sees are described in engine/paperwork/resultdata.py. -#}
{%% extends "van-ban.html" %%}
{%% block style %%}
  .body .item { margin: 0 0 1.5mm 0; }
  .caps { text-transform: uppercase; font-weight: bold; }
{%% endblock %%}
{%% block body %%}
<div class="item">1. Người đề nghị: <span class="caps">{{ form.ho_ten }}</span>, số định danh cá nhân {{ values.cccd }}</div>
<div class="item">2. Nơi cư trú: {{ values.dia_chi }}</div>
<div class="item">3. Nội dung đề nghị: {{ values.noi_dung }}</div>
{%% if opinion %%}<div class="item">4. Ý kiến giải quyết: {{ opinion }}</div>{%% endif %%}
{%% endblock %%}
"""


def readme(facts: Facts, process_id: str) -> str:
    fees = "; ".join(f"{v.split(';', 2)[2]}: {v.split(';', 1)[0]} đ ({v.split(';', 2)[1]})" for _, v in facts.fees)
    components = "; ".join(name for _, name in facts.components)
    rows = [("Procedure code", f"{facts.code}" + (" (placeholder: put the national code)"
                                                   if facts.code.startswith("0.") else ""), "TODO"),
            ("Authority", f"agency {facts.agency}" + (f", level {facts.level}" if facts.level else ""), "TODO"),
            ("Time", f"{duration_text(facts)} (`durationUnit` = `{facts.unit}`)", "TODO"),
            ("Components", components or "TODO", "TODO"),
            ("Fee", fees or "none declared", "TODO"),
            ("Result", "the document of `result.html`", "`result.html`")]
    table = "\n".join(f"| {a} | {b} | {c} |" for a, b, c in rows)
    return f"""# {facts.title} (mã TTHC {facts.code})

Made by `{facts.source}` from the standard legal skeleton (docs/bpmn-conventions.md): filing, intake with the
one-time supplement, assessment (supplement and extension during processing),
approval, signing and the return of the result. Process id `{process_id}`. Fill in the legal basis below and
check every value against the decision that publishes the procedure before deploying it.

| fact | value | source |
|---|---|---|
{table}

`tthc validate --simulate processes/{facts.slug}` checks the file and runs its happy path;
`tthc simulate processes/{facts.slug}/scenarios/happy-path.json` prints the timeline;
`tthc render processes/{facts.slug} -o out.pdf` previews the result with `sample.json`.

Forms (in `forms/`): {', '.join(f'`{name}`' for name in forms(facts))}.
"""


def sample(facts: Facts) -> dict:
    return {"form": {"ho_ten": "Nguyễn Văn Bình", "cccd": "046090000123", "ngay_sinh": "1990-05-12",
                     "dia_chi": "24 Tố Hữu, phường Thuận Hóa, thành phố Huế", "dien_thoai": "0905123456",
                     "email": "nguyenvanbinh@example.vn", "noi_dung": f"Đề nghị giải quyết thủ tục {facts.title}"},
            "owner_name": "Nguyễn Văn Bình", "owner_cccd": "046090000123", "number": "12/KQ-UBND",
            "signer_role": "head_of_agency", "signer_name": "Trần Văn Hùng"}


def scenario(facts: Facts) -> dict:
    """The happy path on a Monday morning, five minutes a step (inside even a one-hour time limit)."""
    actions = ["receive", "propose_approval", "approve", "issue_result", "return_result"]
    steps = [{"at": "2026-03-02T08:30:00+07:00", "do": "file", "form": {}}]
    steps += [{"at": f"2026-03-02T08:{35 + 5 * i}:00+07:00", "do": a} for i, a in enumerate(actions)]
    steps.append({"at": "2026-03-02T09:30:00+07:00", "do": "tick"})
    return {"title": f"Nộp 08:30 thứ Hai 02/03/2026, tiếp nhận, thẩm định, duyệt, ký và trả ngay: đúng hạn",
            "procedure": f"../{facts.slug}.bpmn", "steps": steps,
            "expect": {"status": 10, "events": ["filed", "received", "resolved", "returned"],
                       "absent": ["overdue", "rule_refused"]}}


def files(facts: Facts, process_id: str) -> dict[str, bytes]:
    """Every file of the new folder, by path relative to it."""
    def dumped(data) -> bytes:
        return (json.dumps(data, ensure_ascii=False, indent=2) + "\n").encode("utf-8")

    bpmn = scaffold_bpmn.render(facts.slug, process_id, facts.title, catalogue_properties(facts), facts.same_day)
    out = {f"{facts.slug}.bpmn": bpmn.encode("utf-8"), "result.html": (RESULT % {"title": facts.title}).encode(),
           "sample.json": dumped(sample(facts)), "README.md": readme(facts, process_id).encode("utf-8"),
           "scenarios/happy-path.json": dumped(scenario(facts))}
    out.update({f"forms/{name}": dumped(schema) for name, schema in forms(facts).items()})
    return out


def write(folder: Path, made: dict[str, bytes]) -> None:
    """Write the files under ``folder``, which must not exist (FileExistsError)."""
    folder.mkdir(parents=True, exist_ok=False)
    for relative, content in made.items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
