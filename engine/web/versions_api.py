"""JSON API of procedure versions (api.md "Administration"): the versions of a procedure with what changed and
their open dossiers, suspend / resume / retire one, roll back to one (restore), and move an open dossier to a newer
version."""
from __future__ import annotations

from flask import Blueprint, g, jsonify

from engine.cases import administration, migration, versions
from engine.core.clock import iso_vn
from engine.core.errors import Invalid
from . import db, transactional
from .apiedge import authenticated, body, context, show

bp = Blueprint("versions_api", __name__, url_prefix="/api/v1")


def version_json(row: dict) -> dict:
    return {"version": row["version"], "deployed_at": iso_vn(row["deployed_at"]), "deployed_by": row["deployed_by"],
            "state": row["state"], "current": row["current"], "changes": row["changes"],
            "open_dossiers": row["open_dossiers"]}


@bp.get("/procedures/<code>/versions")
@authenticated
def list_versions(code: str):
    proc = versions.procedure_of(db(), g.user, code)
    return jsonify([version_json(row) for row in versions.versions_of(db(), proc)])


def _state_view(move: str):
    """POST /procedures/{code}/versions/{n}/suspend|resume|retire: one route each (OpenAPI names them so)."""
    @authenticated
    @transactional
    def view(code: str, number: int):
        versions.change_state(db(), context(), code, number, move)
        proc = versions.procedure_of(db(), g.user, code)
        answer = version_json(next(r for r in versions.versions_of(db(), proc) if r["version"] == number))
        warned = versions.state_warnings(db(), code, move)  # D33: who still hands over to a suspended procedure
        if warned:
            answer["warnings"] = warned
        return jsonify(answer)

    return view


for _move in versions.MOVES:
    bp.add_url_rule(f"/procedures/<code>/versions/<int:number>/{_move}", f"version_{_move}", _state_view(_move),
                    methods=["POST"])


@bp.post("/procedures/<code>/versions/<int:number>/restore")
@authenticated
@transactional
def version_restore(code: str, number: int):
    """Roll back: version ``number``'s content deployed again as the next version, current (201)."""
    version = versions.restore(db(), context(), code, number)
    proc = versions.procedure_of(db(), g.user, code)
    row = next(r for r in versions.versions_of(db(), proc) if r["version"] == version.version)
    return jsonify(version_json(row)), 201


@bp.post("/dossiers/<code>/migrate")
@authenticated
@transactional
def migrate_dossier(code: str):
    administration.scope(db(), g.user)  # a non-administrator is refused before the body is read (403, not 422)
    data = body()
    number = data.get("version")
    if isinstance(number, float) and number.is_integer():  # JSON's 2.0 is the integer 2 (JSON Schema agrees)
        number = int(number)
    if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 2**31 - 1:
        raise Invalid("Cần số phiên bản đích", fields={"version": "Một số nguyên dương"})
    return jsonify(show(migration.migrate(db(), context(), code, number)))
