"""JSON API v1 (../shared/api.md): accounts, catalogue, dossiers; the tasks and signing requests of the same
blueprint are in engine/web/tasks_api.py."""
from __future__ import annotations

import math
from urllib.parse import quote

from flask import Blueprint, Response, g, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import defer

from engine.cases import (
    accounts, attachments, dossiers, filing, inbox, local_fees, offers, payments, portal_cases, summary, tasks,
    versions)
from engine.paperwork import documents
from engine.process import procedures
from engine.core.clock import iso_vn
from engine.core.vocabulary import CCCD_RE
from engine.core.errors import Forbidden, Invalid, Unauthorized
from engine.data.agency_model import Agency
from engine.data.payment_model import PaymentGateway
from engine.data.model import Procedure, ProcedureVersion
from engine.law.statuses import Status
from . import ASCII_NUMBER, db, error_body, now, run, transactional, tthc
from .apiedge import authenticated, body, context, idempotent, query_args, show
from .headers import FILE_POLICY
from .openapi import spec as openapi_spec

bp = Blueprint("api", __name__, url_prefix="/api/v1")
CCCD = CCCD_RE  # the ``cccd`` filter: 12 ASCII digits, as every stored CCCD is


# -- accounts -----------------------------------------------------------------------------------------------
@bp.post("/auth/token")
@transactional(keep_on=(Unauthorized,))  # every attempt is recorded, even a refused one (the lockout)
def token():
    data = body()
    username, password = data.get("username"), data.get("password")
    if not isinstance(username, str) or not isinstance(password, str):
        raise Invalid("Cần tên đăng nhập và mật khẩu",
                      fields={k: "Bắt buộc" for k in ("username", "password") if not isinstance(data.get(k), str)})
    try:
        user = portal_cases.login(db(), username, password, now(), request.remote_addr)
    except portal_cases.TooManyLogins as exc:  # the address's failure limit (the same as the web login's)
        retry = max(1, math.ceil((exc.until - now()).total_seconds()))
        return jsonify(error_body(exc.status, exc.code, exc.message)), exc.status, {"Retry-After": str(retry)}
    value, expires = accounts.issue_token(db(), user, now(), tthc()["settings"].token_hours)
    return jsonify(token=value, expires_at=iso_vn(expires), roles=sorted(user.roles))


@bp.post("/citizens")
def register_citizen():
    try:  # counted first, in its own transaction: a refused registration counts too (it says a CCCD is taken)
        run(portal_cases.count_registration, db(), request.remote_addr, now())
    except portal_cases.TooManyLookups as exc:
        retry = max(1, math.ceil((exc.until - now()).total_seconds()))
        return jsonify(error_body(exc.status, exc.code, exc.message)), exc.status, {"Retry-After": str(retry)}
    data = body()
    user = run(accounts.register_citizen, db(), now(), data)
    return jsonify(username=user.username, full_name=user.full_name, standardised=user.standardised), 201


# -- catalogue ---------------------------------------------------------------------------------------------
def level_of(version: ProcedureVersion, agency_id: int | None = None) -> tuple[str, list[str]]:
    """D27 as the agency can deliver it (engine.cases.payments.service_level): at the receiving agency
    ``agency_id`` (None: the publishing agency), each agency's gateway read once per request."""
    return payments.service_level(db(), version, g.setdefault("known_gateways", {}), agency_id)


def levels_by_agency(version: ProcedureVersion, offering: list[Agency] | None = None) -> list[dict]:
    """D27 at each office taking the procedure's dossiers (D29: its active offers at open agencies, by name),
    each agency's gateway read once per request. ``offering``: those agencies, read already."""
    if offering is None:
        offering = [agency for _offer, agency in offers.active_offers(db(), version.procedure_id) if agency.active]
    known = g.setdefault("known_gateways", {})
    unread = [agency.id for agency in offering if agency.id not in known]
    if unread:  # every office's gateway in one query, not one per office
        known.update(dict.fromkeys(unread))
        known.update({row.agency_id: row for row in db().scalars(
            select(PaymentGateway).where(PaymentGateway.agency_id.in_(unread)))})
    return [{"agency": agency.code, "agency_name": agency.name,
             **dict(zip(("level", "level_reasons"), level_of(version, agency.id)))} for agency in offering]


def level_view(version: ProcedureVersion) -> dict:
    """D27 as a page says it, by office (D29): ``level``, the level of every office offering the procedure (none
    offers it: the publishing agency's), None where they differ; ``reasons``, those true at every office;
    ``offices``, where the offices differ, each one's level with ``own``, its reasons the others lack."""
    offices = levels_by_agency(version) or [dict(zip(("level", "level_reasons"), level_of(version)))]
    first = offices[0]
    shared = [r for r in first["level_reasons"] if all(r in o["level_reasons"] for o in offices)]
    same = all((o["level"], o["level_reasons"]) == (first["level"], first["level_reasons"]) for o in offices)
    return {"level": first["level"] if all(o["level"] == first["level"] for o in offices) else None,
            "reasons": shared,
            "offices": [] if same else [{**o, "own": [r for r in o["level_reasons"] if r not in shared]}
                                        for o in offices]}


