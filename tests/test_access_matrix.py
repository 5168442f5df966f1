"""Who may reach what: every route of the application (web pages and the JSON API, read from ``app.url_map`` so
that a route added later is covered without touching this file) against every kind of caller (D2, D29).

The world: the demo ward (ward A) and a second ward (ward B) under the province's root; dossiers of the demo
citizen in ward A in several states (tests/test_robustness.py's World: received, filed, waiting for a supplement,
a receipt, a payment, a signing request, a notice); an officer of ward B holding every officer role; a second
citizen; the demo administrator (ward A's administrator here) and a province administrator (of the root).

For each route, path values are real (by argument name: a dossier code, a task, a document, ...; an argument
naming an agency or an officer gets ward B's, for the administrators' checks) and each caller asks:

- no answer is a 500 or carries a stack trace;
- the administration (pages under /quan-tri and the API's administration routes, ADMIN_ONLY) is refused to
  everyone but administrators: the anonymous visitor is sent to the login page (401 on the API), anyone else
  gets 403 (404 where the path names nothing they may know), and a refused write changes nothing;
- ward B's officer and the other citizen never get ward A's dossier, task, document, payment, signing request
  or notice: 403/404 on every route carrying one (public pages excepted: what the anonymous visitor gets too),
  no write through them changes the database, and no page or answer they read names a ward-A dossier code;
- ward A's administrator never reads nor changes ward B's agency or officers (routes whose path names one:
  403/404, nothing written; an administrative write whose body names ward B in its agency fields, as api.md's
  officers, agencies and offers do: refused, nothing written), no administration page shows them ward B's name
  or officers; the province's
  administrator reads them, and ward A's administrator reads ward A's.

Callers are sampled: the anonymous visitor, ward B's officer, the other citizen and both administrators ask
every route; the roles of ward A (and the demo citizen) share the non-administration routes round-robin, and
each asks every administration route. Runs on SQLite and PostgreSQL. The last test adds routes that forget
their checks and requires the sweep to name each one.
"""
from __future__ import annotations

import itertools
import logging
import re
from collections import Counter
from datetime import datetime, timezone

import pytest
from conftest import CITIZEN, PASSWORD, password_hash
from sqlalchemy import select
from test_robustness import World, problems_of, snapshot, diff
from web_support import CSRF_RE, OTHER_CITIZEN

from engine.cases import accounts
from engine.cli import DEMO_AGENCY
from engine.data import agencies
from engine.data.agency_model import Agency
from engine.data.model import Dossier, User

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
EVERY = WRITES | {"GET"}
# (methods, pattern on the rule's path): the administration (api.md "Administration"; pages under /quan-tri)
ADMIN_ONLY = [
    (EVERY, r"/quan-tri(/.*)?"),
    (EVERY, r"/api/v1/(officers|incidents|admin)(/.*)?"),
    (EVERY, r"/api/v1/procedures/[^/]+/versions(/.*)?"),
    (WRITES, r"/api/v1/agencies(/.*)?"),
    (WRITES, r"/api/v1/procedures(/[^/]+/offers)?"),
    (WRITES, r"/api/v1/dossiers/[^/]+/(suspend|resume|terminate|migrate)"),
]
WARD_B = ("000.00.07.H56", "Phường Bình Minh (kiểm thử)")
ROOT = ("000.00.00.H56", "Ủy ban nhân dân thành phố (kiểm thử)")
B_OFFICER = ("b.canbo", "Tôn Thất Bình Minh")
OFFICER_ROLES = {"receiving_officer", "specialist", "department_leader", "head_of_agency", "clerk"}
WARD_A_ROLES = ("tiepnhan", "chuyenvien", "lanhdao", "thutruong", "giamdoc", "vanthu")
# caller -> username (None: anonymous)
CALLERS = {"anonymous": None, "citizen": CITIZEN, "other_citizen": OTHER_CITIZEN,
           **{role: f"demo.{role}" for role in WARD_A_ROLES},
           "ward_b": B_OFFICER[0], "ward_a_admin": "demo.admin", "province_admin": "tinh.admin"}
