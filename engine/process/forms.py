"""Forms are JSON Schema files (forms/<key>); validation gives one Vietnamese message per bad field."""
from __future__ import annotations

import json
import math
import re
import unicodedata
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError
from referencing import Registry
from referencing.exceptions import PointerToNowhere, Unresolvable
from referencing.jsonschema import DRAFT202012

from engine.core.errors import Invalid
from engine.process import formpatterns
from engine.process.actionschemas import ACTION_SCHEMAS  # noqa: F401 - known from here by the steps and the tests

FORMAT_CHECKER = FormatChecker()
# An address a mail can go to: something, one @, a domain with a dot (jsonschema's own "email" asks only for an @:
# "@@@" and "a@b" passed a filing's form while the citizen's account refused them).
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+\Z")


@FORMAT_CHECKER.checks("email")
def _email(instance: Any) -> bool:
    return not isinstance(instance, str) or EMAIL_RE.match(instance) is not None


_MESSAGES = {
    "required": "Trường này là bắt buộc",
    "type": "Sai kiểu dữ liệu",
    "minLength": "Quá ngắn (tối thiểu {limit} ký tự)",
    "maxLength": "Quá dài (tối đa {limit} ký tự)",
    "pattern": "Không đúng định dạng",
    "format": "Không đúng định dạng",
    "enum": "Giá trị không nằm trong danh sách cho phép",
    "minimum": "Giá trị quá nhỏ (tối thiểu {limit})",
    "exclusiveMinimum": "Giá trị phải lớn hơn {limit}",
    "maximum": "Giá trị quá lớn (tối đa {limit})",
    "minItems": "Cần ít nhất {limit} mục",
    "maxItems": "Quá nhiều mục (tối đa {limit})",
    "additionalProperties": "Trường không được phép",
    "oneOf": "Cần đúng một trong các trường cho phép",
    "digits": "Gồm đúng {n} chữ số",  # a pattern of N digits only (a CCCD's): not a validator's name
    "zero_digits": "Gồm đúng {n} chữ số, bắt đầu bằng số 0",  # ^0\d{N-1}$: a phone number's (0914555666)
}


# A wrong type said as what to type: a number typed with letters, a list where one text was due (an API's body)
_TYPE_MESSAGES = {"integer": "Phải là số nguyên", "number": "Phải là số", "string": "Phải là chữ (văn bản)",
                  "boolean": "Phải là đúng hoặc sai", "array": "Phải là một danh sách",
                  "object": "Sai kiểu dữ liệu"}
_DIGITS = re.compile(r"\^(?:\[0-9\]|\\d)(?:\{(\d+)\}|\{(\d+),\2\})\$")  # N digits: ^[0-9]{N}$, ^\d{N}$
_ZERO_DIGITS = re.compile(r"\^0(?:\[0-9\]|\\d)\{(\d{1,3})\}\$")  # 0 then N digits: ^0\d{9}$, ^0[0-9]{9}$


def _wanted_type(value) -> str | None:
    """The type a field wants: its own (``"integer"``), or the one besides null (``["integer", "null"]``)."""
    if isinstance(value, str):
        return value
    kinds = [k for k in value if k != "null"] if isinstance(value, list) else []
    return kinds[0] if len(kinds) == 1 and isinstance(kinds[0], str) else None


def _shown_limit(limit) -> str:
    """A bound as a person reads it: 50.000.000, not 50000000 (and 2,5 for 2.5)."""
    if isinstance(limit, bool) or not isinstance(limit, (int, float)):
        return ""
    if isinstance(limit, float) and not limit.is_integer():
        return f"{limit:,}".replace(",", " ").replace(".", ",").replace(" ", ".")
    return f"{int(limit):,}".replace(",", ".")


DAY = re.compile(r"(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}\Z")  # the calendar days a person may type


def parse_day(value: Any) -> date | None:
    """``value`` as a day if it is exactly YYYY-MM-DD of a real date in 1900–2999, else None (Python's
    ``date.fromisoformat`` also takes '20260101' and '2026-W01-1', which the published API schema refuses)."""
    if not isinstance(value, str) or not DAY.match(value):
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


