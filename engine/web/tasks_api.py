"""JSON API v1 (../shared/api.md), the officers' work: tasks (list, read, claim, release, complete) and the
signing requests waiting for their signer (D35). Routes of the ``api`` blueprint of engine/web/api.py (same
URLs, same endpoint names: ``api.list_tasks``...), apart from it so that it keeps room for the accounts,
catalogue and dossiers; imported by the application factory (engine/web/__init__.py) before the blueprint is
registered."""
from __future__ import annotations

import re
from datetime import datetime

from flask import g, jsonify, request, url_for

from engine.cases import signing_requests, tasks
from engine.cases.inbox import SORTS as INBOX_SORTS
from engine.core.errors import Invalid
from engine.core.vocabulary import FLAG_FIELD, FLAGS
from engine.data.model import OFFICER_ROLES
from engine.process.lint import CODE_RE
from . import ASCII_NUMBER, SANE_YEARS, db, now, transactional, tthc, unit_of_work
from .api import bp
from .apiedge import authenticated, body, context, query_args, show

RFC3339 = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[Tt]([0-9]{2}:[0-9]{2}:[0-9]{2})(\.[0-9]+)?"
                     r"([Zz]|[+-][0-9]{2}:[0-9]{2})\Z")  # date-time of RFC 3339, as openapi.py says


def _time_arg(name: str) -> datetime | None:
    """An RFC 3339 date-time with its offset, as openapi.py documents it (Python alone would also take
    '20260101T09' or a time without an offset)."""
    raw = request.args.get(name)
    if raw is None:
        return None
    shape = RFC3339.match(raw)
    try:  # fractions beyond microseconds are cut, 'z' is 'Z' (Python's parser takes neither)
        text = f"{shape[1]}T{shape[2]}{(shape[3] or '')[:7]}{shape[4].upper()}" if shape else None
        value = datetime.fromisoformat(text) if text else None
    except ValueError:
        value = None
    if value is None or not SANE_YEARS[0] <= value.year <= SANE_YEARS[1]:
        raise Invalid("Thời điểm không hợp lệ (ISO 8601 có múi giờ)", fields={name: "Không hợp lệ"})
    return value


def _flag_arg(name: str) -> bool:
    """A yes/no filter: absent is no; a spelling other than FLAGS is refused rather than read as no (a typo
    such as ``overdue=ture`` would otherwise silently list every task)."""
    raw = request.args.get(name)
    if raw is None:
        return False
    if raw not in FLAGS:
        raise Invalid(f"Tham số '{name}' chỉ nhận true, false, 1 hoặc 0", fields={name: FLAG_FIELD})
    return FLAGS[raw]


def _role_arg() -> str | None:
    role = request.args.get("role")
    if role is not None and role not in OFFICER_ROLES:
        raise Invalid("Vai trò không hợp lệ",
                      fields={"role": "Một vai trò cán bộ: " + ", ".join(sorted(OFFICER_ROLES))})
    return role


def _procedure_arg() -> str | None:
    """A procedure code of the national catalogue's shape (1.001612, 1.001612.H01: engine.process.lint, the rule
    every deployed procedure passes, in ASCII digits as openapi.py's pattern says), else 422: a mistyped code would
    otherwise list nothing, read as "no work". A well-formed code no task is of lists nothing (no work for it)."""
    code = request.args.get("procedure")
    if code is not None and not (code.isascii() and CODE_RE.match(code)):
        raise Invalid("Mã thủ tục không hợp lệ", fields={"procedure": "Mã thủ tục dạng 1.001612"})
    return code


@bp.get("/tasks")
@authenticated
def list_tasks():
    mine, overdue, role, due_before = _flag_arg("mine"), _flag_arg("overdue"), _role_arg(), _time_arg("due_before")
    sort = request.args.get("sort", "due")
    if sort not in INBOX_SORTS:
        raise Invalid("Cách sắp xếp không hợp lệ", fields={"sort": ", ".join(INBOX_SORTS)})
    raw = request.args.get("limit", "500")
    if not ASCII_NUMBER.match(raw) or not 1 <= int(raw) <= 500:
        raise Invalid("Tham số 'limit' là số từ 1 đến 500", fields={"limit": "Số từ 1 đến 500"})
    page = tasks.inbox_page(db(), g.user, mine=mine, role=role, procedure=_procedure_arg(),
                            due_before=due_before, overdue_at=now() if overdue else None, limit=int(raw),
                            after=request.args.get("after"), sort=sort)
    response = jsonify(tasks.describe_all(page.items, now(), tthc()["settings"]))  # what complete takes now
    if page.next:  # the same query with the cursor of the next page (RFC 8288)
        query = {**query_args(), "after": page.next}
        response.headers["Link"] = f'<{url_for("api.list_tasks", **query)}>; rel="next"'
    return response


@bp.get("/tasks/<int:item_id>")
@authenticated
def get_task(item_id: int):
    item = tasks.get(db(), g.user, item_id)
    result = tasks.describe(item, now(), tthc()["settings"])
    result["form_schema"] = tasks.form_schema(item)
    result["action_schemas"] = tasks.action_schemas(item, result["actions"])  # what complete checks, by action
    result["dossier_summary"] = show(item.dossier)
    return jsonify(result)


@bp.post("/tasks/<int:item_id>/claim")
@authenticated
@transactional
def claim(item_id: int):
    return jsonify(tasks.describe(tasks.claim(db(), g.user, item_id), now(), tthc()["settings"]))


@bp.post("/tasks/<int:item_id>/release")
@authenticated
@transactional
def release(item_id: int):
    return jsonify(tasks.describe(tasks.release(db(), g.user, item_id), now(), tthc()["settings"]))


@bp.post("/tasks/<int:item_id>/complete")
@authenticated
@transactional
def complete(item_id: int):
    data = body()
    dossier = tasks.complete(db(), context(), item_id, data.get("action"), data.get("data"))
    return jsonify(show(dossier))


@bp.get("/signing-requests")
@authenticated
def list_signing_requests():
    return jsonify([signing_requests.describe(r) for r in signing_requests.pending_for(db(), g.user)])


@bp.post("/signing-requests/<int:request_id>/sign")
@authenticated
def sign_request(request_id: int):
    """The signer signs (D35): 200 when signed, 202 while a device or remote confirmation is awaited. Not one
    unit of work: the PDF is signed between two short transactions (engine.cases.signing_requests.sign)."""
    data = body() if request.data else {}
    pin = data.get("pin")
    if pin is not None and (not isinstance(pin, str) or not 1 <= len(pin) <= 256):
        raise Invalid("Mã PIN không hợp lệ", code="invalid_pin", fields={"pin": "Chuỗi 1–256 ký tự"})
    done = signing_requests.sign(unit_of_work, tthc()["settings"], context(), request_id, pin)
    return jsonify(done.request), done.status