OUTSIDERS = ("ward_b", "other_citizen")          # must never get ward A's dossiers
ADMINS = ("ward_a_admin", "province_admin")
ROUND_ROBIN = ("citizen",) + WARD_A_ROLES + ADMINS
DOSSIER_ARGS = {"code", "item_id", "doc_id", "request_id", "payment_id", "notice_id"}
AGENCY_ARG = re.compile(r"agency|co_quan")
# routes whose writes name agencies in their body: officers, agencies, offers (api.md), their pages
NAMES_AGENCIES = re.compile(r"officers|agencies|offers|/co-quan|/can-bo|/noi-cung-cap")
OFFICER_ARG = re.compile(r"user|officer|staff|username|can_bo")


def admin_only(rule, method: str) -> bool:
    return any(method in methods and re.fullmatch(pattern, rule.rule) for methods, pattern in ADMIN_ONLY)


def is_api(rule) -> bool:
    return rule.rule.startswith("/api/")


class Matrix(World):
    """The World of test_robustness with ward B, the province's root, its administrator and a second citizen."""

    def __init__(self, app, clock, settings):
        super().__init__(app, World.new(app, clock, settings).api.tokens, {})  # the World's tokens
        self.clock = clock
        sessions = app.extensions["tthc"]["sessions"]
        with sessions.begin() as session:
            root = agencies.place(session, Agency(code=ROOT[0], name=ROOT[1], level="province"), None)
            ward_a = agencies.by_code(session, DEMO_AGENCY[0])
            agencies.place(session, ward_a, root)
            ward_b = agencies.place(session, Agency(code=WARD_B[0], name=WARD_B[1], level="commune"), root)
            now = clock.now()
            shared = password_hash()
            b = accounts.ensure_officer(session, now, *B_OFFICER, OFFICER_ROLES, ward_b, PASSWORD, password_hash=shared)
            accounts.ensure_officer(session, now, "tinh.admin", "Quản Trị Tỉnh", {"administrator"}, root, PASSWORD,
                                    password_hash=shared)
            accounts.register_citizen(session, now, {"full_name": "Phan Văn Khác", "cccd": OTHER_CITIZEN,
                                                     "cccd_issued_on": "2020-01-01", "phone": "0911222333",
                                                     "password": PASSWORD})
            self.ward_a_id, self.ward_b_id, self.b_officer_id = ward_a.id, ward_b.id, b.id
            self.demo_officer_id = session.scalar(select(User.id).where(User.username == "demo.tiepnhan"))
            self.citizen_id = session.scalar(select(User.id).where(User.username == CITIZEN))
        self.web: dict[str, object] = {}
        self.csrf: dict[str, str] = {}
        with sessions() as session:
            for caller, username in CALLERS.items():
                client = app.test_client()
                if username is not None:
                    user = session.scalar(select(User).where(User.username == username))
                    self.api.tokens[username], _ = accounts.issue_token(session, user, now, settings.token_hours)
                    sid = accounts.open_web_session(session, user, now, settings.token_hours)
                    with client.session_transaction() as cookie:
                        cookie["uid"], cookie["sid"] = user.id, sid
                self.web[caller] = client
            session.commit()
        for caller, client in self.web.items():
            self.csrf[caller] = CSRF_RE.search(client.get("/tra-cuu").get_data(as_text=True)).group(1)

    def naming_ward_b(self, api: bool) -> dict:
        """A plausible body of an administrative write (api.md "Administration": an officer, an agency, offers)
        whose every agency field names ward B."""
        number = self.ward_b_id if api else str(self.ward_b_id)
        body = {"username": "x.moi", "full_name": "Người Mới", "name": "Cơ quan mới", "id": "000.00.77.H56",
                "code": "000.00.77.H56", "level": "commune", "roles": ["receiving_officer"], "reason": "Thử",
                "active": True, "agency": WARD_B[0], "parent": WARD_B[0], "processing_agency": WARD_B[0],
                "agency_id": number, "parent_id": number, "agencies": [WARD_B[0]]}
        return body if api else {k: (v if isinstance(v, list) else str(v)) for k, v in body.items()}

    def codes(self) -> list[str]:
        with self.app.extensions["tthc"]["sessions"]() as session:
            return list(session.scalars(select(Dossier.code)))

    def value(self, arg: str, converter: str, ward: str, citizen: bool = False) -> list[str]:
        """Real values of a path argument: ward A's dossier things; an agency or an officer of ``ward``; on a
        citizens' route, the demo citizen."""
        numeric = converter in ("IntegerConverter", "DatabaseInt")
        if citizen and OFFICER_ARG.search(arg):
            return [str(self.citizen_id if numeric else CITIZEN)]
        if AGENCY_ARG.search(arg):
            agency = (self.ward_b_id, WARD_B[0]) if ward == "B" else (self.ward_a_id, DEMO_AGENCY[0])
            return [str(agency[0] if numeric else agency[1])]
        if OFFICER_ARG.search(arg):
            officer = (self.b_officer_id, B_OFFICER[0]) if ward == "B" else (self.demo_officer_id, "demo.tiepnhan")
            return [str(officer[0] if numeric else officer[1])]
        known = {"code": ["{A}", "1.001612"], "item_id": ["{taskA}"], "doc_id": ["{receipt}"],
                 "request_id": ["{signing}"], "payment_id": ["{payment}"], "notice_id": ["{notice}"],
                 "action": ["propose_approval"], "gateway": ["vnpay"], "filename": ["css/app.css"]}
        return known.get(arg, ["1"])