# Characters a one-line text may not hold: control (Cc: C0 with tab and line breaks, DEL, C1), format (Cf:
# zero-width, BOM, bidi overrides that make "\u202eAn" display as another name), line and paragraph separators,
# private use, lone surrogates; and the Hangul fillers, letters (Lo) that show nothing.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp", "Co", "Cs"})
FILLERS = frozenset("\u115f\u1160\u3164\uffa0")
HIDDEN = "có ký tự điều khiển hoặc ký tự ẩn"
FEW_LETTERS = "cần ít nhất hai chữ cái"
NAME_MESSAGES = {  # (hidden characters, too few letters) by the name's label, as the pages translate them
    "Họ và tên": ("Họ và tên có ký tự điều khiển hoặc ký tự ẩn", "Họ và tên cần ít nhất hai chữ cái"),
    "Tên cơ quan": ("Tên cơ quan có ký tự điều khiển hoặc ký tự ẩn", "Tên cơ quan cần ít nhất hai chữ cái"),
    "Tên trên con dấu": ("Tên trên con dấu có ký tự điều khiển hoặc ký tự ẩn",
                         "Tên trên con dấu cần ít nhất hai chữ cái")}
NAME_TOO_LONG = {  # a name given but too long, by its label and limit: said so, not "required"
    ("Họ và tên", 255): "Họ và tên dài quá 255 ký tự", ("Tên cơ quan", 255): "Tên cơ quan dài quá 255 ký tự"}


def is_hidden(ch: str) -> bool:
    """Whether the character ``ch`` is one a person cannot see or that moves the others (HIDDEN_CATEGORIES)."""
    return ch in FILLERS or unicodedata.category(ch) in HIDDEN_CATEGORIES


def is_letter(ch: str) -> bool:
    """Whether ``ch`` counts as a letter of a name: a letter of some script (a, ễ, 阮...) or another character
    that is neither a digit nor punctuation (the regular expression class [^\\W\\d_], which the API's schema says:
    engine.web.openapi_blocks.NAME), the fillers excepted."""
    return ch.isalnum() and not ch.isdecimal() and ch != "_" and ch not in FILLERS


def has_hidden(text: str) -> bool:
    return any(is_hidden(ch) for ch in text)


