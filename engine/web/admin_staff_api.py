"""JSON API of api.md "Administration" for agencies and officers (engine.cases.agency_admin, engine.cases.staff):
every route is for administrators, reads and changes only the caller's subtree, and is one unit of work with
its audit record. No answer carries a password, a hash or a one-time code."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request, url_for
from werkzeug.routing import BaseConverter

from engine.cases import administration, agency_admin, staff, staff_import
from engine.core.errors import Invalid
from . import ASCII_NUMBER, db, now, transactional, tthc
from .apiedge import authenticated, body

bp = Blueprint("admin_staff_api", __name__, url_prefix="/api/v1")
AGENCY_FIELDS = {"id", "name", "level", "parent", "address", "office_hours", "seal_name"}
OFFICER_FIELDS = {"username", "full_name", "agency", "roles", "email", "phone"}
OFFICER_CHANGES = {"roles", "active", "agency", "full_name", "email", "phone", "reason"}
MAX_LIMIT = 200


class OfficerName(BaseConverter):
    """A username in a path, except the word of the import route (so that GET /officers/import is a 405, not an
    officer called "import")."""

    regex = r"(?!import(?:/|$))[^/]+"


bp.record_once(lambda state: state.app.url_map.converters.setdefault("officer", OfficerName))


def closed(data: dict, allowed: set[str]) -> dict:
    """The body without absent members (null means "not given"); a member no route field names is refused."""
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise Invalid("Trường không được hỗ trợ: " + ", ".join(unknown)[:200],
                      fields={k[:60]: "Không được hỗ trợ" for k in unknown[:20]})
    return data


def limit_arg() -> int:
    raw = request.args.get("limit", "50")
    if not ASCII_NUMBER.match(raw) or not 1 <= int(raw) <= MAX_LIMIT:
        raise Invalid(f"Tham số 'limit' là số từ 1 đến {MAX_LIMIT}", fields={"limit": f"Số từ 1 đến {MAX_LIMIT}"})
    return int(raw)


def paged(rows: list, cursor: str | None, endpoint: str):
    """A page as a JSON array; the next one (if any) in the Link header (RFC 8288), as GET /tasks does."""
    response = jsonify(rows)
    if cursor:
        response.headers["Link"] = f'<{url_for(endpoint, **{**request.args.to_dict(), "after": cursor})}>; rel="next"'
    return response


def code_arg(name: str) -> str | None:
    """An agency's id in the query: absent is None; present, it must look like one (an empty one is refused)."""
    raw = request.args.get(name)
    if raw is not None and not agency_admin.CODE_RE.match(raw):
        raise Invalid(f"Tham số '{name}' là mã định danh của một cơ quan", fields={name: "Mã định danh điện tử"})
    return raw


def _admin() -> None:
    administration.scope(db(), g.user)  # 403 for anyone but an administrator


# -- agencies ----------------------------------------------------------------------------------------------
@bp.get("/agencies")
@authenticated
def list_agencies():
    _admin()
    rows, cursor = agency_admin.page(db(), g.user, code_arg("after"), limit_arg())
    return paged(rows, cursor, "admin_staff_api.list_agencies")


@bp.post("/agencies")
@authenticated
@transactional
def create_agency():
    data = closed(body(), AGENCY_FIELDS)
    _admin()
    agency = agency_admin.create(db(), now(), g.user, data)
    return jsonify(agency_admin.describe_one(db(), agency)), 201


@bp.get("/agencies/<agency>")
@authenticated
def get_agency(agency: str):
    _admin()
    return jsonify(agency_admin.describe_one(db(), agency_admin.visible(db(), g.user, agency)))


@bp.patch("/agencies/<agency>")
@authenticated
@transactional
def update_agency(agency: str):
    data = closed(body(), AGENCY_FIELDS - {"id"} | {"active"})
    _admin()
    changed = agency_admin.update(db(), now(), g.user, agency, data)
    return jsonify(agency_admin.describe_one(db(), changed))


# -- officers ----------------------------------------------------------------------------------------------
@bp.get("/officers")
@authenticated
def list_officers():
    _admin()
    rows, cursor = staff.page(db(), g.user, code_arg("agency"), request.args.get("after") or None, limit_arg())
    return paged(rows, cursor, "admin_staff_api.list_officers")


@bp.post("/officers")
@authenticated
@transactional
def create_officer():
    data = closed(body(), OFFICER_FIELDS)
    _admin()
    user, _code = staff.create(db(), tthc()["settings"], now(), g.user, data)  # the code went to the officer
    return jsonify(staff.describe_one(db(), user)), 201


@bp.get("/officers/<officer:username>")
@authenticated
def get_officer(username: str):
    _admin()
    return jsonify(staff.describe_one(db(), staff.visible(db(), g.user, username)))


@bp.patch("/officers/<officer:username>")
@authenticated
@transactional
def update_officer(username: str):
    data = closed(body(), OFFICER_CHANGES)
    _admin()
    user = staff.update(db(), now(), g.user, username, data)
    return jsonify(staff.describe_one(db(), user))


@bp.post("/officers/<officer:username>/password-reset")
@authenticated
@transactional
def start_password_reset(username: str):
    _admin()
    user = staff.visible(db(), g.user, username)
    staff.start_reset(db(), tthc()["settings"], now(), g.user, username)
    return jsonify(username=user.username, sent_to=[c for c, v in (("email", user.email), ("sms", user.phone)) if v],
                   expires_in_minutes=15), 202


@bp.post("/officers/import")
@authenticated
@transactional
def import_officers():
    _admin()
    upload = request.files.get("file")
    if upload is None:
        raise Invalid("Cần tệp CSV hoặc XLSX (trường 'file' của biểu mẫu multipart)", fields={"file": "Bắt buộc"})
    rows = staff_import.read_rows(upload.read(), upload.filename or "")
    reports = staff_import.run(db(), tthc()["settings"], now(), g.user, rows)
    return jsonify(created=sum(r.status == "created" for r in reports),
                   skipped=sum(r.status == "skipped" for r in reports), rows=[r.as_dict() for r in reports])
