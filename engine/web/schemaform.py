"""HTML forms from the JSON Schema of a procedure's form, and the posted form back into JSON.

Validation stays on the server with engine.process.forms (one message per dotted field path); this module only
turns schema properties into labelled inputs and posted strings into typed values. What cannot be parsed
stays a string, so the schema's own check explains it next to the field. Unknown posted names are ignored.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from werkzeug.datastructures import MultiDict

from engine.core.vocabulary import MONEY_FORMAT, vn_money

LONG_TEXT = 500
NUMBER_HELP = "Số không hợp lệ: dùng dấu phẩy cho phần thập phân, ví dụ 85,5 hoặc 1.200,5"
INTEGER_HELP = "Số không hợp lệ: nhập một số nguyên, không có phần lẻ, ví dụ 50000000 hoặc 50.000.000"


@dataclass
class Field:
    path: str                 # dotted path in the data (and in engine.process.forms.field_errors)
    name: str                 # the input's name: prefix + path
    id: str
    label: str
    kind: str                 # text, textarea, integer, number, date, email, select, checkbox, lines, group
    required: bool = False
    value: Any = ""
    error: str | None = None
    description: str | None = None
    options: list[tuple[str, str]] = field(default_factory=list)
    attrs: dict[str, Any] = field(default_factory=dict)
    children: list["Field"] = field(default_factory=list)


def _enum_labels(prop: dict) -> list[tuple[str, str]]:
    """Labels for enum values, from 'value: label; value: label' in the description when it has them."""
    labels = {}
    for part in (prop.get("description") or "").split(";"):
        key, sep, text = part.partition(":")
        if sep:
            labels[key.strip()] = text.strip()
    return [(str(v), labels.get(str(v), str(v))) for v in prop.get("enum", [])]


def _kind(prop: dict) -> str:
    kind = prop.get("type")
    if kind == "object":
        return "group"
    if "enum" in prop:
        return "select"
    if kind == "integer":
        return "integer"
    if kind == "number":
        return "number"
    if kind == "boolean":
        return "checkbox"
    if kind == "array":
        return "lines"
    if prop.get("format") == "date":
        return "date"
    if prop.get("format") == "email":
        return "email"
    return "textarea" if (prop.get("maxLength") or 0) > LONG_TEXT else "text"


def _shown(value, kind: str):
    if value is None:
        return ""
    if kind == "lines" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if kind == "checkbox":
        return bool(value)
    if kind == "number" and isinstance(value, (int, float)) and not isinstance(value, bool):
        return vn_number(value)  # as it is typed: "0.125" would read back as 125
    return str(value)


def vn_number(value: int | float) -> str:
    """``value`` written the Vietnamese way, as _number reads it back: "," before the decimals, "." between
    thousands: 1200.5 -> "1.200,5", 85.5 -> "85,5", 1200.0 -> "1.200", 0.125 -> "0,125"."""
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        value = int(value)
    text = repr(value)
    if "e" in text.lower() and math.isfinite(value):  # 1e-05: written out, never in exponent form
        text = format(Decimal(text), "f")
    whole, dot, decimals = text.partition(".")
    sign, digits = ("-", whole[1:]) if whole.startswith("-") else ("", whole)
    whole = sign + f"{int(digits):,}".replace(",", ".") if digits.isdigit() else whole
    return whole + ("," + decimals if dot else "")


def build(schema: dict, data: dict | None = None, errors: dict[str, str] | None = None, prefix: str = "f",
          id_prefix: str = "") -> list[Field]:
    """The fields of ``schema`` with the values of ``data`` and the messages of ``errors``."""
    return _build(schema or {}, data or {}, errors or {}, prefix, id_prefix or prefix, "")


def _build(schema: dict, data: dict, errors: dict, prefix: str, id_prefix: str, base: str) -> list[Field]:
    fields = []
    required = set(schema.get("required", []))
    for key, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        path = f"{base}.{key}" if base else key
        kind = _kind(prop)
        value = data.get(key, prop.get("default")) if isinstance(data, dict) else None
        if kind in ("number", "integer") and isinstance(value, str) and errors.get(path):
            # typed text _number could not read ("1,200.5"; "1,5" for a whole number): the schema only says it is
            # no number; say how to write it, here and in the page's error summary (the same dict)
            errors[path] = _(NUMBER_HELP) if kind == "number" else _(INTEGER_HELP)
        f = Field(path=path, name=f"{prefix}.{path}", id=re.sub(r"[^A-Za-z0-9_-]", "-", f"{id_prefix}-{path}"),
                  label=prop.get("title") or key, kind=kind, required=key in required,
                  error=errors.get(path), description=None if kind == "select" else prop.get("description"))
        if kind == "group":
            f.children = _build(prop, value if isinstance(value, dict) else {}, errors, prefix, id_prefix, path)
        else:
            f.value = _shown(value, kind)
            f.options = _enum_labels(prop) if kind == "select" else []
            if "maxLength" in prop:
                f.attrs["maxlength"] = prop["maxLength"]
            if kind in ("integer", "number"):
                for limit in ("minimum", "maximum"):
                    if limit in prop:
                        f.attrs[limit[:3]] = prop[limit]
                f.attrs["step"] = "1" if kind == "integer" else "any"
            if prop.get("examples"):
                f.attrs["placeholder"] = str(prop["examples"][0])
        fields.append(f)
    return fields


def parse(schema: dict, form: MultiDict, prefix: str = "f") -> dict:
    """The posted form as JSON data shaped by ``schema`` (blank inputs are left out)."""
    return _parse(schema or {}, form, prefix, "", top=True) or {}


def _number(raw: str, integer: bool):
    """The typed ``raw`` as a number, else ``raw`` itself (the schema's check then refuses it next to the field).

    Spaces are ignored. Whole numbers (``integer``) take "." or "," between thousands: 50.000.000, 50,000,000.
    Other numbers are read the Vietnamese way, "." between thousands and "," before the decimals:
    - digits grouped by three after dots, then maybe a comma and decimals: 1.200 -> 1200, 1.200,5 -> 1200.5;
    - digits with at most one comma and no dot: 85 -> 85, 85,5 -> 85.5;
    - digits, one dot, then other than exactly three digits: 85.5 -> 85.5, 1.25 -> 1.25 (an English keyboard),
      and 0.125 -> 0.125 (a group of thousands never starts with 0).
    Anything else is refused: 1,200.5, 1.2.3, 1,2,3, 1234.567, .5. The ambiguous 1.200 (one dot, three digits
    after it) is the Vietnamese 1200, never 1.2: an area typed so must not shrink a thousand times. A whole
    result is kept as an int (1200, not 1200.0).
    """
    text = raw.replace(" ", "")
    if integer:
        digits = text.replace(".", "").replace(",", "") if re.fullmatch(r"-?\d{1,3}([.,]\d{3})+", text) else text
        return int(digits) if re.fullmatch(r"-?[0-9]{1,18}", digits) else raw
    if re.fullmatch(r"-?[1-9]\d{0,2}(\.\d{3})+(,\d+)?", text):
        text = text.replace(".", "").replace(",", ".")
    elif re.fullmatch(r"-?\d+(,\d+)?", text):
        text = text.replace(",", ".")
    elif not re.fullmatch(r"-?(\d+\.(\d{1,2}|\d{4,})|0\.\d+)", text):
        return raw
    value = float(text)  # the digits above always read; too many of them give inf, which forms.validate refuses
    return int(value) if value.is_integer() else value


def _parse(schema: dict, form: MultiDict, prefix: str, base: str, top: bool = False):
    result: dict[str, Any] = {}
    required = set(schema.get("required", []))
    for key, prop in (schema.get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        path = f"{base}.{key}" if base else key
        name = f"{prefix}.{path}"
        kind = _kind(prop)
        if kind == "group":
            child = _parse(prop, form, prefix, path)
            if child or key in required:
                result[key] = child
            continue
        if kind == "checkbox":
            if name in form or key in required:
                result[key] = form.get(name) in ("on", "true", "1")
            continue
        raw = form.get(name)
        if raw is None:
            continue
        raw = raw.strip()
        if kind == "lines":
            items = [line.strip() for line in raw.splitlines() if line.strip()]
            if items:
                result[key] = items
            continue
        if raw == "":
            continue
        if kind in ("integer", "number"):
            result[key] = _number(raw, kind == "integer")
        else:
            result[key] = raw
    return result


def rows(schema: dict, data: dict) -> list[tuple[int, str, Any]]:
    """(depth, label, value) rows to show filled data with its schema's titles; nested objects indent."""
    out: list[tuple[int, str, Any]] = []
    _rows(schema or {}, data or {}, 0, out)
    return out


def _rows(schema: dict, data: dict, depth: int, out: list) -> None:
    props = schema.get("properties") or {}
    for key, value in data.items():
        prop = props.get(key) if isinstance(props.get(key), dict) else {}
        label = prop.get("title") or key
        if isinstance(value, dict):
            out.append((depth, label, None))
            _rows(prop, value, depth + 1, out)
        else:
            if "enum" in prop:
                value = dict(_enum_labels(prop)).get(str(value), value)
            elif isinstance(value, list):
                value = "; ".join(str(v) for v in value)
            elif isinstance(value, bool):
                value = "✓" if value else "✗"
            elif isinstance(value, int) and not isinstance(value, bool) and prop.get("format") == MONEY_FORMAT:
                value = vn_money(value, unit="")  # an amount: 50.000.000; a year or a code prints as it is (1990)
            elif isinstance(value, (int, float)) and not isinstance(value, bool) and prop.get("type") == "number":
                value = vn_number(value)  # as _number reads it back: 1.200 m², 85,5 m²
            elif prop.get("format") == "date" and isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\d", value):
                value = "/".join(reversed(value.split("-")))
            out.append((depth, label, value))


NAME_FIELD = "ho_ten"  # the field that says whose data an object holds (the applicant's, or another person's)


def prefill(schema: dict, known: dict[str, Any]) -> dict:
    """Data that fills the applicant's own fields named like ``known``'s keys (D24: forms auto-fill): those of
    the form's top level and, when the top level has no name field of its own, those of the first group that
    has one (the household head of ho-kinh-doanh, ``chu_ho``). Other groups hold other people (the deceased of
    a death registration, each party of a marriage, the child of a birth): nothing of the filer's goes there."""
    props = {k: p for k, p in (schema.get("properties") or {}).items() if isinstance(p, dict)}
    data: dict[str, Any] = {k: known[k] for k, p in props.items()
                            if p.get("type") != "object" and known.get(k) not in (None, "")}
    if NAME_FIELD not in props:
        for key, prop in props.items():
            if prop.get("type") == "object" and isinstance((prop.get("properties") or {}).get(NAME_FIELD), dict):
                child = prefill(prop, known)
                if child:
                    data[key] = child
                break
    return data


def labels(schema: dict, base: str = "", parent: str = "") -> dict[str, str]:
    """Field path -> label ('Parent › Child' when nested), to name fields in an error summary."""
    out: dict[str, str] = {}
    for key, prop in ((schema or {}).get("properties") or {}).items():
        if not isinstance(prop, dict):
            continue
        path = f"{base}.{key}" if base else key
        label = f"{parent} › {prop.get('title') or key}" if parent else (prop.get("title") or key)
        out[path] = label
        if prop.get("type") == "object":
            out.update(labels(prop, path, label))
    return out
