"""Access control of JSON API v1 (api.md; D2: officers see only their agency's dossiers, citizens only their own
and those filed for them).

The core is a role x route matrix (ROUTES below): one row per route of engine/web/api.py, one column per caller.
Each row is one test (per backend) that prepares the data once, then calls the route as every caller and collects
all mismatches into one assertion message. Every error body must have the shape of api.md and nothing may 500.
"""
from __future__ import annotations

import functools
import hashlib
import io
import re
from dataclasses import dataclass
from typing import Callable

import pytest
from identity_support import checked
from conftest import CITIZEN, PASSWORD, SAMPLE, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA, sign_requested
from web_support import PNG as WHOLE_PNG

from engine.cases import accounts
from engine.data.model import OFFICER_ROLES, Agency, User

DEMO_AGENCY = "000.00.06.H56"
OTHER_AGENCY = "000.00.07.H56"
OTHER_OFFICER = "other.canbo"            # every officer role, in OTHER_AGENCY
OTHER_CITIZEN = "079099000002"
SECOND_RECEIVER = "demo.tiepnhan2"       # a second receiving officer of the demo agency (test 3)
OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1990-01-02", "cccd": "079099000777"}

# Column order of the matrix. Abbreviations used in the table header are given on the right.
CALLERS = {
    "anonymous": None,                   # anon
    "owner": CITIZEN,                    # own    (the citizen who filed the dossier)
    "other_citizen": OTHER_CITIZEN,      # cit2
    "tiepnhan": "demo.tiepnhan",         # tiep   receiving_officer
    "chuyenvien": "demo.chuyenvien",     # chuy   specialist
    "lanhdao": "demo.lanhdao",           # lanh   department_leader
    "thutruong": "demo.thutruong",       # thu    head_of_agency
    "giamdoc": "demo.giamdoc",           # giam   centre_director
    "vanthu": "demo.vanthu",             # vant   clerk
    "other_agency": OTHER_OFFICER,       # agy2   all officer roles, another agency
    "admin": "demo.admin",               # adm    administrator
}
ROLES_OF = {
    "tiepnhan": {"receiving_officer"}, "chuyenvien": {"specialist"}, "lanhdao": {"department_leader"},
    "thutruong": {"head_of_agency"}, "giamdoc": {"centre_director"}, "vanthu": {"clerk"},
    "other_agency": set(OFFICER_ROLES),
}

# Expected results besides plain status codes: 200 and the list contains / does not contain the prepared item.
IN, OUT = "200+listed", "200-unlisted"


# -- fixtures ------------------------------------------------------------------------------------------------
_real_hash_password = accounts.hash_password


@functools.lru_cache(maxsize=None)
def _hash_password_once(password: str) -> str:
    """The real (scrypt) hash, computed once per run: accounts created here all share PASSWORD, and a fresh
    scrypt per account and test costs seconds. Logging in still checks the password with the real code."""
    return _real_hash_password(password)


@pytest.fixture
def world(app, clock, monkeypatch):
    """A second agency with one officer holding every officer role, and a second (standardised) citizen."""
    monkeypatch.setattr(accounts, "hash_password", _hash_password_once)
    sessions = app.extensions["tthc"]["sessions"]
    with sessions() as session:
        agency = Agency(code=OTHER_AGENCY, name="Ủy ban nhân dân phường Phú Xuân (kiểm thử)")
        session.add(agency)
        session.flush()
        accounts.ensure_officer(session, clock.now(), OTHER_OFFICER, "Cán Bộ Khác", set(OFFICER_ROLES), agency,
                                PASSWORD)
        accounts.register_citizen(session, clock.now(), {
            "full_name": "Lê Thị Khác", "cccd": OTHER_CITIZEN, "cccd_issued_on": "2021-06-01",
            "phone": "0987654321", "password": PASSWORD})
        session.commit()
    return app


@pytest.fixture
def caller_api(api, world, app, clock, settings):
    """The `api` helper with a token for every caller, issued by the real token code (saves a password hash check
    per caller and test; logging in with the password is covered by the `POST /auth/token` row)."""
    sessions = app.extensions["tthc"]["sessions"]

    def issue_tokens():                  # again after the clock moves past the tokens' lifetime
        with sessions() as session:
            for username in CALLERS.values():
                if username is None:
                    continue
                user = session.query(User).filter_by(username=username).one()
                api.tokens[username], _ = accounts.issue_token(session, user, clock.now(), settings.token_hours)
            session.commit()

    issue_tokens()
    api.issue_tokens = issue_tokens
    return api


