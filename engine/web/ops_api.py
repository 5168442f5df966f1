"""The JSON API of operations (api.md "Administration"): suspend, resume or terminate a dossier, the incidents of
the timer service (list, retry, skip) and the verification of a dossier's audit chain. OpenAPI:
engine/web/openapi_ops.py."""
from __future__ import annotations

from flask import Blueprint, g, jsonify, request, url_for

from engine import timers
from engine.cases import incidents, operations
from engine.core.errors import Invalid
from engine.data.operations_model import INCIDENT_STATES
from . import ASCII_NUMBER, db, now, transactional, tthc
from .apiedge import authenticated, body, context, show

bp = Blueprint("ops_api", __name__, url_prefix="/api/v1")


def _operate(code: str, how: str):
    return jsonify(show(operations.act(db(), context(), code, how, body())))


@bp.post("/dossiers/<code>/suspend")
@authenticated
@transactional
def suspend(code: str):
    return _operate(code, "suspend")


@bp.post("/dossiers/<code>/resume")
@authenticated
@transactional
def resume(code: str):
    return _operate(code, "resume")


@bp.post("/dossiers/<code>/terminate")
@authenticated
@transactional
def terminate(code: str):
    return _operate(code, "terminate")


@bp.get("/dossiers/<code>/audit")
@authenticated
def verify_audit(code: str):
    return jsonify(operations.verify_audit(db(), tthc()["settings"], g.user, code))


def _state_arg() -> str | None:
    state = request.args.get("state")
    if state is not None and state not in INCIDENT_STATES:
        raise Invalid("Trạng thái sự cố không hợp lệ", fields={"state": " | ".join(INCIDENT_STATES)})
    return state


def _limit_arg() -> int:
    raw = request.args.get("limit")
    if raw is None:
        return incidents.PAGE
    if not ASCII_NUMBER.match(raw) or not 1 <= int(raw) <= 200:
        raise Invalid("Số sự cố một trang không hợp lệ", fields={"limit": "Từ 1 đến 200"})
    return int(raw)


@bp.get("/incidents")
@authenticated
def list_incidents():
    page = incidents.page(db(), g.user, state=_state_arg(), after=incidents.parse_cursor(request.args.get("after")),
                          limit=_limit_arg())
    response = jsonify([incidents.describe(i, code) for i, code in page.rows])
    if page.next:
        args = {k: v for k, v in {"state": request.args.get("state"), "limit": request.args.get("limit"),
                                  "after": page.next}.items() if v}
        response.headers["Link"] = f'<{url_for("ops_api.list_incidents", **args)}>; rel="next"'
    return response


@bp.post("/incidents/<int:incident_id>/retry")
@authenticated
@transactional
def retry_incident(incident_id: int):
    incident, code = timers.retry(db(), tthc()["settings"], g.user, incident_id, now())
    return jsonify(incidents.describe(incident, code))


@bp.post("/incidents/<int:incident_id>/skip")
@authenticated
@transactional
def skip_incident(incident_id: int):
    incident, code = incidents.skip(db(), tthc()["settings"], g.user, incident_id, body(), now())
    return jsonify(incidents.describe(incident, code))
