"""The edge of every JSON API route (../shared/api.md): the caller's bearer token, the JSON body, a creating
request made idempotent by its key, the command's context and a dossier's description."""
from __future__ import annotations

import json
from functools import wraps

from flask import g, jsonify, make_response, request

from engine.cases import accounts, idempotency, summary
from engine.cases.dossiers import Context
from engine.core.errors import BadRequest, Invalid, Unauthorized
from . import bad_text, db, now, tthc


def body() -> dict:
    """The JSON body, or 400 when it is missing or malformed (including absurdly deep nesting)."""
    try:
        data = json.loads(request.get_data(cache=True), parse_constant=_not_json) if request.data else None
    except (ValueError, RecursionError):
        data = None
    if data is None:
        raise BadRequest("Nội dung gửi lên không phải JSON hợp lệ", code="malformed_json")
    if not isinstance(data, dict):
        raise BadRequest("Nội dung gửi lên phải là một đối tượng JSON", code="malformed_json")
    fields = bad_text(data)
    if fields:
        raise Invalid("Dữ liệu chứa ký tự không hợp lệ (NUL hoặc mã UTF-16 lẻ)", code="invalid_characters",
                      fields={f: "Có ký tự không hợp lệ" for f in fields})
    return data


def _not_json(constant: str):
    """NaN, Infinity and -Infinity are accepted by Python's json but are not JSON (RFC 8259)."""
    raise ValueError(f"{constant} is not JSON")


def authenticated(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        if not header.startswith("Bearer "):
            raise Unauthorized("Cần đăng nhập (Authorization: Bearer <token>)")
        g.user = accounts.user_for_token(db(), header[7:].strip(), now())
        return view(*args, **kwargs)

    return wrapper


def idempotent(view):
    """`Idempotency-Key` on a creating request (inside @transactional): the same key, user and body again gets
    the first answer again (same status, same dossier; header `Idempotent-Replayed: true`) instead of a second
    dossier; the same key with another body is a 422 (engine.cases.idempotency). No body at all is told as {}: a
    route that needs one still refuses it (its own body() call, the claim rolled back with it)."""
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request.headers.get("Idempotency-Key")
        if key is None:
            return view(*args, **kwargs)
        content = body() if request.get_data(cache=True) else {}
        print_ = idempotency.fingerprint(request.method, request.path, content)
        claimed = idempotency.claim(db(), g.user, key, print_, now())
        if claimed.replay is not None:
            status, answer = claimed.replay
            return jsonify(answer), status, {"Idempotent-Replayed": "true"}
        response = make_response(view(*args, **kwargs))
        idempotency.remember(db(), claimed, response.status_code, response.get_json())
        return response

    return wrapper


def query_args() -> dict:
    """The request's query, to build the next page's link from (``url_for``): without the names url_for keeps for
    itself (``endpoint``, ``_scheme``, ``_method``...), which a crafted query turned into a 500."""
    return {k: v for k, v in request.args.to_dict().items() if k != "endpoint" and not k.startswith("_")}


def context() -> Context:
    return Context(user=g.user, now=now(), settings=tthc()["settings"])


def show(dossier) -> dict:
    """The dossier as the caller may see it: a citizen sees what the portal shows them (summary.for_citizen)."""
    return summary.describe(db(), dossier, now=now(), settings=tthc()["settings"], viewer=g.user)