# -- per-row preparation -------------------------------------------------------------------------------------
def prepare_nothing(api, clock) -> dict:
    return {}


def prepare_dossier(api, clock) -> dict:
    """A dossier filed online by the owner citizen; its intake task waits for a receiving officer."""
    return {"code": api.file(CITIZEN)["code"]}


def prepare_task(api, clock) -> dict:
    ctx = prepare_dossier(api, clock)
    ctx["task"] = api.task_for("demo.tiepnhan", ctx["code"])["id"]
    return ctx


def prepare_claimed_task(api, clock) -> dict:
    ctx = prepare_task(api, clock)
    r = api.post(f"/api/v1/tasks/{ctx['task']}/claim", "demo.tiepnhan")
    assert r.status_code == 200, r.get_json()
    return ctx


def prepare_supplement_requested(api, clock) -> dict:
    ctx = prepare_dossier(api, clock)
    api.act("demo.tiepnhan", ctx["code"], "request_supplement", STEP_DATA["request_supplement"])
    return ctx


def prepare_late_dossier(api, clock) -> dict:
    """A received dossier whose due date has passed (the clock moves three weeks on)."""
    ctx = prepare_dossier(api, clock)
    api.act("demo.tiepnhan", ctx["code"], "receive")
    clock.advance(days=21)
    api.issue_tokens()
    return ctx


def prepare_apology_document(api, clock) -> dict:
    """The head of agency's apology letter for a late dossier (D19), stored as a document of the dossier."""
    ctx = prepare_late_dossier(api, clock)
    r = api.post(f"/api/v1/dossiers/{ctx['code']}/letters", "demo.thutruong", json=APOLOGY)
    assert r.status_code == 201, r.get_json()
    assert sign_requested(api.client.application, ctx["code"]) == 1  # its signer signs it (D35), then it is sealed
    shown = api.get(f"/api/v1/dossiers/{ctx['code']}", "demo.thutruong").get_json()
    [document] = [d for d in shown["documents"] if d["kind"] == "apology"]
    ctx["document"], ctx["document_info"] = document["id"], document
    return ctx


def prepare_resolved_dossier(api, clock) -> dict:
    """A dossier carried to its signed result, which lands in the owner's document store (D24)."""
    ctx = prepare_dossier(api, clock)
    code = ctx["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    dossier = api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"])
    [result] = [d for d in dossier["documents"] if d["kind"] == "result"]
    ctx["document"] = result["id"]
    return ctx


def prepare_signing_request(api, clock) -> dict:
    """An approved dossier whose result waits for the leader's signature (D35)."""
    ctx = prepare_dossier(api, clock)
    code = ctx["code"]
    api.act("demo.tiepnhan", code, "receive")
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.auto_sign = False
    api.act("demo.lanhdao", code, "approve")
    [request] = [r for r in api.get("/api/v1/signing-requests", "demo.lanhdao").get_json() if r["dossier"] == code]
    ctx["request"] = request["id"]
    return ctx


def prepare_component(api, clock) -> dict:
    ctx = prepare_dossier(api, clock)
    procedure = api.get(f"/api/v1/procedures/{SAMPLE_CODE}").get_json()
    ctx["component"] = procedure["components"][0]["name"]
    return ctx


# -- the requests --------------------------------------------------------------------------------------------
def _bpmn_upload() -> dict:
    return {"bpmn": (io.BytesIO(SAMPLE.read_bytes()), SAMPLE.name)}


def _new_cccd(caller: str) -> str:
    return f"0790990001{list(CALLERS).index(caller):02d}"


Call = Callable  # (api, username | None, ctx, caller) -> response


def call_token(api, user, ctx, caller):
    return api.post("/api/v1/auth/token", user, json={"username": user or CITIZEN, "password": PASSWORD})