def paths(world: Matrix, rule, ward: str) -> list[tuple[str, bool]]:
    """(path template, carries a ward-A dossier thing) for the combinations of the rule's real values."""
    args = sorted(rule.arguments)
    choices = [[(a, v) for v in world.value(a, type(rule._converters[a]).__name__, ward,
                                            citizen=bool(CITIZEN_ROUTE.search(rule.rule)))] for a in args]
    out = []
    for combo in itertools.product(*choices):
        values = dict(combo)
        path = re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)
        out.append((path, any(v.startswith("{") for v in values.values())))
    return out


CITIZEN_ROUTE = re.compile(r"cong-dan|citizen")  # a user argument there names a citizen (of no agency)


def targets_ward_b(rule) -> bool:
    return any(AGENCY_ARG.search(a) or (OFFICER_ARG.search(a) and not CITIZEN_ROUTE.search(rule.rule))
               for a in rule.arguments)


class Checks:
    def __init__(self, app, world: Matrix, caplog):
        self.app, self.world, self.caplog = app, world, caplog
        self.problems: list[str] = []
        self.count = Counter()
        self.before = snapshot(app)

    def send(self, caller: str, method: str, rule, template: str, refuse: bool = False, body: dict | None = None):
        """One request; a write must change nothing when ``refuse`` (or when it is answered 4xx)."""
        path = self.world.fill(template)
        username = CALLERS[caller]
        if is_api(rule):
            kwargs = {"headers": self.world.api.headers(username)} if username else {}
            if method in WRITES:
                kwargs.update(json=body or {})
        else:
            kwargs = {"data": {"csrf_token": self.world.csrf[caller], **(body or {})}} if method in WRITES else {}
        self.caplog.clear()
        response = self.world.web[caller].open(path, method=method, **kwargs)
        self.count[caller] += 1
        found = problems_of(response, is_api(rule), method)
        found += [f"logged an error: {r.getMessage()[:200]}" for r in self.caplog.records if r.levelno >= logging.ERROR]
        if method in WRITES:
            after = snapshot(self.app)
            if after != self.before:
                if response.status_code < 400 and not refuse:
                    self.world.renew(template)  # an accepted write of a caller who may make it
                else:
                    found.append(f"changed the database: {diff(self.before, after)}")
                self.before = snapshot(self.app)
        if found:
            self.fail(caller, method, path, response, ", ".join(found))
        return response

    def fail(self, caller, method, path, response, what: str) -> None:
        self.problems.append(f"{caller} {method} {path[:100]} -> {response.status_code}: {what}")

    def expect(self, ok: bool, caller, method, path, response, what: str) -> None:
        if not ok:
            self.fail(caller, method, path, response, what)


def text(response) -> str:
    textual = response.mimetype.startswith("text/") or response.mimetype in ("application/json", "application/xml")
    return response.get_data(as_text=True) if textual else ""