def _procedure_json(version: ProcedureVersion, *, with_form: bool = False, at: int | None = None,
                    offering: list[Agency] | None = None, fees: list[dict] | None = None) -> dict:
    """A procedure of the catalogue; ``at``: the offering agency asked for (its own payment means, D27);
    ``offering``: the agencies offering it, each one's level and fees then given in "levels_by_agency" (D27,
    D29); ``fees``: the fees at the agency asked for (engine.cases.local_fees), else the declared ones."""
    info = version.info
    result = {"code": info["code"], "name": info["name"], "version": version.version,
              "agency": version.procedure.agency.code, "agency_name": version.procedure.agency.name,
              **dict(zip(("level", "level_reasons"), level_of(version, at))),
              "duration": info["duration"],
              "clock_on_supplement": info["clock_on_supplement"], "fees": info["fees"] if fees is None else fees,
              "components": info["components"],
              # D33: "handover": another agency's part of a liên thông, opened only by its hand-over (422 handover_only)
              "filed_by": info.get("filed_by", "applicant")}
    if offering is not None:  # "level" stays the publishing agency's (the contract); each office's its own
        # each office's own amounts of the fees it may set (feeLocal); ?agency= naming one: its amounts in "fees"
        priced = local_fees.fees_by_agency(db(), version, [agency.id for agency in offering])
        result["levels_by_agency"] = [{**office, "fees": priced[agency.id]}
                                      for office, agency in zip(levels_by_agency(version, offering), offering)]
        asked = request.args.get("agency")
        result["fees"] = next((priced[a.id] for a in offering if a.code == asked), result["fees"])
    if with_form:
        result["form_schema"] = version.forms[info["filing_form"]]
    return result


@bp.get("/procedures")
def list_procedures():
    if {"agency", "limit", "after"} & set(request.args):  # a page, of what one agency offers (offers_api.py)
        from .offers_api import offered_by_agency

        return jsonify(offered_by_agency(_procedure_json))
    rows = db().scalars(select(ProcedureVersion).join(Procedure, Procedure.latest_version_id == ProcedureVersion.id)
                        .options(defer(ProcedureVersion.forms))  # the list shows no form: not decoded 500 times
                        .order_by(Procedure.code))
    # each office's level only on the procedure itself: offers are procedures × agencies, too many for a list
    return jsonify([_procedure_json(v) for v in rows])


@bp.get("/procedures/<code>")
def get_procedure(code: str):
    version = procedures.latest_version(db(), code)
    offering = [agency for _offer, agency in offers.active_offers(db(), version.procedure_id) if agency.active]
    return jsonify(_procedure_json(version, with_form=True, offering=offering))


@bp.post("/procedures")
@authenticated
@transactional
def deploy_procedure():
    if "administrator" not in g.user.roles:
        raise Forbidden("Chỉ quản trị viên được triển khai quy trình")
    upload = request.files.get("bpmn")
    if upload is None:
        raise Invalid("Cần tệp BPMN (trường 'bpmn' của biểu mẫu multipart)", fields={"bpmn": "Bắt buộc"})
    uploaded = {f.filename: f.read() for key, f in request.files.items(multi=True) if key != "bpmn" and f.filename}
    version, changed = versions.deploy_upload(db(), context(), upload.filename or "upload.bpmn", upload.read(),
                                              uploaded, warned := [])  # a copied file's warnings (similarity)
    return jsonify(code=version.procedure.code, version=version.version, changed=changed,
                   warnings=[w.as_dict() for w in warned]), 201


# -- dossiers ---------------------------------------------------------------------------------------------
@bp.post("/dossiers")
@authenticated
@transactional
@idempotent
def file_dossier():
    dossier = filing.file_dossier(db(), context(), body())
    return jsonify(show(dossier)), 201