def call_register(api, user, ctx, caller):
    # each caller from an address of its own: one address registers at most portal_cases.REGISTER_LIMIT an hour
    address = f"10.0.{sorted(CALLERS).index(caller)}.1"
    return api.post("/api/v1/citizens", user, json={
        "full_name": "Phan Văn Mới", "cccd": _new_cccd(caller), "cccd_issued_on": "2022-01-01",
        "phone": "0901234567", "password": PASSWORD}, environ_base={"REMOTE_ADDR": address})


def call_file(owner: dict | None):
    def call(api, user, ctx, caller):
        payload = {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM}
        if owner:
            payload["owner"] = owner
        return api.post("/api/v1/dossiers", user, json=payload)
    return call


def get(path: str) -> Call:
    return lambda api, user, ctx, caller: api.get(path.format(**ctx), user)


def post(path: str, payload: dict | None = None) -> Call:
    return lambda api, user, ctx, caller: api.post(path.format(**ctx), user, json=payload or {})


PNG = WHOLE_PNG  # a whole PNG image


def call_attach(api, user, ctx, caller):
    return api.post(f"/api/v1/dossiers/{ctx['code']}/documents", user, content_type="multipart/form-data",
                    data={"file": (io.BytesIO(PNG), "giay-de-nghi.png"), "component": ctx["component"]})


def call_deploy(api, user, ctx, caller):
    return api.post("/api/v1/procedures", user, data=_bpmn_upload(), content_type="multipart/form-data")


# -- checks of successful bodies -----------------------------------------------------------------------------
def dossier_listed(body, ctx) -> bool:
    return ctx["code"] in [d["code"] for d in body]


def document_listed(body, ctx) -> bool:
    return ctx["document"] in [d["id"] for d in body]


def request_listed(body, ctx) -> bool:
    return ctx["request"] in [r["id"] for r in body]


def task_listed(body, ctx) -> bool:
    return ctx["task"] in [t["id"] for t in body]


def check_task_list(body, ctx, caller) -> str | None:
    """Only tasks of my roles and of my agency (codes start with the agency id, D6)."""
    agency = OTHER_AGENCY if caller == "other_agency" else DEMO_AGENCY
    wrong = [t for t in body if t["role"] not in ROLES_OF[caller] or not t["dossier"].startswith(agency + "-")]
    return f"tasks outside my roles/agency: {wrong}" if wrong else None


def check_dossier_list(body, ctx, caller) -> str | None:
    if caller == "other_agency":
        wrong = [d["code"] for d in body if not d["code"].startswith(OTHER_AGENCY + "-")]
        return f"dossiers of another agency: {wrong}" if wrong else None
    if caller == "other_citizen":
        wrong = [d["code"] for d in body if d["owner"]["cccd"] != OTHER_CITIZEN]
        return f"dossiers of another citizen: {wrong}" if wrong else None
    if caller == "admin" and body:
        return f"administrator (no agency) sees dossiers: {[d['code'] for d in body]}"
    return None


def check_same_dossier(body, ctx, caller) -> str | None:
    return None if body.get("code") == ctx["code"] else f"wrong dossier {body.get('code')}"


def check_same_task(body, ctx, caller) -> str | None:
    if body.get("id") != ctx["task"]:
        return f"wrong task {body.get('id')}"
    if "dossier_summary" in body and body["dossier_summary"]["code"] != ctx["code"]:
        return "wrong dossier summary"
    return None


def check_claimed(body, ctx, caller) -> str | None:
    return None if body.get("assignee") == CALLERS[caller] else f"assignee {body.get('assignee')}"


def check_released(body, ctx, caller) -> str | None:
    return None if body.get("assignee") is None else f"still assigned to {body.get('assignee')}"


def check_received(body, ctx, caller) -> str | None:
    return None if body.get("code") == ctx["code"] and body.get("status") == 4 else f"status {body.get('status')}"


def check_apology(body, ctx, caller) -> str | None:
    kinds = [letter["kind"] for letter in body.get("letters", [])]
    return None if body.get("code") == ctx["code"] and kinds == ["apology"] and body.get("late") else (
        f"letters {body.get('letters')}, late {body.get('late')}")


def check_document_bytes(response, ctx, caller) -> str | None:
    """The stored file itself: the media type and SHA-256 the dossier lists for it."""
    listed = ctx["document_info"]
    if response.mimetype != listed["media_type"] or hashlib.sha256(response.data).hexdigest() != listed["sha256"]:
        return f"not the listed file: {response.mimetype}, {len(response.data)} bytes"
    return None