def clean_text(value: Any, *, max_length: int, min_length: int = 0) -> str | None:
    """``value`` as text if it is a string of the right length without control or hidden characters (one line:
    no tab, no line break either), else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not min_length <= len(value) <= max_length or has_hidden(value):
        return None
    return value


def _letters(text: str) -> int:
    return sum(1 for ch in text if is_letter(ch))


def clean_name(value: Any, *, max_length: int = 255) -> str | None:
    """``value`` as the name of a person or an organisation (D3: a full name): clean_text of 2 to ``max_length``
    characters with at least two letters, so spaces, marks or punctuation alone are no name. A name typed
    decomposed (NFD, "Nguye\u0302\u0303n") is accepted and given back composed (NFC, "Nguyễn"), its length
    counted so: one name has one spelling, so stored names compare equal and print alike (accounts, owners)."""
    if isinstance(value, str):
        value = unicodedata.normalize("NFC", value)
    name = clean_text(value, min_length=2, max_length=max_length)
    return name if name is not None and _letters(name) >= 2 else None


def unchanged(value: Any, stored: Any) -> bool:
    """``value`` (sent) is what is stored: equal, or the same text with spaces around it. A page's form sends every
    field back; what is stored is not checked again by a rule made stricter since (an older name, older hours)."""
    if stored is None or isinstance(value, bool) != isinstance(stored, bool):
        return False
    return value == stored or (isinstance(value, str) and isinstance(stored, str) and value.strip() == stored)


def name_error(value: Any, label: str, required: str, *, max_length: int = 255) -> str:
    """The message for a name clean_name refused: ``label`` and what is wrong with it (hidden characters, too
    few letters), or ``required`` when it is missing, blank or of the wrong length."""
    hidden, few = NAME_MESSAGES.get(label, (f"{label} {HIDDEN}", f"{label} {FEW_LETTERS}"))
    value = unicodedata.normalize("NFC", value) if isinstance(value, str) else value  # measured as clean_name does
    if isinstance(value, str) and has_hidden(value.strip()):
        return hidden
    if isinstance(value, str) and 2 <= len(value.strip()) <= max_length and _letters(value) < 2:
        return few
    if isinstance(value, str) and len(value.strip()) > max_length:
        return NAME_TOO_LONG.get((label, max_length), required)
    return required


def check_schema(schema: Any) -> list[str]:
    """Problems that make ``schema`` unusable as a form (empty when fine)."""
    if not isinstance(schema, dict):
        return ["biểu mẫu phải là một đối tượng JSON Schema"]
    return list(_schema_problems(json.dumps(schema)))


@lru_cache(maxsize=256)
def _schema_problems(schema_json: str) -> tuple[str, ...]:
    """check_schema of one schema's text, kept: a form used by several steps and procedures is checked against
    the meta-schema once (about 6 ms each), not at every step of every file deployed."""
    schema = json.loads(schema_json)
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:  # jsonschema's own text is English ("'strin' is not valid under any of ...")
        where = "/".join(str(p) for p in exc.path) or "gốc"
        return (f"JSON Schema không hợp lệ tại {where}: giá trị {json.dumps(exc.instance, ensure_ascii=False)[:80]} "
                "không đúng quy định của JSON Schema 2020-12",)
    if "typename" in json.dumps(schema.get("properties", {})):
        return ("tên trường 'typename' được dành riêng cho bộ máy quy trình",)
    return tuple(_ref_problems(schema)) + tuple(formpatterns.problems(schema, _DATA_KEYWORDS))



# Keywords whose values are data, not schemas: a "$ref" key in them is no reference; and those whose values map
# names (of fields, of definitions) to schemas, where a field may be called "default".
_DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples"})
_NAMED_SCHEMAS = frozenset({"properties", "patternProperties", "$defs", "definitions", "dependentSchemas"})
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # an absolute address (http:, urn:): outside the form


def _ref_problems(schema: Any) -> list[str]:
    """Every $ref of the form resolved against the form itself, as the validator will resolve it (an "$id" moves
    the base, as there): the meta-schema check resolves none, so a dangling one deployed and then made every
    filing a 500. The registry is empty: a form is self-contained, a remote reference (http...) is refused."""
    problems: list[str] = []

    def walk(node: Any, resolver, names: bool = False) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, resolver)
            return
        if not isinstance(node, dict):
            return
        if names:  # {name: schema}: every value is a schema
            for value in node.values():
                walk(value, resolver)
            return
        if isinstance(node.get("$id"), str):
            try:
                resolver = resolver.in_subresource(DRAFT202012.create_resource(node))
            except ValueError:  # "http://[": no address at all
                problems.append(f"$id '{node['$id']}' không phải một địa chỉ hợp lệ")
                return
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                target = resolver.lookup(ref).contents
            except ValueError:
                problems.append(f"tham chiếu $ref '{ref}' không phải một địa chỉ hợp lệ")
            except Unresolvable:
                problems.append(f"tham chiếu $ref '{ref}' trỏ ra ngoài biểu mẫu (biểu mẫu phải tự chứa mọi định "
                                "nghĩa nó dùng)" if _SCHEME.match(ref) else f"tham chiếu $ref '{ref}' không tồn tại")
            else:
                if not isinstance(target, (dict, bool)):
                    problems.append(f"tham chiếu $ref '{ref}' không trỏ tới một lược đồ (schema)")
        for key, value in node.items():
            if key not in _DATA_KEYWORDS:
                walk(value, resolver, key in _NAMED_SCHEMAS)

    try:
        walk(schema, Registry().resolver_with_root(DRAFT202012.create_resource(schema)))
    except ValueError:  # the form's own $id is no address
        return [f"$id '{schema.get('$id')}' không phải một địa chỉ hợp lệ"]
    return problems


def blank(text: str) -> bool:
    """Whether ``text`` shows nothing: spaces and hidden characters only (a zero-width space, U+200B, is no
    reason: a refusal "Lý do: " printed nothing on Mẫu 03)."""
    return all(ch.isspace() or is_hidden(ch) for ch in text)


def _min_length(validator, limit, instance, schema):
    """minLength counted in the characters a person sees (spaces and line breaks too; not the zero-width ones),
    and a text that must have something in it has more than spaces and hidden characters (a supplement request's
    component of one space made a Mẫu 02 with nothing in it; three zero-width spaces passed a refusal's three
    characters)."""
    if validator.is_type(instance, "string") and limit > 0 and (
            blank(instance) or sum(1 for ch in instance if ch.isspace() or not is_hidden(ch)) < limit):
        yield ValidationError(f"{instance!r} is too short")


# Draft 2020-12 but for minLength (above).
FormValidator = validators.extend(Draft202012Validator, {"minLength": _min_length})


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return FormValidator(json.loads(schema_json), format_checker=FORMAT_CHECKER)


def field_errors(schema: dict, data: Any) -> dict[str, str]:
    """One message per bad field, keyed by its dotted path ('' for the form as a whole)."""
    errors: dict[str, str] = {}
    try:
        found = list(_validator(json.dumps(schema, sort_keys=True)).iter_errors(data))
    except Unresolvable as exc:  # a dangling $ref of a version deployed before the deploy resolved them (_ref_problems)
        raise _broken_form(exc) from None
    for err in found:
        path = [str(p) for p in err.absolute_path]
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else ""
            path.append(missing)
        elif err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            path.append(extra[0] if extra else "")
        elif err.validator in ("oneOf", "anyOf") and isinstance(err.instance, dict):  # one of several fields (an
            # extension's working_hours or working_days): the first given when two were, else the first choice
            choices = [k for b in err.validator_value if isinstance(b, dict) for k in b.get("required", [])]
            path.append(next((k for k in choices if k in err.instance), choices[0] if choices else ""))
        key = ".".join(p for p in path if p)
        text = _MESSAGES.get(err.validator, "Giá trị không hợp lệ")
        if err.validator == "minLength" and isinstance(err.instance, str) and blank(err.instance):
            text = "Không được để trống"
        elif err.validator == "format" and err.validator_value == "email":
            text = "Địa chỉ email không hợp lệ"  # as the account's own email is refused (engine.cases.accounts)
        elif err.validator == "type" and _wanted_type(err.validator_value) in _TYPE_MESSAGES:  # what to type
            text = _TYPE_MESSAGES[_wanted_type(err.validator_value)]
        elif err.validator == "pattern" and (digits := _DIGITS.fullmatch(str(err.validator_value))):
            text = _MESSAGES["digits"].replace("{n}", digits.group(1) or digits.group(2))  # a CCCD: how many
        elif err.validator == "pattern" and (digits := _ZERO_DIGITS.fullmatch(str(err.validator_value))):
            text = _MESSAGES["zero_digits"].replace("{n}", str(int(digits.group(1)) + 1))  # a phone: how to write it
        limit = err.validator_value if isinstance(err.validator_value, (int, float)) else ""
        errors.setdefault(key, text.format(limit=_shown_limit(limit)))
    return errors


def _broken_form(exc: Unresolvable) -> Invalid:
    """The refusal of a filing whose form cannot be read: no field of the applicant's is at fault (422, the code of
    a definition with errors: the agency must fix its form), never a 500."""
    ref = getattr(exc, "ref", None)  # a pointer that points nowhere is named without its '#'
    if ref and isinstance(getattr(exc, "_wrapped", exc), PointerToNowhere):
        ref = f"#{ref}"
    broken = f"tham chiếu $ref '{ref}' không tồn tại" if ref else "có tham chiếu $ref không tồn tại"
    return Invalid(f"Biểu mẫu của thủ tục có lỗi ({broken}), chưa kiểm tra được tờ khai: vui lòng báo cơ quan giải "
                   "quyết thủ tục", code="invalid_definition")


# The largest number a form keeps exactly: 2^53 - 1, what every JSON reader (a browser's too) holds without
# rounding (I-JSON, RFC 7493 section 2.2). A bigger one (1e308 as a business's capital) is refused, whatever bounds
# its form declares.
MAX_EXACT = 2 ** 53 - 1


def _control_chars(data: Any, path: str = "") -> dict[str, str]:
    """Control characters (NUL and the like) and lone surrogates in any text, numbers that are not finite
    (NaN and infinity pass every JSON Schema bound) and numbers beyond MAX_EXACT: refused, never stored."""
    found = {}
    if isinstance(data, float) and not math.isfinite(data):
        found[path] = "Số không hợp lệ"
    elif isinstance(data, (int, float)) and not isinstance(data, bool) and abs(data) > MAX_EXACT:
        found[path] = "Số quá lớn (tối đa 9.007.199.254.740.991)"
    elif isinstance(data, str):
        if any((ord(ch) < 32 and ch not in "\n\r\t") or 0xD800 <= ord(ch) <= 0xDFFF for ch in data):
            found[path] = "Có ký tự điều khiển không hợp lệ"
    elif isinstance(data, dict):
        for key, value in data.items():
            found.update(_control_chars(value, f"{path}.{key}" if path else str(key)))
    elif isinstance(data, list):
        for index, value in enumerate(data):
            found.update(_control_chars(value, f"{path}.{index}" if path else str(index)))
    return found


def form_errors(schema: dict, data: dict) -> dict[str, str]:
    """What ``validate`` refuses in ``data`` (an object), by field; {} when nothing."""
    return {**_control_chars(data), **field_errors(schema, data)}


def validate(schema: dict, data: Any, *, what: str = "Biểu mẫu", field: str | None = None) -> None:
    """Raise Invalid (422) naming each bad field. ``field``: the request's own field that carries ``data`` (the
    filing's ``form``, a task's ``data``), named when it is not an object (api.md: ``fields`` names the request's
    fields; an unnamed key could not be placed beside any input); None when ``data`` is the whole body."""
    if not isinstance(data, dict):
        raise Invalid(f"{what} phải là một đối tượng JSON", fields={field: "Sai kiểu dữ liệu"} if field else {})
    errors = form_errors(schema, data)
    if errors:
        raise Invalid(f"{what} chưa hợp lệ: {len(errors)} trường cần sửa", code="invalid_form", fields=errors)


def load_form_file(forms_dir: Path, key: str) -> dict:
    with open(forms_dir / key, encoding="utf-8") as fh:
        return json.load(fh)
