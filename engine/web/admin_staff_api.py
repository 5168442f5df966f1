"""JSON API of api.md "Administration" for agencies and officers (engine.cases.agency_admin, engine.cases.staff):
every route is for administrators, reads and changes only the caller's subtree, and is one unit of work with
its audit record. No answer carries a password, a hash or a one-time code."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request, url_for
from werkzeug.routing import BaseConverter

from engine.cases import administration, agency_admin, notices, staff, staff_import
from engine.core.errors import Forbidden, Invalid
from engine.data import agencies
from engine.data.agency_model import AGENCY_LEVELS, Agency, level_fault
from . import ASCII_NUMBER, db, now, transactional, tthc
from .apiedge import authenticated, body, query_args

bp = Blueprint("admin_staff_api", __name__, url_prefix="/api/v1")
AGENCY_FIELDS = {"id", "name", "level", "parent", "address", "office_hours", "seal_name", "symbol"}
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
        response.headers["Link"] = f'<{url_for(endpoint, **{**query_args(), "after": cursor})}>; rel="next"'
    return response


def code_arg(name: str) -> str | None:
    """An agency's id in the query: absent is None; present, it must look like one (an empty one is refused)."""
    raw = request.args.get(name)
    if raw is not None and not agency_admin.CODE_RE.match(raw):
        raise Invalid(f"Tham số '{name}' là mã định danh của một cơ quan", fields={name: "Mã định danh điện tử"})
    return raw


def _admin() -> None:
    administration.scope(db(), g.user)  # 403 for anyone but an administrator


OWN_ROOT = ("Cấp và trạng thái hoạt động của cơ quan gốc trong phạm vi quản trị của bạn do quản trị viên cấp trên "
            "quyết định.")


def is_own_root(session, user, agency: Agency) -> bool:
    """``agency`` is the root of ``user``'s scope (an agency administrator's own agency)."""
    root = administration.scope(session, user)
    return root is not None and root.id == agency.id


def own_root_fields(agency: Agency, data: dict) -> dict[str, str]:
    """The changes an administrator may not make to the root of their own scope: its level and whether it is
    open (D29: the administrator above decides them); the same values are no change."""
    return {key: OWN_ROOT for key in ("level", "active") if key in data and data[key] != getattr(agency, key)}


def tree_faults(session, user, data: dict, agency: Agency | None = None) -> dict[str, str]:
    """D29's levels (engine.data.agency_model.PARENT_LEVELS): whether ``agency`` (None: a new one) may stand,
    with the level and parent ``data`` gives it, under its parent, and its own agencies under it; the field to
    blame and why. An unknown level or parent, a parent outside the caller's subtree or inside the agency's own
    are left to the use case, which names them (422) or refuses them (403) first."""
    level = data.get("level", agency.level if agency is not None else None)
    if level not in AGENCY_LEVELS:
        return {}
    moved = "parent" in data and (agency is None or data["parent"] != _parent_code(session, agency))
    if agency is not None and not moved and level == agency.level:
        return {}  # neither changes: an older tree's odd place does not stop a rename
    if moved:
        code = data["parent"]
        parent = agencies.by_code(session, code) if isinstance(code, str) else None
        if parent is None or (user is not None and not administration.may_administer(session, user, parent)) \
                or (agency is not None and agencies.holds(agency, parent)):
            return {}
    else:
        parent = session.get(Agency, agency.parent_id) if agency is not None and agency.parent_id else None
    fault = level_fault(level, parent.level if parent is not None else None)
    if fault is not None:
        return {"parent" if moved and agency is not None and level == agency.level else "level": fault}
    if agency is not None and level != agency.level:
        below = agencies.misplaced_child(session, agency, level)
        if below is not None:
            return {"level": below}
    return {}


def _parent_code(session, agency: Agency) -> str | None:
    parent = session.get(Agency, agency.parent_id) if agency.parent_id is not None else None
    return parent.code if parent is not None else None


def check_tree(session, user, data: dict, agency: Agency | None = None) -> None:
    faults = tree_faults(session, user, data, agency)
    if faults:
        raise Invalid("Cấp của cơ quan không phù hợp với cơ quan cấp trên hoặc cấp dưới", fields=faults)


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
    check_tree(db(), g.user, data)
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
    found = agency_admin.visible(db(), g.user, agency)
    if is_own_root(db(), g.user, found) and own_root_fields(found, data):
        raise Forbidden(OWN_ROOT, code="outside_your_agencies")
    check_tree(db(), g.user, data, found)
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
    # where the activation code went (as POST /citizens/desk says it): none, and the account waits for a channel
    # configured and a reset sent (POST /officers/{username}/password-reset)
    sent_to = notices.code_channels(tthc()["settings"], user)
    return jsonify({**staff.describe_one(db(), user), "activation_sent": bool(sent_to), "sent_to": sent_to}), 201


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
    user = staff.update(db(), now(), g.user, username, data, settings=tthc()["settings"])
    return jsonify(staff.describe_one(db(), user))


@bp.post("/officers/<officer:username>/password-reset")
@authenticated
@transactional
def start_password_reset(username: str):
    _admin()
    user = staff.visible(db(), g.user, username)
    staff.start_reset(db(), tthc()["settings"], now(), g.user, username)
    return jsonify(username=user.username, sent_to=notices.code_channels(tthc()["settings"], user),
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