def check_attached(body, ctx, caller) -> str | None:
    ok = body.get("kind") == "filing" and body.get("media_type") == "image/png" and body.get("size") == len(PNG)
    return None if ok else f"attached {body}"


def check_deployed(body, ctx, caller) -> str | None:
    return None if body | {"warnings": []} == {"warnings": [], "code": SAMPLE_CODE, "version": 1, "changed": False} else f"deployed {body}"


@dataclass(frozen=True)
class Route:
    prepare: Callable[..., dict]
    call: Call
    listed: Callable | None = None        # for IN/OUT: is the prepared item in the returned list?
    check: Callable | None = None         # extra check of a 2xx body -> message or None


# -- the matrix ---------------------------------------------------------------------------------------------
# Rule (path, method) of engine/web/api.py -> how the row calls it. Every rule of the API blueprint has a row.
RECEIVE = {"action": "receive", "data": {}}
APOLOGY = {"kind": "overdue", "reason": "Thẩm định kéo dài do thiếu cán bộ"}
STOP = {"reason": "Người nộp đề nghị dừng để bổ sung giấy tờ khác"}
REISSUE = {"reason": "Sai tên hộ kinh doanh"}
RETURN_POST = {"return_channel": "post", "return_address": "18 Lê Lợi, phường Thuận Hóa, thành phố Huế"}
ROUTES: dict[str, Route] = {
    "POST /auth/token": Route(prepare_nothing, call_token),
    "POST /citizens": Route(prepare_nothing, call_register),
    "GET /procedures": Route(prepare_nothing, get("/api/v1/procedures")),
    "GET /procedures/{code}": Route(prepare_nothing, get(f"/api/v1/procedures/{SAMPLE_CODE}")),
    "POST /procedures": Route(prepare_nothing, call_deploy, check=check_deployed),
    "POST /dossiers (no owner)": Route(prepare_nothing, call_file(None)),
    "POST /dossiers (with owner)": Route(prepare_nothing, call_file(OWNER)),
    "GET /dossiers": Route(prepare_dossier, get("/api/v1/dossiers"), dossier_listed, check_dossier_list),
    "GET /dossiers?cccd=owner": Route(prepare_dossier, get(f"/api/v1/dossiers?cccd={CITIZEN}"), dossier_listed,
                                      check_dossier_list),
    "GET /dossiers/{code}": Route(prepare_dossier, get("/api/v1/dossiers/{code}"), check=check_same_dossier),
    "POST /dossiers/{code}/supplement": Route(prepare_supplement_requested,
                                              post("/api/v1/dossiers/{code}/supplement", {"form": SAMPLE_FORM}),
                                              check=check_same_dossier),
    "POST /dossiers/{code}/documents": Route(prepare_component, call_attach, check=check_attached),
    "GET /me/documents": Route(prepare_resolved_dossier, get("/api/v1/me/documents"), document_listed),
    "POST /dossiers/{code}/letters": Route(prepare_late_dossier, post("/api/v1/dossiers/{code}/letters", APOLOGY),
                                           check=check_apology),
    "POST /dossiers/{code}/withdraw": Route(prepare_dossier, post("/api/v1/dossiers/{code}/withdraw", STOP),
                                            check=check_same_dossier),
    "POST /dossiers/{code}/return-channel": Route(prepare_dossier,
                                                  post("/api/v1/dossiers/{code}/return-channel", RETURN_POST),
                                                  check=check_same_dossier),
    "POST /dossiers/{code}/stop": Route(prepare_dossier, post("/api/v1/dossiers/{code}/stop", STOP),
                                        check=check_same_dossier),
    "POST /dossiers/{code}/results/reissue": Route(prepare_resolved_dossier,
                                                   post("/api/v1/dossiers/{code}/results/reissue", REISSUE),
                                                   check=check_same_dossier),
    "GET /documents/{id} (no such document)": Route(prepare_dossier, get("/api/v1/documents/987654")),
    "GET /documents/{id} (apology letter)": Route(prepare_apology_document, get("/api/v1/documents/{document}"),
                                                  check=check_document_bytes),
    "GET /tasks": Route(prepare_task, get("/api/v1/tasks"), task_listed, check_task_list),
    "GET /tasks/{id}": Route(prepare_task, get("/api/v1/tasks/{task}"), check=check_same_task),
    "POST /tasks/{id}/claim": Route(prepare_task, post("/api/v1/tasks/{task}/claim"), check=check_claimed),
    "POST /tasks/{id}/release": Route(prepare_claimed_task, post("/api/v1/tasks/{task}/release"),
                                      check=check_released),
    "POST /tasks/{id}/complete": Route(prepare_task, post("/api/v1/tasks/{task}/complete", RECEIVE),
                                       check=check_received),
    "GET /signing-requests": Route(prepare_signing_request, get("/api/v1/signing-requests"), request_listed),
    "POST /signing-requests/{id}/sign": Route(prepare_signing_request,
                                              post("/api/v1/signing-requests/{request}/sign", {"pin": PASSWORD})),
    "GET /openapi.json": Route(prepare_nothing, get("/api/v1/openapi.json")),
    "GET /<path:_rest> (unknown)": Route(prepare_nothing, get("/api/v1/no-such-endpoint")),
    "POST /<path:_rest> (task id not int)": Route(prepare_task, post("/api/v1/tasks/abc/claim")),
}

