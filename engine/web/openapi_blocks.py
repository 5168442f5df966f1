"""The building blocks of the OpenAPI description (engine.web.openapi and its parts, engine/web/openapi_*.py): the
patterns of what the server accepts, the error statuses, and helpers that spell an _op, a parameter, a
request object or a string field the same way everywhere."""
from __future__ import annotations

from engine.core.vocabulary import CCCD_PATTERN
from engine.process.forms import is_hidden

# Every request: the rules the server applies before any route (engine/web/__init__.py, apiedge.body).
COMMON_RULES = (
    "Every request: NUL in the path or the query answers 400 invalid_characters; NUL or a lone UTF-16 surrogate "
    "in a JSON body answers 422 invalid_characters naming the fields; NaN and Infinity are not JSON (400 "
    "malformed_json); a body larger than the configured limit answers 413; a method the path does not offer "
    "answers 405 with an Allow header; a path no route has answers 404 no_such_endpoint. The server never "
    "answers 500 on purpose: a 500 is a defect.")
# Characters a text may not hold, said with "not" (a pattern anchored over 4,000 characters costs the
# generators too much): NUL anywhere in a JSON body (apiedge.body) ...
NUL = "\\u0000"
# Text in a form or an action's data (forms.validate): no control characters but tab and line breaks.
CONTROL = "[\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f]"
# A new password (accounts.password_problem): no control character at all, tab and line breaks included.
ANY_CONTROL = "[\\u0000-\\u001f\\u007f]"


def _chars(holds, planes: tuple[int, ...]) -> str:
    """The characters of ``planes`` that ``holds`` takes, as the ranges of a class, from the same predicate the
    server applies: \\uXXXX in the basic plane, the characters themselves above it (which Python and the
    Unicode-aware ECMA patterns of JSON Schema read alike). Lone surrogates are left out: they are refused before
    any route (COMMON_RULES), and a class holding them is one the generators of requests cannot read."""
    def spell(cp: int) -> str:
        return f"\\u{cp:04x}" if cp < 0x10000 else chr(cp)
    ranges: list[list[int]] = []
    for plane in planes:
        for ch in map(chr, range(plane * 0x10000, (plane + 1) * 0x10000)):
            cp = ord(ch)
            if not 0xD800 <= cp <= 0xDFFF and holds(ch):
                if ranges and ranges[-1][1] == cp - 1:
                    ranges[-1][1] = cp
                else:
                    ranges.append([cp, cp])
    return "".join(spell(a) if a == b else f"{spell(a)}-{spell(b)}" for a, b in ranges)


# The control and hidden characters of the basic plane a one-line text may not hold (forms.is_hidden: zero-width,
# BOM, bidi overrides, separators, private use, the Hangul fillers). Those above it (a few format characters of
# planes 1 and 14, the private use planes 15 and 16) are refused too, said as a rule (HIDDEN_RULE): a class of them
# makes the generators of requests too slow to use.
HIDDEN = _chars(is_hidden, (0,))
HIDDEN_RULE = "không có ký tự điều khiển hoặc ký tự ẩn (kể cả ngoài mặt phẳng cơ bản)"
# A person's or an agency's name (forms.clean_name): spaces around it are trimmed, then 2 to 255 characters
# without control or hidden characters; two of them letters (forms.is_letter, [^\\W\\d_]), said as a rule
# (NAME_RULE: a look-ahead is as slow to generate).
NAME = f"^\\s*[^{HIDDEN}\\s][^{HIDDEN}]{{0,253}}[^{HIDDEN}\\s]\\s*$"
NAME_RULE = "ít nhất hai chữ cái; " + HIDDEN_RULE
CCCD = CCCD_PATTERN
EMAIL = f"^[^@\\s{HIDDEN}]+@[^@\\s{HIDDEN}]+\\.[^@\\s{HIDDEN}]+$"   # accounts.EMAIL_RE, clean_text
DATE = "^(19[0-9]{2}|2[0-9]{3})-[0-9]{2}-[0-9]{2}$"    # the years a request may name (SANE_YEARS)
DOSSIER_CODE = "^[0-9A-Z.]{1,40}-[0-9]{6}-[0-9]{4}$"   # portal_cases.DOSSIER_CODE_RE
PROCEDURE_CODE = "^[0-9]\\.[0-9]{6}(\\.[A-Z][0-9]{2})?$"   # procedures.CODE_RE
ERRORS = {400: "Yêu cầu sai dạng (JSON hỏng, NUL trong địa chỉ)", 401: "Thiếu hoặc sai token",
          403: "Không có quyền", 404: "Không tìm thấy (cả khi người gọi không được xem)",
          405: "Phương thức không được hỗ trợ (kèm tiêu đề Allow)",
          409: "Xung đột (phiên bản cũ, việc đã có người nhận, trạng thái không cho phép)",
          413: "Dữ liệu gửi lên quá lớn", 415: "Kiểu nội dung không được hỗ trợ",
          422: "Dữ liệu không hợp lệ hoặc một quy tắc pháp lý không cho phép (fields, rule)",
          429: "Quá nhiều lần thử; thử lại sau",
          503: "Báo cáo vượt quá thời gian cho phép và đã được dừng; chọn khoảng thời gian ngắn hơn"}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict) -> dict:
    return {"content": {"application/json": {"schema": schema}}}


