"""Forms are JSON Schema files (forms/<key>); validation gives one Vietnamese message per bad field."""
from __future__ import annotations

import json
import math
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import SchemaError, ValidationError

from engine.core.errors import Invalid

FORMAT_CHECKER = FormatChecker()

# The legal content of these actions is fixed by law, so the engine owns their schemas (api.md, D8, D10–D11, D17).
ACTION_SCHEMAS: dict[str, dict] = {
    "request_supplement": {
        "type": "object",
        "required": ["items"],
        "properties": {
            "items": {
                "type": "array", "minItems": 1, "maxItems": 50,
                "items": {
                    "type": "object", "required": ["component", "problem", "required"],
                    "properties": {
                        "component": {"type": "string", "minLength": 1, "maxLength": 500},
                        "problem": {"type": "string", "minLength": 1, "maxLength": 2000},
                        "required": {"type": "string", "minLength": 1, "maxLength": 2000},
                        "paper": {"type": "boolean"},
                    },
                    "additionalProperties": False,
                },
            },
            "second_reason": {
                "type": "object", "required": ["kind", "explanation"],
                "properties": {
                    "kind": {"enum": ["applicant_not_compliant", "other"]},
                    "unmet_items": {"type": "array", "items": {"type": "string", "minLength": 1}},
                    "explanation": {"type": "string", "minLength": 1, "maxLength": 4000},
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
    },
    "refuse": {
        "type": "object", "required": ["reasons"],
        "properties": {"reasons": {"type": "array", "minItems": 1,
                                   "items": {"type": "string", "minLength": 3, "maxLength": 2000}}},
        "additionalProperties": False,
    },
    "request_extension": {
        "type": "object", "required": ["reason"],
        "properties": {
            "working_hours": {"type": "number", "exclusiveMinimum": 0, "maximum": 8760},
            "working_days": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
            # a reason, not blank (D17, D20: it goes into the apology letter); no legal minimum length
            "reason": {"type": "string", "minLength": 1, "maxLength": 4000},
        },
        "oneOf": [{"required": ["working_hours"]}, {"required": ["working_days"]}],
        "additionalProperties": False,
    },
    "reject_extension": {
        "type": "object", "required": ["reason"],
        "properties": {"reason": {"type": "string", "minLength": 1, "maxLength": 4000}},  # as request_extension's
        "additionalProperties": False,
    },
}

_MESSAGES = {
    "required": "Trường này là bắt buộc",
    "type": "Sai kiểu dữ liệu",
    "minLength": "Quá ngắn",
    "maxLength": "Quá dài",
    "pattern": "Không đúng định dạng",
    "format": "Không đúng định dạng",
    "enum": "Giá trị không nằm trong danh sách cho phép",
    "minimum": "Giá trị quá nhỏ",
    "exclusiveMinimum": "Giá trị phải lớn hơn {limit}",
    "maximum": "Giá trị quá lớn",
    "minItems": "Cần ít nhất {limit} mục",
    "maxItems": "Quá nhiều mục",
    "additionalProperties": "Trường không được phép",
    "oneOf": "Cần đúng một trong các trường cho phép",
}


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


def clean_text(value: Any, *, max_length: int, min_length: int = 0) -> str | None:
    """``value`` as text if it is a string of the right length without control characters, else None."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not min_length <= len(value) <= max_length or any(ord(ch) < 32 for ch in value):
        return None
    return value


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
    except SchemaError as exc:
        return (f"JSON Schema không hợp lệ: {exc.message}",)
    if "typename" in json.dumps(schema.get("properties", {})):
        return ("tên trường 'typename' được dành riêng cho bộ máy quy trình",)
    return ()


def _min_length(validator, limit, instance, schema):
    """minLength, and a text that must have something in it has more than spaces (a supplement request's
    component of one space made a Mẫu 02 with nothing in it)."""
    if validator.is_type(instance, "string") and (len(instance) < limit or (limit > 0 and not instance.strip())):
        yield ValidationError(f"{instance!r} is too short")


# Draft 2020-12 but for minLength (above).
FormValidator = validators.extend(Draft202012Validator, {"minLength": _min_length})


@lru_cache(maxsize=256)
def _validator(schema_json: str) -> Draft202012Validator:
    return FormValidator(json.loads(schema_json), format_checker=FORMAT_CHECKER)


def field_errors(schema: dict, data: Any) -> dict[str, str]:
    """One message per bad field, keyed by its dotted path ('' for the form as a whole)."""
    errors: dict[str, str] = {}
    for err in _validator(json.dumps(schema, sort_keys=True)).iter_errors(data):
        path = [str(p) for p in err.absolute_path]
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else ""
            path.append(missing)
        elif err.validator == "additionalProperties":
            extra = sorted(set(err.instance) - set(err.schema.get("properties", {})))
            path.append(extra[0] if extra else "")
        key = ".".join(p for p in path if p)
        text = _MESSAGES.get(err.validator, "Giá trị không hợp lệ")
        if err.validator == "minLength" and isinstance(err.instance, str) and not err.instance.strip():
            text = "Không được để trống"
        limit = err.validator_value if isinstance(err.validator_value, (int, float)) else ""
        errors.setdefault(key, text.format(limit=limit))
    return errors


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


def validate(schema: dict, data: Any, *, what: str = "Biểu mẫu") -> None:
    """Raise Invalid (422) naming each bad field."""
    if not isinstance(data, dict):
        raise Invalid(f"{what} phải là một đối tượng JSON", fields={"": "Sai kiểu dữ liệu"})
    errors = {**_control_chars(data), **field_errors(schema, data)}
    if errors:
        raise Invalid(f"{what} chưa hợp lệ: {len(errors)} trường cần sửa", code="invalid_form", fields=errors)


def load_form_file(forms_dir: Path, key: str) -> dict:
    with open(forms_dir / key, encoding="utf-8") as fh:
        return json.load(fh)