def sweep(app, clock, settings, caplog, only: str = "") -> tuple[list[str], Counter]:
    """Every route (or those whose path contains ``only``), every caller it concerns: the problems found and how
    many checks of each kind ran."""
    caplog.set_level(logging.ERROR)
    world = Matrix(app, clock, settings).ready()
    checks = Checks(app, world, caplog)
    codes = world.codes()
    assert len(codes) >= 5  # A, B, C, the payment's and the signing request's dossiers
    rules = sorted((r for r in app.url_map.iter_rules() if r.endpoint != "static" and only in r.rule),
                   key=lambda r: r.rule)
    turn = itertools.cycle(ROUND_ROBIN)
    seen = Counter()
    for rule in rules:
        methods = sorted((rule.methods or set()) & EVERY)
        for ward in ("A", "B") if targets_ward_b(rule) else ("A",):
            for template, dossier_thing in paths(world, rule, ward):
                for method in methods:
                    _one(checks, world, rule, method, template, dossier_thing, ward, codes, next(turn), seen)
    print(f"\n{sum(checks.count.values())} requests by caller {dict(checks.count)}; checks {dict(seen)}")
    return checks.problems, seen


def test_every_route_refuses_who_must_not_reach_it(app, clock, settings, caplog):
    problems, seen = sweep(app, clock, settings, caplog)
    assert seen["admin refused"] >= 2 and seen["outsider refused"] >= 40 and seen["no code leaked"] >= 10
    shown = "\n".join(problems[:80])
    assert not problems, f"{len(problems)} wrong answers:\n{shown}"


@pytest.fixture
def leaky_app(app):
    """The application with routes that forget their checks, as a later route might: the sweep must name each."""
    from flask import Blueprint, abort, g, jsonify
    from engine.web import db
    from engine.web.api import authenticated

    leaky = Blueprint("leaky", __name__)

    @leaky.get("/quan-tri/thu-nghiem/<int:agency_id>")
    def agency_page(agency_id: int):  # an admin page without the subtree check
        if g.user is None or "administrator" not in g.user.roles:
            abort(403)
        return f"<p>{db().get(Agency, agency_id).name}</p>"

    @leaky.get("/api/v1/admin/thu-nghiem/<username>")
    def officer(username: str):  # an administration route that checks nothing
        return jsonify({"username": username})

    @leaky.get("/can-bo/thu-nghiem/<code>")
    def dossier(code: str):  # a dossier page without D2
        if g.user is None:
            abort(403)
        return f"<p>{code}</p>"

    @leaky.post("/api/v1/admin/thu-nghiem/officers")
    @authenticated
    def create_officer():  # an administrator's write that forgets whose agency it names
        from flask import request
        from engine.core.errors import Forbidden
        from engine.data.agency_model import AdminEvent

        if "administrator" not in g.user.roles:
            raise Forbidden("Chỉ quản trị viên được làm việc này.")
        agency = (request.get_json(silent=True) or {}).get("agency_id")
        db().add(AdminEvent(at=datetime(2026, 11, 23, 2, tzinfo=timezone.utc), actor=g.user.username, action="officer.create",
                            target_kind="officer", target="x.moi", agency_id=agency, details={}))
        db().commit()
        return jsonify({"username": "x.moi"}), 201

    app.extensions["csrf"].exempt(leaky)  # as the API's blueprints are (engine.web.ui)
    app.register_blueprint(leaky)
    return app


@pytest.mark.parametrize("backend", ["sqlite"])  # the sweep itself is checked once
def test_the_sweep_names_a_route_that_forgets_its_check(leaky_app, clock, settings, caplog, backend):
    """The sweep over the leaky routes only: the application's own routes are swept (and found clean) by the test
    above, on both databases; sweeping them again here would check nothing more."""
    problems, seen = sweep(leaky_app, clock, settings, caplog, only="/thu-nghiem/")
    assert seen["province admin reads ward B"] >= 2 and seen["ward B refused to ward A's admin"] >= 2  # both routes
    found = "\n".join(problems)
    assert "ward_a_admin GET /quan-tri/thu-nghiem/" in found and "ward B's agency or officer reached" in found
    assert f"shows ward B: ['{WARD_B[1]}']" in found
    assert re.search(r"ward_a_admin POST /api/v1/admin/thu-nghiem/officers -> 201: changed the database: "
                     r"admin_event: \d+ -> \d+", found)
    assert "ward_a_admin POST /api/v1/admin/thu-nghiem/officers -> 201: a write naming ward B accepted" in found
    assert "anonymous GET /api/v1/admin/thu-nghiem/b.canbo -> 200: the administration without login" in found
    assert "anonymous GET /quan-tri/thu-nghiem/" not in found  # a page may answer 403 instead of the login
    for caller in ("citizen", "ward_b", "tiepnhan"):
        assert f"{caller} GET /api/v1/admin/thu-nghiem/b.canbo -> 200: the administration reached" in found
    for caller in OUTSIDERS:
        assert re.search(rf"{caller} GET /can-bo/thu-nghiem/\S+ -> 200: ward A's dossier reached", found)
        assert re.search(rf"{caller} GET /can-bo/thu-nghiem/\S+ -> 200: names ward A's dossiers", found)
    assert all("thu-nghiem" in p for p in problems), found