@bp.get("/dossiers")
@authenticated
def list_dossiers():
    status = request.args.get("status")
    if status is not None and (not ASCII_NUMBER.match(status) or int(status) not in set(Status)):
        raise Invalid("Trạng thái không hợp lệ", fields={"status": "Số từ 1 đến 10"})
    cccd = request.args.get("cccd")
    if cccd is not None and not CCCD.match(cccd):
        raise Invalid("Số CCCD không hợp lệ", fields={"cccd": "12 chữ số"})
    raw = request.args.get("limit", str(DOSSIER_PAGE))
    if not ASCII_NUMBER.match(raw) or not 1 <= int(raw) <= MAX_DOSSIER_PAGE:
        raise Invalid(f"Tham số 'limit' là số từ 1 đến {MAX_DOSSIER_PAGE}",
                      fields={"limit": f"Số từ 1 đến {MAX_DOSSIER_PAGE}"})
    limit, after = int(raw), inbox.parse_cursor(request.args.get("after"))
    if after is not None and after.segment != "v":
        raise Invalid("Tham số 'after' không hợp lệ (lấy từ liên kết trang sau)",
                      fields={"after": "Con trỏ trang không hợp lệ"})
    rows = dossiers.list_visible(db(), g.user, cccd=cccd, status=int(status) if status else None, limit=limit + 1,
                                 before=(after.at, after.id) if after is not None else None)
    more, rows = len(rows) > limit, rows[:limit]
    # as each dossier's own answer says it (late and the time left at this moment, not the timer's last round)
    response = jsonify(summary.describe_many(db(), rows, with_form=False, now=now(), settings=tthc()["settings"],
                                             viewer=g.user))
    if more:  # the same query from the last row on, newest filing first (RFC 8288), as GET /tasks pages
        query = {**query_args(), "after": inbox.Cursor("v", rows[-1].filed_at, rows[-1].id).text()}
        response.headers["Link"] = f'<{url_for("api.list_dossiers", **query)}>; rel="next"'
    return response


DOSSIER_PAGE, MAX_DOSSIER_PAGE = 200, 500  # dossiers a page of GET /dossiers, unless ``limit`` says fewer or more


@bp.get("/dossiers/<code>")
@authenticated
def get_dossier(code: str):
    return jsonify(show(dossiers.visible_dossier(db(), g.user, code)))


@bp.post("/dossiers/<code>/supplement")
@authenticated
@transactional
@idempotent
def supplement(code: str):
    dossier = filing.supplement(db(), context(), code, body())
    return jsonify(show(dossier))


@bp.post("/dossiers/<code>/documents")
@authenticated
@transactional
def attach_document(code: str):
    """Multipart (`file`, `component`) to upload; JSON {"reuse": id, "component"} to reuse from the store."""
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("file")
        if upload is None:
            raise Invalid("Cần tệp đính kèm (trường 'file')", fields={"file": "Bắt buộc"})
        doc = attachments.attach(db(), context(), code, request.form.get("component"), upload.filename or "",
                                 upload.read())
    else:
        data = body()
        doc = attachments.reuse(db(), context(), code, data.get("reuse"), data.get("component"))
    return jsonify(summary.describe_document(db(), doc)), 201


@bp.get("/me/documents")
@authenticated
def my_documents():
    query = query_args()  # the store (D24) newest first; the next page: this query from this page's last
    raw, before = query.get("limit", "100"), query.pop("before", None)
    if not ASCII_NUMBER.match(raw) or not 1 <= (limit := int(raw)) <= 500:
        raise Invalid("Tham số 'limit' là số từ 1 đến 500", fields={"limit": "Số từ 1 đến 500"})
    if before is not None and not ASCII_NUMBER.match(before):
        raise Invalid("Tham số phân trang không hợp lệ", fields={"before": "Một số nguyên dương"})
    docs = attachments.store(db(), g.user, limit=limit + 1, before=int(before) if before is not None else None)
    response = jsonify(summary.describe_documents(db(), docs[:limit]))
    if len(docs) > limit:  # RFC 8288, as GET /tasks
        response.headers["Link"] = f'<{url_for("api.my_documents", **query, before=docs[limit - 1].id)}>; rel="next"'
    return response


@bp.post("/dossiers/<code>/withdraw")
@authenticated
@transactional
def withdraw(code: str):
    return jsonify(show(filing.end(db(), context(), code, body(), "withdraw")))


@bp.post("/dossiers/<code>/return-channel")
@authenticated
@transactional
def change_return(code: str):
    """D23: the citizen changes how the result comes back, until it is returned."""
    return jsonify(show(filing.change_return(db(), context(), code, body())))


@bp.post("/dossiers/<code>/stop")
@authenticated
@transactional
def stop(code: str):
    return jsonify(show(filing.end(db(), context(), code, body(), "stop")))


@bp.post("/dossiers/<code>/letters")
@authenticated
@transactional
def issue_letter(code: str):
    dossier = tasks.issue_apology(db(), context(), code, body())
    return jsonify(show(dossier)), 201


@bp.post("/dossiers/<code>/results/reissue")
@authenticated
@transactional
def reissue_result(code: str):
    from engine.cases import reissue

    return jsonify(show(reissue.reissue_result(db(), context(), code, body()))), 201


@bp.get("/documents/<int:doc_id>")
@authenticated
def get_document(doc_id: int):
    doc = portal_cases.visible_document(db(), g.user, doc_id)
    content = documents.read_intact(tthc()["settings"].data_dir, doc)  # D22: never altered bytes
    ascii_name = doc.name.encode("ascii", "ignore").decode().replace('"', "") or f"tai-lieu-{doc.id}"
    return Response(content, mimetype=doc.media_type, headers={  # never inline: a download, not a page
        "Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(doc.name)}",
        "X-Content-Type-Options": "nosniff", "Content-Security-Policy": FILE_POLICY})


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_spec())