EXPECTED: dict[str, tuple] = {
    #                                          anon own  cit2 tiep chuy lanh thu  giam vant agy2 adm
    "POST /auth/token":                       (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "POST /citizens":                         (201, 201, 201, 201, 201, 201, 201, 201, 201, 201, 201),
    "GET /procedures":                        (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /procedures/{code}":                 (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "POST /procedures":                       (401, 403, 403, 403, 403, 403, 403, 403, 403, 403, 201),
    # a receiving officer must name the owner (422); another agency's officer may not file here at all (403)
    "POST /dossiers (no owner)":              (401, 201, 201, 422, 403, 403, 403, 403, 403, 403, 403),
    "POST /dossiers (with owner)":            (401, 201, 201, 201, 403, 403, 403, 403, 403, 403, 403),
    "GET /dossiers":                          (401, IN,  OUT, IN,  IN,  IN,  IN,  IN,  IN,  OUT, OUT),
    "GET /dossiers?cccd=owner":               (401, IN,  OUT, IN,  IN,  IN,  IN,  IN,  IN,  OUT, OUT),
    "GET /dossiers/{code}":                   (401, 200, 404, 200, 200, 200, 200, 200, 200, 404, 404),
    "POST /dossiers/{code}/supplement":       (401, 200, 404, 403, 403, 403, 403, 403, 403, 404, 404),
    # the filer or a receiving officer of the agency attaches files to a dossier they can see
    "POST /dossiers/{code}/documents":        (401, 201, 404, 403, 403, 403, 403, 403, 403, 404, 404),
    # the citizen's own document store (D24): the owner finds the signed result there, nobody else does
    "GET /me/documents":                      (401, IN,  OUT, 403, 403, 403, 403, 403, 403, 403, 403),
    # D19: only the head of the agency signs the apology for a late dossier
    "POST /dossiers/{code}/letters":          (401, 403, 404, 403, 403, 403, 201, 403, 403, 404, 404),
    # NĐ 118 Điều 21: the citizen withdraws their own dossier; the one-stop's officer stops one
    "POST /dossiers/{code}/withdraw":         (401, 200, 404, 403, 403, 403, 403, 403, 403, 404, 404),
    # D23: the citizen chooses how the result comes back, for their own dossier only
    "POST /dossiers/{code}/return-channel":   (401, 200, 404, 403, 403, 403, 403, 403, 403, 404, 404),
    "POST /dossiers/{code}/stop":             (401, 403, 404, 200, 403, 403, 403, 403, 403, 404, 404),
    # the clerk re-issues (corrects) a result under a new number
    "POST /dossiers/{code}/results/reissue":  (401, 403, 404, 403, 403, 403, 403, 403, 201, 404, 404),
    "GET /documents/{id} (no such document)": (401, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    # a document is served to those who may see its dossier (D2), a 404 to everyone else
    "GET /documents/{id} (apology letter)":   (401, 200, 404, 200, 200, 200, 200, 200, 200, 404, 404),
    "GET /tasks":                             (401, 403, 403, IN,  OUT, OUT, OUT, OUT, OUT, OUT, 403),
    # the intake task (role receiving_officer, demo agency)
    "GET /tasks/{id}":                        (401, 404, 404, 200, 403, 403, 403, 403, 403, 404, 404),
    "POST /tasks/{id}/claim":                 (401, 404, 404, 200, 403, 403, 403, 403, 403, 404, 404),
    "POST /tasks/{id}/release":               (401, 404, 404, 200, 403, 403, 403, 403, 403, 404, 404),
    "POST /tasks/{id}/complete":              (401, 404, 404, 200, 403, 403, 403, 403, 403, 404, 404),
    # D35: the signer alone sees and signs what waits for them (the leader who approved)
    "GET /signing-requests":                  (401, OUT, OUT, OUT, OUT, IN,  OUT, OUT, OUT, OUT, OUT),
    "POST /signing-requests/{id}/sign":       (401, 404, 404, 404, 404, 200, 404, 404, 404, 404, 404),
    "GET /openapi.json":                      (200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200),
    "GET /<path:_rest> (unknown)":            (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
    "POST /<path:_rest> (task id not int)":   (404, 404, 404, 404, 404, 404, 404, 404, 404, 404, 404),
}
assert EXPECTED.keys() == ROUTES.keys() and all(len(row) == len(CALLERS) for row in EXPECTED.values())


def error_shape_problem(response) -> str | None:
    body = response.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("error"), dict):
        return f"error body is not {{'error': {{...}}}}: {response.data[:200]!r}"
    error = body["error"]
    if not (isinstance(error.get("code"), str) and error["code"] and isinstance(error.get("message"), str)
            and error["message"] and isinstance(error.get("fields"), dict)):
        return f"error body lacks code/message/fields: {error}"
    return None


def _status_of(expected) -> int:
    return 200 if expected in (IN, OUT) else expected


@pytest.mark.parametrize("route", list(ROUTES))
def test_role_route_matrix(caller_api, clock, route):
    api, spec = caller_api, ROUTES[route]
    ctx = spec.prepare(api, clock)
    expected = dict(zip(CALLERS, EXPECTED[route]))
    # Callers that should fail go first, so that a successful call (claim, complete...) cannot change their answer.
    order = sorted(CALLERS, key=lambda c: _status_of(expected[c]) < 300)
    problems = []
    for caller in order:
        want = expected[caller]
        response = spec.call(api, CALLERS[caller], ctx, caller)
        got = response.status_code
        body = response.get_json(silent=True)
        where = f"{route} as {caller}"
        if got == 500 or got != _status_of(want):
            problems.append(f"{where}: expected {_status_of(want)}, got {got} {str(body)[:300]}")
            continue
        if got >= 400:
            shape = error_shape_problem(response)
            if shape:
                problems.append(f"{where}: {shape}")
            continue
        if want in (IN, OUT) and spec.listed(body, ctx) != (want == IN):
            problems.append(f"{where}: prepared item {'missing from' if want == IN else 'leaked into'} the list")
        if spec.check:
            message = spec.check(body if body is not None else response, ctx, caller)
            if message:
                problems.append(f"{where}: {message}")
    assert not problems, "\n".join(problems)


def test_matrix_covers_every_api_route(app):
    """Every rule of engine/web/api.py has at least one row in ROUTES (the row name starts with 'METHOD path')."""
    covered = {tuple(name.split(" (")[0].split("?")[0].split(" ", 1)) for name in ROUTES}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("api."):
            continue
        path = re.sub(r"<(?:int:)?(\w+)>", lambda m: "{" + ("id" if m.group(1).endswith("id") else m.group(1)) + "}",
                      rule.rule.removeprefix("/api/v1"))
        if path.startswith("/<path:"):
            path = "/<path:_rest>"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (method, path) not in covered and not (path == "/<path:_rest>" and ("GET", path) in covered):
                missing.append(f"{method} {path}")
    assert not missing, f"routes without a matrix row: {missing}"


def test_out_of_range_ids_are_404_not_500(caller_api):
    api, huge = caller_api, 10 ** 20
    problems = []
    for method, path in (("get", f"/api/v1/tasks/{huge}"), ("post", f"/api/v1/tasks/{huge}/claim"),
                         ("post", f"/api/v1/tasks/{huge}/release"), ("post", f"/api/v1/tasks/{huge}/complete"),
                         ("get", f"/api/v1/documents/{huge}")):
        kw = {"json": RECEIVE} if method == "post" else {}
        response = getattr(api, method)(path, "demo.tiepnhan", **kw)
        if response.status_code != 404 or error_shape_problem(response):
            problems.append(f"{method.upper()} {path}: {response.status_code} {response.get_json(silent=True)}")
    assert not problems, "\n".join(problems)


# -- D2/D4: dossiers filed for someone are visible to both -----------------------------------------------------
def test_dossier_filed_for_another_citizen_is_visible_to_both(caller_api, app):
    api = caller_api
    other = {"full_name": "Lê Thị Khác", "birth_date": "1995-05-05", "cccd": OTHER_CITIZEN}
    by_citizen = api.file(CITIZEN, owner=other)["code"]
    at_desk = api.file("demo.tiepnhan", owner=other)["code"]
    for code in (by_citizen, at_desk):  # her CCCD only declared at registration: not yet hers to see
        assert api.get(f"/api/v1/dossiers/{code}", OTHER_CITIZEN).status_code == 404
    checked(app, OTHER_CITIZEN)  # the one-stop saw her card
    for code in (by_citizen, at_desk):
        assert api.get(f"/api/v1/dossiers/{code}", OTHER_CITIZEN).status_code == 200
        assert api.get(f"/api/v1/dossiers/{code}", OTHER_OFFICER).status_code == 404
    assert api.get(f"/api/v1/dossiers/{by_citizen}", CITIZEN).status_code == 200   # the filer
    assert api.get(f"/api/v1/dossiers/{at_desk}", CITIZEN).status_code == 404      # not the filer, not the owner
    listed = {d["code"] for d in api.get("/api/v1/dossiers", OTHER_CITIZEN).get_json()}
    assert listed == {by_citizen, at_desk}
    assert api.get("/api/v1/dossiers", OTHER_OFFICER).get_json() == []


# -- the inbox shows only my roles' tasks; claim and release ---------------------------------------------------
@pytest.fixture
def second_receiver(world, clock):
    sessions = world.extensions["tthc"]["sessions"]
    with sessions() as session:
        agency = session.query(Agency).filter_by(code=DEMO_AGENCY).one()
        accounts.ensure_officer(session, clock.now(), SECOND_RECEIVER, "Nguyễn Thị Tiếp Hai", {"receiving_officer"},
                                agency, PASSWORD)
        session.commit()
    return SECOND_RECEIVER


def _tasks(api, user, code, **query):
    r = api.get("/api/v1/tasks", user, query_string=query)
    assert r.status_code == 200, r.get_json()
    return [t for t in r.get_json() if t["dossier"] == code]


def _expect_error(response, status: int, code: str | None = None):
    body = response.get_json()
    assert response.status_code == status, body
    assert error_shape_problem(response) is None, body
    if code:
        assert body["error"]["code"] == code, body


def test_inbox_claim_and_release(caller_api, second_receiver):
    api = caller_api
    code = api.file(CITIZEN)["code"]
    first, second = "demo.tiepnhan", second_receiver

    [intake] = _tasks(api, first, code)
    assert (intake["step"], intake["role"], intake["assignee"]) == ("intake", "receiving_officer", None)
    assert set(intake["actions"]) == {"receive", "request_supplement", "refuse"}
    assert [t["id"] for t in _tasks(api, second, code)] == [intake["id"]]
    for user in ("demo.chuyenvien", "demo.lanhdao", "demo.thutruong", "demo.giamdoc", "demo.vanthu", OTHER_OFFICER):
        assert _tasks(api, user, code) == [], user
    assert _tasks(api, first, code, mine="1") == []

    task = f"/api/v1/tasks/{intake['id']}"
    r = api.post(f"{task}/claim", first)
    assert r.status_code == 200 and r.get_json()["assignee"] == first, r.get_json()
    assert [t["id"] for t in _tasks(api, first, code, mine="1")] == [intake["id"]]
    assert api.post(f"{task}/claim", first).status_code == 200              # claiming again is harmless
    _expect_error(api.post(f"{task}/claim", second), 409, "task_taken")
    _expect_error(api.post(f"{task}/release", second), 409, "not_assignee")
    _expect_error(api.post(f"{task}/complete", second, json=RECEIVE), 409, "task_taken")
    assert _tasks(api, second, code)[0]["assignee"] == first                 # still visible, taken by first

    r = api.post(f"{task}/release", first)
    assert r.status_code == 200 and r.get_json()["assignee"] is None, r.get_json()
    _expect_error(api.post(f"{task}/release", first), 409, "not_assignee")   # nothing to release any more
    r = api.post(f"{task}/claim", second)
    assert r.status_code == 200 and r.get_json()["assignee"] == second, r.get_json()

    # the specialist sees nothing until the dossier is received, then the assessment task
    assert _tasks(api, "demo.chuyenvien", code) == []
    assert api.act(second, code, "receive")["status"] == 4
    [assessment] = _tasks(api, "demo.chuyenvien", code)
    assert (assessment["step"], assessment["role"], assessment["assignee"]) == ("assessment", "specialist", None)
    assert _tasks(api, first, code) == [] and _tasks(api, second, code) == []
    for user in ("demo.lanhdao", "demo.thutruong", "demo.giamdoc", "demo.vanthu", OTHER_OFFICER):
        assert _tasks(api, user, code) == [], user
    _expect_error(api.get(task, second), 409, "task_completed")              # the intake task is done
    _expect_error(api.get(task, OTHER_OFFICER), 404, "task_not_found")      # ... which another agency can't learn
    _expect_error(api.get(f"/api/v1/tasks/{assessment['id']}", first), 403, "wrong_role")
    _expect_error(api.get(f"/api/v1/tasks/{assessment['id']}", OTHER_OFFICER), 404, "task_not_found")
    assert api.get(f"/api/v1/tasks/{assessment['id']}", "demo.chuyenvien").status_code == 200


# -- OpenAPI ------------------------------------------------------------------------------------------------
def _positional(path: str) -> str:
    """'/api/v1/tasks/<int:item_id>/claim' and '/api/v1/tasks/{id}/claim' -> '/api/v1/tasks/{}/claim'."""
    return re.sub(r"<[^<>]+>|\{[^{}]+\}", "{}", path)


def _flask_api_routes(app) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or "<path:" in rule.rule:
            continue
        routes.setdefault(_positional(rule.rule), set()).update(m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return routes


@pytest.fixture
def openapi_doc(api):
    r = api.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    return r.get_json()


def _documented(doc) -> dict[str, set[str]]:
    documented: dict[str, set[str]] = {}
    for path, item in doc["paths"].items():
        documented.setdefault(_positional(path), set()).update(
            m for m in item if m in ("get", "post", "put", "patch", "delete"))
    return documented


# Routes that openapi.json does not describe (none today); list one here only with a reason.
UNDOCUMENTED: list[str] = []


def test_openapi_lists_every_route(app, openapi_doc):
    """Every Flask route under /api/v1 is in `paths` with each of its methods, and `paths` has no other route."""
    doc = openapi_doc
    assert str(doc.get("openapi", "")).startswith("3.1")
    assert doc["info"].get("title") and doc["info"].get("version")
    assert isinstance(doc["paths"], dict) and doc["paths"]
    documented, flask_routes = _documented(doc), _flask_api_routes(app)
    gone = [r for r in UNDOCUMENTED if r.split(" ")[0].lower() not in flask_routes.get(r.split(" ")[1], set())]
    assert not gone, f"no longer routes, remove from UNDOCUMENTED: {gone}"
    missing = [f"{m.upper()} {p}" for p, methods in flask_routes.items() for m in sorted(methods)
               if m not in documented.get(p, set())]
    assert [m for m in missing if m not in UNDOCUMENTED] == [], f"routes missing from openapi.json: {missing}"
    phantom = [f"{m.upper()} {p}" for p, methods in documented.items() for m in methods
               if m not in flask_routes.get(p, set())]
    assert not phantom, f"openapi.json documents routes that do not exist: {phantom}"


def test_openapi_is_valid_3_1(openapi_doc):
    validator = pytest.importorskip("openapi_spec_validator")
    validator.validate(openapi_doc)