def _one(checks: Checks, world: Matrix, rule, method, template, dossier_thing, ward, codes, robin, seen) -> None:
    admin = admin_only(rule, method)
    public = None
    if method == "GET":
        anonymous = checks.send("anonymous", method, rule, template)
        public = anonymous.status_code < 300
        if admin:
            login = anonymous.status_code == 401 if is_api(rule) else anonymous.status_code in (401, 403) or (
                anonymous.status_code in (302, 303) and "/dang-nhap" in anonymous.headers.get("Location", ""))
            checks.expect(login, "anonymous", method, template, anonymous, "the administration without login")
    elif admin or dossier_thing:
        anonymous = checks.send("anonymous", method, rule, template, refuse=True)
        checks.expect(anonymous.status_code >= 300, "anonymous", method, template, anonymous, "a write accepted")
    callers = []
    if admin:
        callers = ["citizen", "other_citizen", "ward_b", *WARD_A_ROLES, *ADMINS]
    elif method == "GET":
        callers = ["other_citizen", "ward_b", robin]
    elif dossier_thing and ward == "A":
        callers = list(OUTSIDERS)
    for caller in dict.fromkeys(callers):
        refuse = ((admin and caller not in ADMINS) or (caller in OUTSIDERS and dossier_thing)
                  or (caller == "ward_a_admin" and ward == "B" and targets_ward_b(rule)))
        response = checks.send(caller, method, rule, template, refuse=refuse)
        status, body = response.status_code, text(response)
        path = world.fill(template)
        if admin and caller not in ADMINS:
            seen["admin refused"] += 1
            checks.expect(status in (403, 404), caller, method, path, response, "the administration reached")
        if caller in OUTSIDERS and dossier_thing and ward == "A" and not public:
            seen["outsider refused"] += 1
            checks.expect(status in (403, 404) or (method in WRITES and status >= 300), caller, method, path,
                          response, "ward A's dossier reached")
        if caller in OUTSIDERS and method == "GET" and not public and status < 300:
            seen["no code leaked"] += 1
            leaked = [c for c in codes if c in body]
            checks.expect(not leaked, caller, method, path, response, f"names ward A's dossiers {leaked[:3]}")
        if caller == "ward_a_admin" and admin:
            if ward == "B" and targets_ward_b(rule):
                seen["ward B refused to ward A's admin"] += 1
                checks.expect(status in (403, 404) or (method in WRITES and status >= 400), caller, method, path,
                              response, "ward B's agency or officer reached from ward A")
            if method == "GET" and status < 300:
                seen["no ward B shown"] += 1
                shown = [m for m in (WARD_B[1], WARD_B[0], B_OFFICER[0], B_OFFICER[1]) if m in body]
                checks.expect(not shown, caller, method, path, response, f"shows ward B: {shown}")
        if caller == "ward_a_admin" and admin and method in WRITES and not targets_ward_b(rule) \
                and NAMES_AGENCIES.search(rule.rule):
            seen["ward B named in a body from ward A's admin"] += 1
            naming = checks.send(caller, method, rule, template, refuse=True, body=world.naming_ward_b(is_api(rule)))
            checks.expect(naming.status_code >= 400 or not is_api(rule), caller, method, path,
                          naming, "a write naming ward B accepted from ward A")
        if caller == "province_admin" and admin and ward == "B" and method == "GET" and targets_ward_b(rule):
            seen["province admin reads ward B"] += 1
            checks.expect(status < 400, caller, method, path, response, "the province's administrator refused")
        if caller == "ward_a_admin" and admin and ward == "A" and method == "GET" and targets_ward_b(rule):
            seen["ward A's admin reads ward A"] += 1
            checks.expect(status < 400, caller, method, path, response, "an administrator refused their own ward")