def text(pattern: str | None = None, *, refused: str = NUL, **limits) -> dict:
    """A string field; ``pattern``, ``limits`` and the ``refused`` characters say exactly what the server
    accepts."""
    return {"type": "string", **({"pattern": pattern} if pattern else {}), "not": {"pattern": refused}, **limits}


def _op(summary: str, *, ok: int = 200, response: dict | None = None, request: dict | None = None,
        auth: bool = True, errors: tuple[int, ...] = (), params: list | None = None,
        ok_content: dict | None = None, rules: dict[str, str] | None = None) -> dict:
    """One _op. ``rules``: what a 422 may refuse although the schemas accept it (a rule across fields,
    of the calendar or of the dossier's state), by the field (or error code) the answer names; listed in the
    422's description and, for tools, in its ``x-rules``."""
    success = {"description": "Thành công"}
    if ok_content is not None:
        success["content"] = ok_content
    elif response:
        success.update(_json(response))
    responses = {str(ok): success}
    statuses = set(errors) | {400, 405} | ({401} if auth else set())
    if request:
        statuses |= {400, 413, 422}
    if rules:
        statuses.add(422)
    for status in sorted(statuses):
        responses[str(status)] = {"description": ERRORS[status], **_json(_ref("Error"))}
    if rules:
        responses["422"]["description"] += ". Quy tắc ngoài lược đồ: " + "; ".join(
            f"{name}: {why}" for name, why in rules.items())
        responses["422"]["x-rules"] = sorted(rules)
    responses["405"]["headers"] = {"Allow": {"description": "Các phương thức địa chỉ này hỗ trợ",
                                             "schema": {"type": "string"}}}
    op = {"summary": summary, "responses": responses}
    if request:
        op["requestBody"] = {"required": True, **_json(request)}
    if auth:
        op["security"] = [{"bearer": []}]
    if params:
        op["parameters"] = params
    return op


def _or_null(schema: dict) -> dict:
    """``schema``, or null for "not given" (the server reads null as an absent member)."""
    return {"anyOf": [{"type": "null"}, schema]}


def _path_param(name: str, schema: dict) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


FLAG = {"type": "string", "enum": ["true", "false", "1", "0"]}
IDEMPOTENCY_KEY = {"name": "Idempotency-Key", "in": "header", "required": False, "description": (
    "Khóa do máy khách đặt cho yêu cầu tạo (nhấn hai lần, gửi lại khi mất kết nối): cùng người dùng, cùng khóa, "
    "cùng nội dung trong 24 giờ thì nhận lại đúng câu trả lời lần đầu (header Idempotent-Replayed: true), không "
    "tạo thêm; cùng khóa với nội dung khác: 422 idempotency_key_reused."),
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"}}
REUSED_KEY = {"idempotency_key_reused": "Idempotency-Key đã dùng cho một yêu cầu khác"}


def _any_json(name: str, refused: str) -> dict:
    """Any JSON the server accepts in a body: no NUL in any string or name, however deep (apiedge.body refuses it),
    nor, where forms.validate reads it, control characters in a string."""
    return {"anyOf": [{"type": ["number", "boolean", "null"]}, text(refused=refused),
                      {"type": "array", "items": _ref(name)},
                      {"type": "object", "propertyNames": {"not": {"pattern": NUL}},
                       "additionalProperties": _ref(name)}]}


def _object(properties: dict, required: tuple[str, ...] = (), *, closed: bool = False, other: str = "Json",
            **extra) -> dict:
    """A JSON object of a request: named ``properties``; other members are ignored unless ``closed`` (then
    refused with 422), but they are JSON without NUL either way (``other``: FormJson where forms.validate reads
    them)."""
    other = False if closed else _ref(other)
    result = {"type": "object", "properties": properties, "propertyNames": {"not": {"pattern": NUL}},
              "additionalProperties": other, **extra}
    if required:
        result["required"] = list(required)
    return result
