"""Bad input never produces a 500 or a stack trace, anywhere, and a refused request changes nothing.

Product rule: "clear error messages for bad input (never a stack trace, never a 500), nothing lost on any error".

The sweeps enumerate the routes from ``app.url_map.iter_rules()``, so a new route is covered without touching
this file: path parameters get real values (dossiers in three states, their tasks, a document; by argument
name) and odd ones (by converter: missing, huge, negative and non-digit ids; injection text, control characters
and very long text for strings). JSON API routes are called with no token, bad tokens and every role's token,
with malformed bodies, and with each field of a plausible body replaced by junk; pages are fetched and forms
posted by visitors signed in through the login form, with and without a CSRF token.

Every answer must be below 500, without "Traceback" or 'File "' in it, in the error format of
../shared/api.md when it is a 4xx of the API, and nothing may be logged as an error. After every refused request
that could write (4xx/5xx to a POST, PUT, ...) the database must be as it was: the row count of every domain
table, each dossier's status, version and audit head, the open work items; GETs must write nothing at all.

Fixed cases: each 500 these sweeps found (and that was then fixed) is listed in FIXED with the request that
caused it; ``test_a_fixed_case_stays_fixed`` replays each alone, so a regression names its cause.

The broad sweeps run on SQLite only; ``test_nul_characters_...`` also runs on PostgreSQL, which refuses NUL in
text. Time comes from the ``clock`` fixture; nothing sleeps. The World is built once per backend for the module and
each test gets its own copy of it (database and data folder), as each test of the suite gets a copy of the demo.
"""
from __future__ import annotations

import copy
import functools
import io
import itertools
import json
import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any
from urllib.parse import quote

import pytest
import prebuilt
from conftest import CITIZEN, PASSWORD, SAMPLE_CODE, SAMPLE_FORM, STEP_DATA, Api
from sqlalchemy import TextClause, delete, func, select, text, update
from payment_support import configure
from web_support import CSRF_RE, PDF, PNG, flatten

from engine.cases import accounts
from engine.data.db import Base
from engine.data.model import Dossier, User, WorkItem
from engine.data.payment_model import PaymentGateway
from engine.web import schemaform

# -- callers ---------------------------------------------------------------------------------------------------
USERS = {"citizen": CITIZEN, "tiepnhan": "demo.tiepnhan", "chuyenvien": "demo.chuyenvien", "lanhdao": "demo.lanhdao",
         "thutruong": "demo.thutruong", "giamdoc": "demo.giamdoc", "vanthu": "demo.vanthu", "admin": "demo.admin"}
BAD_AUTH = {  # Authorization headers that must all be 401 (latin-1 only: that is what HTTP headers carry)
    "bad token": "Bearer khong-hop-le", "empty bearer": "Bearer ", "basic": "Basic ZGVtby5hZG1pbjpkZW1vMTIzNDU=",
    "lowercase bearer": "bearer abc", "long token": "Bearer " + "a" * 20_000, "latin-1 token": "Bearer \xff\xfe\x7f",
    "two tokens": "Bearer a, Bearer b",
}
PROBE_CALLERS = ("anonymous", "citizen", "tiepnhan", "chuyenvien", "admin")   # for the odd-value sweeps
OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1990-01-02", "cccd": "079099000777"}


# -- odd values ------------------------------------------------------------------------------------------------
def nested_json(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def nested(depth: int) -> dict:
    value: Any = 1
    for _ in range(depth):
        value = {"a": value}
    return value


ODD_INT = ["0", "-1", "987654", "2147483647", "2147483648", "99999999999999999999", "-99999999999999999999",
           "1e3", "1.5", "abc", "%00", "%EF%BC%91", "%D9%A3", "%C2%B2", "%20", "0x10"]
ODD_TEXT = ["khong-ton-tai", "000.00.06.H56-261123-9999", "99999999999999999999", "-1", "0",
            quote("' OR '1'='1' --"), quote("<script>alert(1)</script>"), quote("{{7*7}}"), "%00", "%0A%0D",
            "%1B%5B2J", "a" * 5000, quote("😀\u202e\u200b\ufeff"), "%FF%FE", "%C0%AF", "..", "%2E%2E", "%252F",
            quote("Hồ sơ")]
ODD_PATH = ODD_TEXT + ["a/b/c", "../../etc/passwd", "%2e%2e/%2e%2e/etc/passwd", "x/" * 200]
ODD_BY_CONVERTER = {"DatabaseInt": ODD_INT, "IntegerConverter": ODD_INT, "PathConverter": ODD_PATH}

INF, NAN = float("inf"), float("nan")
JUNK: dict[str, Any] = {   # values put in place of one field of a JSON body
    "null": None, "zero": 0, "negative": -1, "float": 1.5, "huge int": 10 ** 40, "1e308": 1e308, "inf": INF,
    "-inf": -INF, "nan": NAN, "true": True, "empty": "", "blank": "   ", "long": "ư" * 20_000,
    "control": "a\x00b\x1b[2J\u202e", "invisible": "\u200b\ufeff", "injection": "' OR 1=1 --<script>x</script>{{7*7}}",
    "list": [None, 1, "x"], "object": {"$gt": ""}, "deep": nested(200), "surrogate": "\ud800x",
}
QUERY_VALUES = ["", "x", "-1", "0", "11", "99999999999999999999", "1e308", "nan", "inf", "true", "\u00b2", "\u0663",
                "\x00", "' OR 1=1 --", "a" * 5000, "2026-13-45", "2026-02-30", "0001-01-01", "9999-12-31",
                "2026-11-23T09:00:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "[]", "{}"]
QUERY_PARAMS = ["status", "cccd", "mine", "role", "procedure", "due_before", "overdue", "from", "to", "format", "q",
                "level", "sort", "due", "step", "next", "tai", "lang", "year", "agency", "after", "limit"]
FIELD_NAMES = ["username", "password", "full_name", "cccd", "cccd_issued_on", "phone", "email", "procedure",
               "form", "owner", "channel", "note", "reuse", "component", "reason", "kind", "action", "data",
               "agency", "agencies", "all_level"]


def raw_json(obj) -> bytes:
    """JSON text as a client could send it: NaN/Infinity literals and \\ud800 escapes included."""
    return json.dumps(obj, ensure_ascii=True).encode()


def malformed_bodies() -> dict[str, dict]:
    """Label -> keyword arguments of the test client: bodies no JSON route may accept."""
    js = "application/json"
    out = {
        "no body": {},
        "empty json": {"data": b"", "content_type": js},
        "invalid json": {"data": b'{"username": "x", ', "content_type": js},
        "trailing garbage": {"data": b"{} {}", "content_type": js},
        "not utf-8": {"data": b'{"reason": "\xff\xfe\xc0"}', "content_type": js},
        "array": {"data": b"[]", "content_type": js},
        "array of objects": {"data": b'[{"procedure": "1.001612", "action": "receive"}]', "content_type": js},
        "string": {"data": b'"x"', "content_type": js},
        "number": {"data": b"1", "content_type": js},
        "null": {"data": b"null", "content_type": js},
        "true": {"data": b"true", "content_type": js},
        "NaN": {"data": b"NaN", "content_type": js},
        "5000-digit number": {"data": b"1" + b"0" * 5000, "content_type": js},
        "deep array": {"data": b"[" * 100_000 + b"]" * 100_000, "content_type": js},
        "deep object": {"data": nested_json(100_000).encode(), "content_type": js},
        "object 900 deep": {"data": nested_json(900).encode(), "content_type": js},
        "form-encoded": {"data": {"reason": "abc", "action": "receive"}},
        "multipart junk": {"data": {"file": (io.BytesIO(b"\x00junk"), "../../x.pdf"), "component": "\x00"},
                           "content_type": "multipart/form-data"},
        "xml": {"data": b"<?xml version='1.0'?><a/>", "content_type": "application/xml"},
        "duplicate keys": {"data": b'{"action": "receive", "action": 1, "reason": "a", "reason": null}',
                           "content_type": js},
    }
    for label, value in JUNK.items():
        out[f"all fields {label}"] = {"data": raw_json({name: value for name in FIELD_NAMES}), "content_type": js}
    return out


# -- checks ----------------------------------------------------------------------------------------------------
# written on purpose: sessions (API tokens, web sessions), lockout, rate limit
# Logs a refused request is meant to leave: tokens, sessions, attempts, and every gateway notification (D26: a
# forged or replayed IPN changes nothing and is logged).
# Routes that read no body (claiming, releasing, marking a notice read, retrying an incident): any body is
# ignored, not refused.
NO_BODY = ("api.claim", "api.release", "notices_api.read_notification", "admin_staff_api.start_password_reset",
           "versions_api.version_suspend", "versions_api.version_resume", "versions_api.version_retire",
           "versions_api.version_restore", "ops_api.retry_incident")
# A refused filing page also holds the files chosen with it for the page sent again (engine.cases.held_uploads).
UNTRACKED = {"api_token", "web_session", "login_attempt", "lookup_attempt", "payment_event", "signing_attempt",
             "held_upload"}


COUNTS: dict[str, TextClause] = {}


def counts_sql(dialect) -> TextClause:
    """One query for the row count of every domain table, made and compiled once per dialect (building and
    compiling it anew for each of the thousands of snapshots was a quarter of the sweeps' time)."""
    if dialect.name not in COUNTS:
        tables = [t for t in Base.metadata.sorted_tables if t.name not in UNTRACKED]
        query = select(*[select(func.count()).select_from(t).scalar_subquery().label(t.name) for t in tables])
        COUNTS[dialect.name] = text(str(query.compile(dialect=dialect)))
    return COUNTS[dialect.name]


DOSSIERS = select(Dossier.code, Dossier.status, Dossier.version, Dossier.audit_head).order_by(Dossier.id)
WORK_ITEMS = select(WorkItem.id, WorkItem.step).order_by(WorkItem.id)


def snapshot(app) -> dict:
    """What a refused request must not change: the row count of every domain table, each dossier's status,
    version and audit head, the open work items (not their assignee: claiming takes no body). Read through a
    connection of the app's engine, not an ORM session: the same committed rows, at half the cost of the
    thousands of snapshots the sweeps take."""
    with app.extensions["tthc"]["engine"].connect() as conn:
        state = conn.execute(counts_sql(conn.dialect)).one()._asdict()
        state["dossiers"] = conn.execute(DOSSIERS).all()
        state["work items"] = conn.execute(WORK_ITEMS).all()
    return state


def diff(before: dict, after: dict) -> str:
    return "; ".join(f"{k}: {before[k]!r:.200} -> {after.get(k)!r:.200}" for k in before if before[k] != after.get(k))


def problems_of(response, api: bool, method: str) -> list[str]:
    """What is wrong with one answer (empty when fine)."""
    found = []
    textual = response.mimetype.startswith("text/") or response.mimetype in ("application/json", "application/xml")
    text = response.get_data(as_text=True) if textual else ""
    if response.status_code >= 500:
        found.append(f"status {response.status_code}")
    if "Traceback" in text or 'File "' in text:
        found.append("stack trace in the body")
    if api and 400 <= response.status_code < 500 and method != "HEAD":   # HEAD answers carry no body
        body = response.get_json(silent=True)
        err = body.get("error") if isinstance(body, dict) else None
        if not (isinstance(body, dict) and set(body) == {"error"} and isinstance(err, dict)
                and isinstance(err.get("code"), str) and err["code"]
                and isinstance(err.get("message"), str) and err["message"]
                and isinstance(err.get("fields"), dict)):
            found.append(f"not the api.md error format: {text[:200]!r}")
    return found


def fresh(kwargs: dict) -> dict:
    """The request's keyword arguments with new file objects (the test client closes the ones it sends)."""
    def copy_file(value):
        if isinstance(value, tuple):
            return io.BytesIO(value[0].getvalue()), value[1]
        return [copy_file(v) for v in value] if isinstance(value, list) else value

    data = kwargs.get("data")
    if isinstance(data, dict):
        kwargs = {**kwargs, "data": {k: copy_file(v) for k, v in data.items()}}
    return kwargs


# -- fixed cases ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Fixed:
    """A request that once answered 500 (see the module docstring)."""

    id: str
    endpoint: str                 # regex matched in full against the Flask endpoint in the sweeps
    pattern: str                  # regex on the label of the sweep request that found it
    reason: str                   # "<route>: <what used to happen>"
    method: str                   # the replay, one request:
    path: str                     # with {A} {B} {C} {taskA} {taskB} {receipt} placeholders
    caller: str | None = None     # USERS key; for a page, the visitor who signs in
    kwargs: dict = field(default_factory=dict)
    backend: str = "sqlite"
    page: bool = False            # a form of a server-rendered page (the replay adds the CSRF token)


JS = "application/json"
FILED_FORM = flatten(SAMPLE_FORM)    # the filing form as the page posts it
SURROGATE = ("{route}: a JSON string with a lone surrogate (\"\\ud800\") passes validation and fails in the "
             "database driver (or the password hash) with UnicodeEncodeError -> 500")
PG_NUL = "{route}: PostgreSQL refuses NUL in text; psycopg.DataError is not mapped to a 4xx -> 500"
FIXED: list[Fixed] = [
    Fixed("dossiers-status-superscript", "api.list_dossiers", r"=²$",
             "GET /api/v1/dossiers?status=²: '²'.isdigit() is True but int('²') raises ValueError -> 500",
             "GET", "/api/v1/dossiers?status=%C2%B2", "citizen"),
    Fixed("tasks-due-before-year-1", "api.list_tasks", r"=0001-01-01T00:00:00\+01:00$",
             "GET /api/v1/tasks?due_before=0001-01-01T00:00:00+01:00: the bound parameter is converted to UTC and "
             "overflows (OverflowError) -> 500", "GET", "/api/v1/tasks?due_before=0001-01-01T00:00:00%2B01:00",
             "tiepnhan"),
    Fixed("tasks-due-before-year-9999", "api.list_tasks", r"=9999-12-31T23:59:59-01:00$",
             "GET /api/v1/tasks?due_before=9999-12-31T23:59:59-01:00: the bound parameter is converted to UTC and "
             "overflows (OverflowError) -> 500", "GET", "/api/v1/tasks?due_before=9999-12-31T23:59:59-01:00",
             "tiepnhan"),
    Fixed("register-year-1", "records.register", r"=0001-01-01$",
             "GET /api/v1/register?from=0001-01-01: the start of the period is converted to UTC and overflows "
             "(OverflowError) -> 500", "GET", "/api/v1/register?from=0001-01-01&to=0001-01-31", "tiepnhan"),
    Fixed("register-year-9999", "records.register", r"=9999-12-31$",
             "GET /api/v1/register?to=9999-12-31: the end of the period (to + 1 day) overflows (OverflowError) -> 500",
             "GET", "/api/v1/register?from=9999-12-01&to=9999-12-31", "tiepnhan"),
    Fixed("complete-extension-overflow", "api.complete", r"data\.working_(days|hours)=(1e308|inf|huge int)$",
             "POST /api/v1/tasks/{id}/complete request_extension {\"working_days\": 1e308} (or 10**40): the schema "
             "has no maximum and the timedelta overflows (OverflowError) -> 500",
             "POST", "/api/v1/tasks/{taskA}/complete", "chuyenvien",
             {"data": raw_json({"action": "request_extension", "data": {"working_days": 1e308, "reason": "Xác minh"}}),
              "content_type": JS}),
    Fixed("complete-extension-infinity", "api.complete", r"data\.working_(days|hours)=(1e308|inf|huge int)$",
             "POST /api/v1/tasks/{id}/complete request_extension {\"working_hours\": Infinity}: the non-JSON literal "
             "Infinity is parsed, passes \"exclusiveMinimum\": 0, and timedelta(hours=inf) overflows -> 500",
             "POST", "/api/v1/tasks/{taskA}/complete", "chuyenvien",
             {"data": raw_json({"action": "request_extension", "data": {"working_hours": INF, "reason": "Xác minh"}}),
              "content_type": JS}),
    Fixed("complete-extension-nan", "api.complete", r"data\.working_(days|hours)=nan$",
             "POST /api/v1/tasks/{id}/complete request_extension {\"working_days\": NaN}: NaN passes "
             "\"exclusiveMinimum\": 0 (every comparison is false) and timedelta * NaN raises ValueError -> 500",
             "POST", "/api/v1/tasks/{taskA}/complete", "chuyenvien",
             {"data": raw_json({"action": "request_extension", "data": {"working_days": NAN, "reason": "Xác minh"}}),
              "content_type": JS}),
    Fixed("page-extension-overflow", "inbox.act", r"action=request_extension .* form (huge|infinite)$",
             "POST /can-bo/cong-viec/{id}/request_extension amount=1e308 (or inf): the timedelta overflows -> 500",
             "POST", "/can-bo/cong-viec/{taskA}/request_extension", "chuyenvien",
             {"amount": "1e308", "unit": "working_days", "reason": "Cần xác minh"}, page=True),
    Fixed("page-extension-nan", "inbox.act", r"action=request_extension .* form not a number$",
             "POST /can-bo/cong-viec/{id}/request_extension amount=nan: float('nan') passes the schema and "
             "timedelta * NaN raises ValueError -> 500",
             "POST", "/can-bo/cong-viec/{taskA}/request_extension", "chuyenvien",
             {"amount": "nan", "unit": "working_days", "reason": "Cần xác minh"}, page=True),
    Fixed("attach-reuse-huge-id", "api.attach_document", r"reuse=huge int$",
             "POST /api/v1/dossiers/{code}/documents {\"reuse\": 10**40}: session.get(Document, 10**40) overflows "
             "the database integer (OverflowError) -> 500", "POST", "/api/v1/dossiers/{B}/documents", "citizen",
             {"data": raw_json({"reuse": 10 ** 40, "component": "giay_de_nghi"}), "content_type": JS}),
    Fixed("attach-component-not-text", "api.attach_document", r"(component=| all fields )(list|object|deep)$",
             "POST /api/v1/dossiers/{code}/documents {\"component\": [..] or {..}}: `component in keys` raises "
             "TypeError (unhashable) -> 500", "POST", "/api/v1/dossiers/{B}/documents", "citizen",
             {"data": raw_json({"reuse": 1, "component": ["giay_de_nghi"]}), "content_type": JS}),
    Fixed("page-filing-5000-digits", "portal.file", r"form 5000 digits$",
             "POST /thu-tuc/{code}/nop f.von_kinh_doanh=<5000 digits>: int() refuses more than 4300 digits "
             "(ValueError) -> 500", "POST", f"/thu-tuc/{SAMPLE_CODE}/nop", "citizen",
             {**FILED_FORM, "f.von_kinh_doanh": "9" * 5000}, page=True),
    Fixed("page-supplement-5000-digits", "portal.supplement", r"form 5000 digits$",
             "POST /ca-nhan/ho-so/{code}/bo-sung f.von_kinh_doanh=<5000 digits>: int() refuses more than 4300 digits "
             "(ValueError) -> 500", "POST", "/ca-nhan/ho-so/{C}/bo-sung", "citizen",
             {**FILED_FORM, "f.von_kinh_doanh": "9" * 5000}, page=True),
    Fixed("page-supplement-reuse-superscript", "portal.supplement", r"form (store choice )?superscript$",
             "POST /ca-nhan/ho-so/{code}/bo-sung reuse.giay_de_nghi=²: '²'.isdigit() is True but int('²') raises "
             "ValueError -> 500", "POST", "/ca-nhan/ho-so/{C}/bo-sung", "citizen",
             {**FILED_FORM, "reuse.giay_de_nghi": "²"}, page=True),
    Fixed("page-filing-reuse-superscript", "portal.file", r"form store choice superscript$",
             "POST /thu-tuc/{code}/nop reuse.giay_de_nghi=² with a valid form: '²'.isdigit() is True but int('²') "
             "raises ValueError -> 500", "POST", f"/thu-tuc/{SAMPLE_CODE}/nop", "citizen",
             {**FILED_FORM, "reuse.giay_de_nghi": "²"}, page=True),
] + [
    Fixed(f"surrogate-{name}", endpoint, r"(=| all fields )surrogate$", SURROGATE.format(route=route), "POST",
             path, caller, {"data": raw_json(body), "content_type": JS})
    for name, endpoint, route, path, caller, body in [
        ("token", "api.token", "POST /api/v1/auth/token", "/api/v1/auth/token", None,
         {"username": "\ud800", "password": "x"}),
        ("citizens", "api.register_citizen", "POST /api/v1/citizens", "/api/v1/citizens", None,
         {"full_name": "Phan \ud800 Mới", "cccd": "079099000123", "cccd_issued_on": "2022-01-01",
          "phone": "0901234567", "password": PASSWORD}),
        ("file", "api.file_dossier", "POST /api/v1/dossiers", "/api/v1/dossiers", "citizen",
         {"procedure": SAMPLE_CODE, "form": {**SAMPLE_FORM, "ten_ho_kinh_doanh": "Tạp hóa \ud800"}}),
        ("supplement", "api.supplement", "POST /api/v1/dossiers/{code}/supplement", "/api/v1/dossiers/{C}/supplement",
         "citizen", {"form": {**SAMPLE_FORM, "ten_ho_kinh_doanh": "Tạp hóa \ud800"}}),
        ("withdraw", "api.withdraw", "POST /api/v1/dossiers/{code}/withdraw", "/api/v1/dossiers/{B}/withdraw",
         "citizen", {"reason": "Lý do \ud800"}),
        ("stop", "api.stop", "POST /api/v1/dossiers/{code}/stop", "/api/v1/dossiers/{B}/stop", "tiepnhan",
         {"reason": "Lý do \ud800"}),
        ("complete", "api.complete", "POST /api/v1/tasks/{id}/complete", "/api/v1/tasks/{taskA}/complete",
         "chuyenvien", {"action": "propose_approval", "data": {"y_kien_tham_dinh": "Đủ \ud800"}}),
    ]
] + [
    Fixed("pg-nul-in-path", r".*", r"=NUL as", PG_NUL.format(route="GET /api/v1/dossiers/a%00b (and every route "
             "with a <code>)"), "GET", "/api/v1/dossiers/a%00b", "citizen", backend="postgresql"),
    Fixed("pg-nul-in-query", r".*", r"query .*=NUL$", PG_NUL.format(route="GET /api/v1/dossiers?cccd=a%00b (also "
             "/api/v1/tasks?procedure=, /can-bo/cong-viec?procedure=)"), "GET", "/api/v1/dossiers?cccd=a%00b",
             "citizen", backend="postgresql"),
    Fixed("pg-nul-token-username", "api.token", r"^username=NUL$",
             PG_NUL.format(route="POST /api/v1/auth/token {\"username\": \"a\\u0000b\"}"), "POST", "/api/v1/auth/token",
             None, {"data": raw_json({"username": "a\x00b", "password": "x"}), "content_type": JS},
             backend="postgresql"),
    Fixed("pg-nul-procedure", "api.file_dossier", r"^procedure=NUL$",
             PG_NUL.format(route="POST /api/v1/dossiers {\"procedure\": \"a\\u0000b\"}"), "POST", "/api/v1/dossiers",
             "citizen", {"data": raw_json({"procedure": "a\x00b", "form": SAMPLE_FORM}), "content_type": JS},
             backend="postgresql"),
    Fixed("pg-nul-login-page", "auth.login", r"^login username=NUL$",
             PG_NUL.format(route="POST /dang-nhap username=a%00b"), "POST", "/dang-nhap", None,
             {"username": "a\x00b", "password": "x"}, backend="postgresql", page=True),
]


# -- the world: dossiers in several states, tokens ---------------------------------------------------------------
class World:
    """Dossiers filed by the demo citizen: A received (assessment task open, a receipt document), B just filed
    (intake task open), C waiting for a supplement. Built on first use. Tokens are issued by the real token code
    without a password check (logging in with the password is one of the swept routes).

    ``World(app, tokens, values)``: the World of a copy of a database where it was built (``World.new`` then
    ``ready``), with that World's tokens and targets (``values``)."""

    def __init__(self, app, tokens: dict[str, str], values: dict[str, Any]):
        self.app = app
        self.api = Api(app.test_client())
        self.api.tokens.update(tokens)
        self.__dict__.update(values)

    @classmethod
    def new(cls, app, clock, settings) -> "World":
        tokens = {}
        with app.extensions["tthc"]["sessions"]() as session:
            for username in USERS.values():
                user = session.scalar(select(User).where(User.username == username))
                tokens[username], _ = accounts.issue_token(session, user, clock.now(), settings.token_hours)
            session.commit()
        return cls(app, tokens, {})

    def headers(self, caller: str | None) -> dict:
        if caller is None or caller == "anonymous":
            return {}
        if caller in BAD_AUTH:
            return {"Authorization": BAD_AUTH[caller]}
        return self.api.headers(USERS[caller])

    @cached_property
    def A(self) -> str:
        code = self.api.file(CITIZEN)["code"]
        self.api.act("demo.tiepnhan", code, "receive")
        return code

    @cached_property
    def B(self) -> str:
        return self.api.file(CITIZEN)["code"]

    @cached_property
    def C(self) -> str:
        code = self.api.file(CITIZEN)["code"]
        self.api.act("demo.tiepnhan", code, "request_supplement", STEP_DATA["request_supplement"])
        return code

    @cached_property
    def taskA(self) -> int:
        return self.api.task_for(USERS["chuyenvien"], self.A)["id"]

    @cached_property
    def taskB(self) -> int:
        return self.api.task_for(USERS["tiepnhan"], self.B)["id"]

    @cached_property
    def receipt(self) -> int:
        return self.api.get(f"/api/v1/dossiers/{self.A}", CITIZEN).get_json()["documents"][0]["id"]

    @cached_property
    def payment(self) -> int:
        """A fee owed online: the demo agency takes fees through VNPay just while one dossier is received, so that
        A, B and C keep the sample's path without a fee."""
        configure(self.app, "vnpay")
        try:
            code = self.api.file(CITIZEN)["code"]
            dossier = self.api.act("demo.tiepnhan", code, "receive")
        finally:
            with self.app.extensions["tthc"]["sessions"].begin() as session:
                session.execute(delete(PaymentGateway))
        return dossier["payments"][0]["id"]

    @cached_property
    def signing(self) -> int:
        """A signing request that waits for the leader (an approved dossier, not signed yet)."""
        code = self.api.file(CITIZEN)["code"]
        self.api.act("demo.tiepnhan", code, "receive")
        self.api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
        self.api.auto_sign, auto = False, self.api.auto_sign
        try:
            self.api.act("demo.lanhdao", code, "approve")
        finally:
            self.api.auto_sign = auto
        return [r for r in self.api.get("/api/v1/signing-requests", "demo.lanhdao").get_json()
                if r["dossier"] == code][0]["id"]

    @cached_property
    def notice(self) -> int:
        """The citizen's newest notice (A's receipt)."""
        self.A
        return self.api.get("/api/v1/me/notifications", CITIZEN).get_json()[0]["id"]

    @cached_property
    def version(self) -> int:
        """A second version of the sample procedure (the administrators' version routes act on it)."""
        from test_versions import deploy, variant

        r = deploy(self.api, variant(duration="4"))
        assert r.status_code == 201, r.get_json()
        return r.get_json()["version"]

    @cached_property
    def walkin(self) -> str:
        """A citizen account made at the desk (the administrators' routes may suspend or cancel it)."""
        r = self.api.post("/api/v1/citizens/desk", USERS["tiepnhan"], json={
            "full_name": "Lê Thị Hoa", "cccd": "046190000123", "cccd_issued_on": "2022-01-15", "phone": "0905111222"})
        return r.get_json()["username"]

    @cached_property
    def walkin_id(self) -> int:
        with self.app.extensions["tthc"]["sessions"]() as session:
            return session.scalar(select(User.id).where(User.username == self.walkin))

    @cached_property
    def incident(self) -> int:
        """An open incident of the timer service: a dossier whose workflow state cannot be read (a retry fails
        again and keeps it open)."""
        from engine import timers
        from engine.data.model import Dossier, Incident

        code = self.api.file(CITIZEN)["code"]
        ext = self.app.extensions["tthc"]
        now = ext["clock"].now()
        with ext["sessions"].begin() as session:
            session.execute(update(Dossier).where(Dossier.code == code).values(
                workflow_state=b"\x00 broken", bpmn_timer_at=now, next_timer_at=now))
        timers.sweep(ext["sessions"], ext["settings"], now)
        with ext["sessions"]() as session:
            return session.scalar(select(Incident.id).join(Dossier, Dossier.id == Incident.dossier_id)
                                  .where(Dossier.code == code))

    TARGETS = ("A", "B", "C", "taskA", "taskB", "receipt", "payment", "notice", "signing", "version", "walkin",
               "walkin_id", "incident")

    def ready(self) -> "World":
        for name in self.TARGETS:
            getattr(self, name)
        return self

    def values(self) -> dict[str, Any]:
        return {name: self.__dict__[name] for name in self.TARGETS if name in self.__dict__}

    PLACEHOLDER = re.compile(
        r"\{(A|B|C|taskA|taskB|receipt|payment|notice|signing|version|walkin|walkin_id|incident)\}")
    DEPENDS = {"A": ("A", "taskA", "receipt"), "taskA": ("A", "taskA", "receipt"), "receipt": ("A", "taskA", "receipt"),
               "B": ("B", "taskB"), "taskB": ("B", "taskB"), "C": ("C",),
               "payment": ("payment",), "notice": ("notice",),
               "signing": ("signing",), "version": (), "walkin": ("walkin", "walkin_id"),
               "walkin_id": ("walkin", "walkin_id"), "incident": ("incident",)}

    def fill(self, text: str) -> str:
        return self.PLACEHOLDER.sub(lambda m: str(getattr(self, m.group(1))), text)

    def renew(self, text: str) -> bool:
        """New dossiers for the placeholders in ``text`` (after a request changed them); True when any."""
        names = {n for m in self.PLACEHOLDER.finditer(text) for n in self.DEPENDS[m.group(1)]}
        for name in names:
            self.__dict__.pop(name, None)
        self.fill(text)
        return bool(names)

    def real_values(self, arg: str) -> list[str]:
        """Real values of a path argument, by its name (an unknown name gets odd values only), as placeholders
        filled when the request is sent. Actions that a junk form may complete come last."""
        return {"code": ["{A}", "{B}", "{C}", SAMPLE_CODE], "item_id": ["{taskA}", "{taskB}"], "doc_id": ["{receipt}"],
                "request_id": ["{signing}"],
                "action": ["khong-co", "request_extension", "request_supplement", "refuse", "propose_approval",
                           "receive"],
                "filename": ["css/app.css"], "_rest": ["khong/co/gi"], "gateway": ["vnpay", "dvcqg"],
                "payment_id": ["{payment}"], "notice_id": ["{notice}"], "incident_id": ["{incident}"],
                "word": ["tam-dung", "tiep-tuc", "cham-dut"],
                # no delivery exists without an SMTP server or an SMS provider configured: a missing one
                "delivery_id": ["1"],
                "agency": ["000.00.06.H56"], "username": ["demo.vanthu"],
                # a second version of the sample (suspended, resumed, retired: filings go on with version 1)
                "number": ["{version}"],
                "cccd": ["{walkin}"], "user_id": ["{walkin_id}"], "what": ["suspend", "reinstate", "cancel"]}.get(arg, [])


@pytest.fixture
def backend():
    return "sqlite"


@dataclass(frozen=True)
class Built:
    """A World made ready once (its database and data folder: tests/prebuilt.py): its tokens and targets."""

    tokens: dict
    values: dict


@pytest.fixture(scope="module")
def built_worlds(tmp_path_factory, demo_template, pki_dir, request):
    """Per backend, the demo with a World made ready, built on first use, once for the module (tests/prebuilt.py)."""
    def build(application, settings, clock) -> Built:
        world = World.new(application, clock, settings).ready()
        return Built(dict(world.api.tokens), world.values())

    return prebuilt.builder(tmp_path_factory, demo_template, pki_dir, request, "robustness_world", build)


@pytest.fixture
def database_url(backend, tmp_path, request, built_worlds):
    """A copy of the module's World for each test: its database and its data folder."""
    yield from prebuilt.copy_for(built_worlds(backend), backend, tmp_path, request)


@pytest.fixture
def world(app, backend, built_worlds):
    built = built_worlds(backend).made
    return World(app, built.tokens, built.values)


REQUESTS = {"count": 0}   # requests sent by this file (printed at the end of the module with -s)


@pytest.fixture(scope="module", autouse=True)
def _count_requests():
    yield
    print(f"\ntest_robustness: {REQUESTS['count']} requests")


class Sweep:
    """Sends requests, checks every answer, collects the problems into one assertion message."""

    def __init__(self, app, caplog, world: World, backend="sqlite"):
        self.app, self.caplog, self.world, self.backend = app, caplog, world, backend
        self.problems: list[str] = []
        self.statuses: dict[str, Counter] = defaultdict(Counter)   # endpoint -> status -> answers
        self.count = 0
        self.before = snapshot(app)

    def send(self, client, method: str, template: str, label: str, endpoint: str, *, api: bool,
             headers: dict | None = None, track: bool = False, **kwargs):
        """One request to ``template`` (placeholders of World filled). With ``track``, a refused answer must
        leave the database as it was; an accepted one that changed its target gets new dossiers for the next."""
        path = self.world.fill(template)
        self.caplog.clear()
        response = client.open(path, method=method, headers=headers or {}, **fresh(kwargs))
        self.count += 1
        REQUESTS["count"] += 1
        self.statuses[endpoint][response.status_code] += 1
        found = problems_of(response, api, method)
        logged = [r for r in self.caplog.records if r.levelno >= logging.ERROR]
        if logged:
            error = logged[-1]
            detail = f"{error.exc_info[0].__name__}: {error.exc_info[1]}" if error.exc_info else error.getMessage()
            found.append(f"logged an error: {detail[:300]}")
        if track:
            after = snapshot(self.app)
            if response.status_code >= 400 and after != self.before:
                found.append(f"refused with {response.status_code} but changed the database: "
                             f"{diff(self.before, after)}")
            elif after != self.before and self.world.renew(template):
                after = snapshot(self.app)
            self.before = after
        if found:
            self.problems.append(f"{method} {path[:120]} [{label[:160]}]: {', '.join(found)}")
        return response

    def check(self, minimum: int) -> None:
        """Enough requests, no wrong answer, and nothing written since the last accepted change (GETs)."""
        print(f"\n{self.count} requests; statuses by endpoint: "
              + "; ".join(f"{e} {dict(c)}" for e, c in sorted(self.statuses.items())))
        after = snapshot(self.app)
        assert after == self.before, f"the database changed: {diff(self.before, after)}"
        assert self.count >= minimum, f"only {self.count} requests"
        shown = "\n".join(self.problems[:60])
        assert not self.problems, f"{len(self.problems)} of {self.count} answers are wrong:\n{shown}"


@pytest.fixture
def sweep(app, world, caplog):
    world.ready()
    caplog.set_level(logging.ERROR)
    return Sweep(app, caplog, world)


# -- routes ------------------------------------------------------------------------------------------------------
def fill_rule(rule, values: dict[str, str]) -> str:
    return re.sub(r"<(?:[^<>:]+:)?([^<>]+)>", lambda m: values[m.group(1)], rule.rule)


def converter_name(rule, arg: str) -> str:
    return type(rule._converters[arg]).__name__


def methods_of(rule) -> list[str]:
    return sorted(rule.methods - {"HEAD", "OPTIONS"})


def api_rules(app) -> list:
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]


def page_rules(app) -> list:
    return [r for r in app.url_map.iter_rules() if not r.rule.startswith("/api/") and r.endpoint != "static"]


def real_paths(world: World, rule) -> list[tuple[str, str]]:
    """(label, path) for every combination of real values of the rule's arguments ([] when one has none)."""
    args = sorted(rule.arguments)
    if not args:
        return [("", rule.rule)]
    choices = [[(a, v) for v in world.real_values(a)] for a in args]
    if any(not c for c in choices):
        return []
    return [(" ".join(f"{a}={v}" for a, v in combo), fill_rule(rule, dict(combo)))
            for combo in itertools.product(*choices)]


def odd_paths(world: World, rule) -> list[tuple[str, str]]:
    """(label, path) with one argument odd at a time, the others real (or odd when they have no real value)."""
    out = []
    for arg in sorted(rule.arguments):
        for odd in ODD_BY_CONVERTER.get(converter_name(rule, arg), ODD_TEXT):
            values = {a: (world.real_values(a) or [odd])[0] for a in rule.arguments}
            values[arg] = odd
            out.append((f"{arg}={odd[:40]}", fill_rule(rule, values)))
    return out


def json_kwargs(method: str) -> dict:
    return {"json": {}} if method not in ("GET", "HEAD") else {}


# == JSON API ====================================================================================================
def test_every_api_route_answers_every_caller_without_a_500(app, world, sweep):
    """Every API route and method on real targets, as nobody, with bad tokens and as every role."""
    rules = api_rules(app)
    assert len(rules) >= 20
    callers = ["anonymous", *BAD_AUTH, *USERS]
    client = app.test_client()
    for rule in rules:
        for path_label, path in real_paths(world, rule):
            for method in methods_of(rule):
                for caller in callers:
                    sweep.send(client, method, path, f"{path_label} as {caller}", rule.endpoint, api=True,
                               headers=world.headers(caller), track=method != "GET", **json_kwargs(method))
    sweep.check(len(rules) * len(callers))


def test_api_path_parameters_that_do_not_exist_are_404_not_500(app, world, sweep):
    """Odd values in every path parameter: missing ids, huge and negative integers, odd characters in codes."""
    client = app.test_client()
    for rule in api_rules(app):
        for method in methods_of(rule):
            for caller in PROBE_CALLERS:
                for path_label, path in odd_paths(world, rule):
                    r = sweep.send(client, method, path, f"{path_label} as {caller}", rule.endpoint, api=True,
                                   headers=world.headers(caller), track=method != "GET", **json_kwargs(method))
                    if r.status_code in (401, 403):
                        break          # refused before the path is looked at: so are the other values
    sweep.check(500)


def test_methods_a_route_does_not_offer_are_refused_cleanly(app, world, sweep):
    client = app.test_client()
    for rule in api_rules(app) + page_rules(app):
        path = (real_paths(world, rule) or odd_paths(world, rule))[0][1]
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD"} - rule.methods):
            sweep.send(client, method, path, f"{method} not offered", rule.endpoint,
                       api=rule.rule.startswith("/api/"), headers=world.headers("admin"), track=True)
    sweep.check(50)


def test_api_malformed_bodies_are_refused_and_change_nothing(app, world, sweep):
    """Every body-taking API route on real targets, with bodies that are not JSON objects (sent as the first
    caller who gets as far as reading the body), and objects whose every field has the wrong type (sent as every
    caller who gets past the checks of role and target: the first such body is not a 401/403/404/409)."""
    client = app.test_client()
    bodies = malformed_bodies()
    not_objects = {k: v for k, v in bodies.items() if not k.startswith("all fields")}
    wrong_types = {k: v for k, v in bodies.items() if k.startswith("all fields")}
    callers = ("anonymous", "citizen", "tiepnhan", "chuyenvien", "thutruong", "admin")
    for rule in api_rules(app):
        if rule.endpoint == "api.unknown":
            continue
        for method in methods_of(rule):
            if method == "GET":
                continue
            for path_label, path in real_paths(world, rule):
                first = True
                for caller in callers:
                    def send(label, kwargs):
                        r = sweep.send(client, method, path, f"{path_label} as {caller} body {label}", rule.endpoint,
                                       api=True, headers=world.headers(caller), track=True, **kwargs)
                        # claim/release take no body; a gateway's IPN is answered 200 in the gateway's own words
                        # (its RspCode says refused) and only logged, as the gateway expects
                        if rule.endpoint not in (*NO_BODY, "payments_api.ipn") \
                                and r.status_code < 400:
                            sweep.problems.append(f"{method} {path} as {caller}: accepted the body {label!r} "
                                                  f"({r.status_code})")
                        return r

                    if send("no body", not_objects["no body"]).status_code not in (400, 413, 415, 422):
                        continue                       # this caller never gets to the body
                    if first:
                        for label, kwargs in not_objects.items():
                            send(label, kwargs)
                        first = False
                    for label, kwargs in wrong_types.items():
                        if send(label, kwargs).status_code in (401, 403, 404, 409):
                            break                      # refused before the fields are looked at
    sweep.check(1000)


# Per route: who may call it, on which real target, and a plausible body whose fields are replaced one by one.
FUZZ: dict[str, tuple[str | None, str, dict]] = {
    "api.token": (None, "/api/v1/auth/token", {"username": "khong.ton.tai", "password": "sai-mat-khau"}),
    "api.register_citizen": (None, "/api/v1/citizens", {
        "full_name": "Phan Văn Mới", "cccd": "079099000123", "cccd_issued_on": "2022-01-01", "phone": "0901234567",
        "email": "moi@example.vn", "password": PASSWORD}),
    "api.file_dossier": ("tiepnhan", "/api/v1/dossiers",
                         {"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": OWNER, "channel": "desk"}),
    "api.supplement": ("citizen", "/api/v1/dossiers/{C}/supplement", {"form": SAMPLE_FORM, "note": "Đã bổ sung"}),
    "api.attach_document": ("citizen", "/api/v1/dossiers/{B}/documents", {"reuse": 1, "component": "giay_de_nghi"}),
    "api.withdraw": ("citizen", "/api/v1/dossiers/{B}/withdraw", {"reason": "Người nộp muốn rút"}),
    "api.stop": ("tiepnhan", "/api/v1/dossiers/{B}/stop", {"reason": "Người nộp đề nghị dừng"}),
    "api.issue_letter": ("thutruong", "/api/v1/dossiers/{A}/letters", {"kind": "overdue", "reason": "Quá hạn"}),
    "api.complete": ("chuyenvien", "/api/v1/tasks/{taskA}/complete",
                     {"action": "request_extension", "data": {"working_days": 1, "reason": "Cần xác minh"}}),
    "calendar_api.preview": ("admin", "/api/v1/calendar/preview", {
        "agency": "000.00.06.H56", "year": 2027, "after": 0, "limit": 10, "days": [
            {"from": "2027-02-02", "to": "2027-02-10", "kind": "off", "name": "Tết Nguyên đán"}]}),
    "calendar_api.apply": ("admin", "/api/v1/calendar/apply", {
        "agency": "000.00.06.H56", "year": 2027, "days": [
            {"day": "2027-02-20", "kind": "working", "name": "Làm bù thứ Bảy"}]}),
}
FUZZ_MORE = [  # the same routes with another action, task or caller
    ("api.complete", "tiepnhan", "/api/v1/tasks/{taskB}/complete",
     {"action": "request_supplement", "data": STEP_DATA["request_supplement"]}),
    ("api.complete", "chuyenvien", "/api/v1/tasks/{taskA}/complete",
     {"action": "propose_approval", "data": STEP_DATA["propose_approval"]}),
]
SOME_FORM_FIELDS = {("form", "ten_ho_kinh_doanh"), ("form", "von_kinh_doanh"), ("form", "chu_ho")}


def fuzzed_paths(endpoint: str, template: dict) -> list[tuple]:
    """The key paths to replace: all of them, except that the filing form's own fields are all fuzzed on
    POST /api/v1/dossiers only (the same schema check runs elsewhere); other routes get a few of them."""
    return [p for p in paths_in(template) if endpoint == "api.file_dossier" or p[0] != "form" or len(p) == 1
            or p in SOME_FORM_FIELDS]


def paths_in(obj, prefix=()) -> list[tuple]:
    """Every key path of a JSON value (objects and lists are descended)."""
    out = []
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else []
    for key, value in items:
        out.append(prefix + (key,))
        out += paths_in(value, prefix + (key,))
    return out


def value_at(obj, path: tuple):
    for key in path:
        obj = obj[key]
    return obj


def replaced(obj, path: tuple, value, delete: bool = False):
    obj = copy.deepcopy(obj)
    target = value_at(obj, path[:-1])
    if delete:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return obj


def test_api_each_field_replaced_by_junk_is_refused_and_changes_nothing(app, world, sweep):
    """Each field of a plausible body (nested ones too) replaced by junk or left out: wrong types, null, huge,
    infinite and NaN numbers, very long text, control characters, deep nesting, lone surrogates."""
    client = app.test_client()
    missing = sorted(set(FUZZ) - {r.endpoint for r in api_rules(app)})
    assert not missing, f"FUZZ names endpoints that no longer exist: {missing}"
    for endpoint, caller, path, template in [(e, *spec) for e, spec in FUZZ.items()] + FUZZ_MORE:
        for key_path in fuzzed_paths(endpoint, template):
            where = ".".join(str(k) for k in key_path)
            variants = [(f"{where}={label}", replaced(template, key_path, value)) for label, value in JUNK.items()]
            variants.append((f"{where} missing", replaced(template, key_path, None, delete=True)))
            for label, body in variants:
                sweep.send(client, "POST", path, f"as {caller} {label}", endpoint, api=True,
                           headers=world.headers(caller), track=True, data=raw_json(body), content_type=JS)
    sweep.check(500)


def test_api_query_parameters_with_junk_are_refused_cleanly(app, world, sweep):
    """Every GET route of the API with every known query parameter set to junk, as a citizen and two officers."""
    client = app.test_client()
    for rule in api_rules(app):
        if "GET" not in rule.methods or rule.endpoint in ("api.unknown", "api.openapi"):
            continue
        path = real_paths(world, rule)[0][1]
        for caller in ("citizen", "tiepnhan", "thutruong"):
            for value in QUERY_VALUES:
                sweep.send(client, "GET", path, f"as {caller} query *={value[:40]}", rule.endpoint, api=True,
                           headers=world.headers(caller), query_string={name: value for name in QUERY_PARAMS})
    sweep.check(300)


def test_api_bodies_over_the_size_limit_are_413_and_change_nothing(app, world, sweep):
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024   # the same handler as for the configured 10 MB, less memory
    client = app.test_client()
    big = raw_json({"reason": "x" * (64 * 1024)})
    for rule in api_rules(app):
        for method in methods_of(rule):
            if method == "GET":
                continue
            path = (real_paths(world, rule) or odd_paths(world, rule))[0][1]
            for caller in ("citizen", "tiepnhan", "admin"):
                for label, kwargs in (("json", {"data": big, "content_type": JS}),
                                      ("multipart", {"content_type": "multipart/form-data", "data": {
                                          "file": (io.BytesIO(b"%PDF-" + b"x" * 70_000), "a.pdf"),
                                          "bpmn": (io.BytesIO(b"<x/>"), "a.bpmn")}})):
                    r = sweep.send(client, method, path, f"too large {label} as {caller}", rule.endpoint, api=True,
                                   headers=world.headers(caller), track=True, **kwargs)
                    if r.status_code < 400 and rule.endpoint not in NO_BODY:
                        sweep.problems.append(f"{method} {path} as {caller}: accepted a {label} body over the limit")
    sweep.check(50)


def test_api_uploads_with_junk_files_are_refused_and_change_nothing(app, world, sweep):
    """Multipart uploads: a document without a file, an empty or fake file, odd names and components; a
    procedure deployment with a broken BPMN file."""
    client = app.test_client()
    uploads = {
        "no file": {"component": "giay_de_nghi"},
        "empty file": {"file": (io.BytesIO(b""), "a.pdf"), "component": "giay_de_nghi"},
        "fake pdf": {"file": (io.BytesIO(b"MZ\x90\x00not a pdf"), "a.pdf"), "component": "giay_de_nghi"},
        "odd name": {"file": (io.BytesIO(b"MZ"), "../../\x00\u202egnp.exe"), "component": "giay_de_nghi"},
        "no name": {"file": (io.BytesIO(b"GIF89a"), ""), "component": "giay_de_nghi"},
        "unknown component": {"file": (io.BytesIO(PNG), "a.png"), "component": "\x00' OR 1=1 --"},
        "no component": {"file": (io.BytesIO(PNG), "a.png")},
        "long component": {"file": (io.BytesIO(PNG), "a.png"), "component": "x" * 100_000},
        "two files": {"file": [(io.BytesIO(b"junk"), "a.pdf"), (io.BytesIO(b"junk"), "b.pdf")], "component": "x"},
    }
    deployments = {
        "no bpmn": {},
        "empty bpmn": {"bpmn": (io.BytesIO(b""), "a.bpmn")},
        "not xml": {"bpmn": (io.BytesIO(b"\x00\xff junk"), "a.bpmn")},
        "entity expansion": {"bpmn": (io.BytesIO(b'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">'
                                                 b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                                                 b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><l>&c;</l>'),
                                      "a.bpmn")},
        "external entity": {"bpmn": (io.BytesIO(b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM '
                                                b'"file:///etc/passwd">]><x>&e;</x>'), "a.bpmn")},
        "no process": {"bpmn": (io.BytesIO(b'<definitions xmlns="http://www.omg.org/spec/BPMN/20100524/MODEL"/>'),
                                "a.bpmn")},
        "odd form file": {"bpmn": (io.BytesIO(b"<x/>"), "a.bpmn"), "f": (io.BytesIO(b"{not json"), "../x.json")},
        "pdf as bpmn": {"bpmn": (io.BytesIO(PDF), "\x00.bpmn")},
    }
    for label, data in uploads.items():
        for caller, code in (("citizen", "{B}"), ("tiepnhan", "{B}"), ("citizen", "{A}")):
            r = sweep.send(client, "POST", f"/api/v1/dossiers/{code}/documents", f"upload {label} as {caller}",
                           "api.attach_document", api=True, headers=world.headers(caller), track=True, data=data,
                           content_type="multipart/form-data")
            if r.status_code < 400:
                sweep.problems.append(f"upload {label} as {caller}: accepted ({r.status_code})")
    for label, data in deployments.items():
        r = sweep.send(client, "POST", "/api/v1/procedures", f"deploy {label}", "api.deploy_procedure", api=True,
                       headers=world.headers("admin"), track=True, data=data, content_type="multipart/form-data")
        if r.status_code < 400:
            sweep.problems.append(f"deploy {label}: accepted ({r.status_code})")
    sweep.check(len(uploads) * 3 + len(deployments))


# == pages =====================================================================================================
class Visitor:
    """A browser: signs in through the login form and keeps the CSRF token its pages hand out."""

    def __init__(self, app, username: str | None, n: int):
        self.app, self.username, self.address = app, username, f"10.0.{n // 200}.{n % 200 + 1}"
        self.restore()

    def restore(self) -> None:
        """A new browser (after a post that may have signed out or changed the session), signed in again."""
        self.client = self.app.test_client()
        self.client.environ_base["REMOTE_ADDR"] = self.address  # its own limit of public lookups
        self._csrf = None
        if self.username:
            r = self.client.post("/dang-nhap", data={"username": self.username, "password": PASSWORD,
                                                     "csrf_token": self.csrf()})
            assert r.status_code == 302, r.status_code
            self._csrf = None     # a new session after signing in

    def csrf(self) -> str:
        if self._csrf is None:
            self._csrf = CSRF_RE.search(self.client.get("/tra-cuu").get_data(as_text=True)).group(1)
        return self._csrf


_real_check = accounts.check_password_hash


@functools.lru_cache(maxsize=None)
def _check_once(pwhash: str, password: str) -> bool:
    """The real scrypt check, once per account and run: every visitor signs in through the login form, and a
    fresh scrypt per sign-in and test costs seconds."""
    return _real_check(pwhash, password)


@pytest.fixture
def visitors(app, world, monkeypatch) -> dict[str, Visitor]:
    monkeypatch.setattr(accounts, "check_password_hash", _check_once)
    return {label: Visitor(app, None if label == "anonymous" else USERS[label], n)
            for n, label in enumerate(["anonymous", *USERS])}


def post_form(sweep, visitor: Visitor, path: str, label: str, endpoint: str, form: dict, csrf: str | None):
    data = dict(form)
    if csrf is not None:
        data["csrf_token"] = csrf
    multipart = any(isinstance(v, tuple) for v in data.values())
    return sweep.send(visitor.client, "POST", path, label, endpoint, api=False, track=True, data=data,
                      **({"content_type": "multipart/form-data"} if multipart else {}))


def test_every_page_as_every_visitor_without_a_500(app, world, visitors, sweep):
    """Every GET page as everyone, on real targets and with odd path values (those only while the visitor is
    not sent to the login page or refused for want of a role)."""
    rules = [r for r in page_rules(app) if "GET" in r.methods]
    assert len(rules) >= 15
    for rule in rules:
        for label, visitor in visitors.items():
            for path_label, path in real_paths(world, rule):
                sweep.send(visitor.client, "GET", path, f"{path_label} as {label}", rule.endpoint, api=False)
            for path_label, path in odd_paths(world, rule):
                r = sweep.send(visitor.client, "GET", path, f"{path_label} as {label}", rule.endpoint, api=False)
                if kept_out(r):
                    break
    for label in ("anonymous", "citizen", "tiepnhan"):
        for path in ("/khong-co", "/%00", "//", "/can-bo/", "/ca-nhan/ho-so/x/y/z", "/" + "a" * 5000,
                     "/static/../../etc/passwd", "/static/%00", "/static/" + "x/" * 100):
            sweep.send(visitors[label].client, "GET", path, f"unknown page as {label}", "none", api=False)
    sweep.check(1000)


def test_pages_with_junk_query_strings_without_a_500(app, world, visitors, sweep):
    for rule in page_rules(app):
        if "GET" not in rule.methods:
            continue
        path = (real_paths(world, rule) or odd_paths(world, rule))[0][1]
        for label in ("citizen", "lanhdao"):
            for value in QUERY_VALUES:
                sweep.send(visitors[label].client, "GET", path, f"as {label} query *={value[:40]}", rule.endpoint,
                           api=False, query_string={name: value for name in QUERY_PARAMS})
    sweep.check(500)


def junk_forms(app, world) -> dict[str, dict]:
    """Junk posted forms: every field name a page uses (with the fields of every form of the procedure), all
    set to one junk value; the values always refused come first."""
    with app.extensions["tthc"]["sessions"]() as session:
        version = session.scalar(select(Dossier).where(Dossier.code == world.A)).procedure_version
        schema_fields = {f"f.{path}" for schema in version.forms.values() for path in schemaform.labels(schema)}
        components = [c["key"] for c in version.info["components"]]
    names = sorted(schema_fields | {f"reuse.{k}" for k in components} | {
        "owner.full_name", "owner.birth_date", "owner.cccd", "for_other", "note", "reason", "reasons", "amount",
        "unit", "confirm", "score", "comment", "username", "password", "password2", "full_name", "cccd",
        "cccd_issued_on", "phone", "email", "lang", "next", "den", "sau", "deploy", "second_reason.kind", "second_reason.explanation",
        "second_reason.unmet_items", *(f"items.{n}.{k}" for n in (0, 1, 19, 20, 999)
                                        for k in ("component", "problem", "required", "paper"))})
    forms: dict[str, dict] = {"empty": {}}
    for label, value in {"control": "a\x00b\x1b[2J\u202e", "long": "x" * 4100, "5000 digits": "9" * 5000,
                         "superscript": "\u00b2", "not a number": "nan", "infinite": "inf", "huge": "1e308",
                         "garbled": "' OR 1=1 --<script>x</script>"}.items():
        forms[label] = {name: value for name in names}
    forms["store choice superscript"] = {**FILED_FORM, **{f"reuse.{k}": "\u00b2" for k in components}}
    forms["uploads"] = {f"file.{k}": (io.BytesIO(b"MZ junk"), "../../\u202egnp.exe") for k in components}
    forms["uploads"].update({f"file.{k}x": (io.BytesIO(b""), "") for k in components})
    return forms


def kept_out(response) -> bool:
    """Sent to the login page or refused for want of a role: no other value of this path is looked at."""
    return response.status_code == 403 or response.headers.get("Location", "").startswith("/dang-nhap")


def reached(response) -> bool:
    """Did the post get past sign-in, role and target checks (to the form's own validation)?"""
    return not kept_out(response) and response.status_code not in (404, 405, 409)


def test_forms_with_missing_or_garbled_fields_without_a_500(app, world, visitors, sweep):
    """Every form (POST page) with the CSRF token and junk fields on real targets: first empty, then, when the
    visitor gets that far, every junk form; and with odd path values. A refused form changes nothing."""
    forms = junk_forms(app, world)
    rules = [r for r in page_rules(app) if "POST" in r.methods]
    assert len(rules) >= 10
    session_changing = ("auth.logout", "auth.login", "auth.register")
    for rule in sorted(rules, key=lambda r: r.endpoint in session_changing):
        for label, visitor in visitors.items():
            if not rule.arguments and label not in ("anonymous", "citizen", "tiepnhan"):
                continue
            junk = forms if rule.endpoint != "auth.logout" else {"empty": {}, "garbled": forms["garbled"]}

            def post(path, path_label, form_label, form):
                r = post_form(sweep, visitor, path, f"{path_label} as {label} form {form_label}", rule.endpoint,
                              form, visitor.csrf())
                if r.status_code == 400 or (rule.endpoint in session_changing and r.status_code == 302):
                    visitor.restore()
                return r

            for path_label, path in real_paths(world, rule):
                for form_label, form in junk.items():
                    if not reached(post(path, path_label, form_label, form)) and form_label == "empty":
                        break
            for path_label, path in odd_paths(world, rule):
                if kept_out(post(path, path_label, "garbled", forms["garbled"])):
                    break
    sweep.check(1000)


def test_forms_without_or_with_a_wrong_csrf_token_are_400_and_change_nothing(app, world, visitors, sweep):
    valid = {"username": CITIZEN, "password": PASSWORD, "reason": "Người nộp muốn rút", "confirm": "on",
             "score": "5", "lang": "en", **FILED_FORM}
    for rule in page_rules(app):
        if "POST" not in rule.methods:
            continue
        for path_label, path in real_paths(world, rule):
            for label in ("anonymous", "citizen", "tiepnhan", "chuyenvien", "thutruong"):
                for token_label, token in (("no token", None), ("wrong token", "x" * 40),
                                           ("another session's token", visitors["vanthu"].csrf())):
                    r = post_form(sweep, visitors[label], path, f"{path_label} as {label} {token_label}",
                                  rule.endpoint, valid, token)
                    if r.status_code != 400:
                        sweep.problems.append(f"POST {path} as {label} with {token_label}: {r.status_code}, not 400")
    sweep.check(300)


def test_typical_mistakes_in_forms_get_the_form_again_with_a_message(app, world, visitors, sweep):
    """The sweeps reach the forms' own validation: a few typical mistakes get the form back (422)."""
    citizen, desk, specialist = visitors["citizen"], visitors["tiepnhan"], visitors["chuyenvien"]
    cases = [
        (citizen, f"/thu-tuc/{SAMPLE_CODE}/nop", {**FILED_FORM, "f.von_kinh_doanh": "-5", "f.dien_thoai": "abc"}),
        (citizen, f"/ca-nhan/ho-so/{world.C}/bo-sung", {**FILED_FORM, "f.dien_thoai": "x"}),
        (citizen, f"/ca-nhan/ho-so/{world.B}/rut", {"reason": ""}),
        (desk, f"/can-bo/cong-viec/{world.taskB}/request_supplement", {"items.0.component": "x"}),
        (specialist, f"/can-bo/cong-viec/{world.taskA}/request_extension", {"amount": "-1", "reason": "x"}),
        (specialist, f"/can-bo/cong-viec/{world.taskA}/request_extension", {"amount": "1,5e", "reason": "abc"}),
        (desk, f"/can-bo/ho-so/{world.B}/dung", {"reason": "abc"}),
        (visitors["anonymous"], "/dang-ky", {"cccd": "12", "password": "a", "password2": "b"}),
    ]
    for visitor, path, form in cases:
        r = post_form(sweep, visitor, path, "typical mistake", "-", form, visitor.csrf())
        if r.status_code != 422 or "<form" not in r.get_data(as_text=True):
            sweep.problems.append(f"POST {path} {form}: {r.status_code}, not the form again with 422")
    sweep.check(len(cases))


# == SQLite and PostgreSQL: NUL characters =========================================================================
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def test_nul_characters_in_paths_queries_and_bodies_are_refused_cleanly(app, world, backend, caplog):
    """PostgreSQL refuses NUL in text: a NUL in a path, a query parameter or a JSON string must be a clean 4xx."""
    caplog.set_level(logging.ERROR)
    world.ready()
    sweep = Sweep(app, caplog, world, backend)
    client = app.test_client()
    pages = {"citizen": Visitor(app, CITIZEN, 250), "tiepnhan": Visitor(app, "demo.tiepnhan", 251)}
    for rule in api_rules(app) + page_rules(app):
        for arg in sorted(rule.arguments):
            if converter_name(rule, arg) in ("DatabaseInt", "IntegerConverter") or rule.endpoint == "static":
                continue
            values = {a: (world.real_values(a) or ["x"])[0] for a in rule.arguments}
            values[arg] = "a%00b"
            path = fill_rule(rule, values)
            for method in methods_of(rule):
                for caller, visitor in pages.items():
                    label = f"{arg}=NUL as {caller}"
                    if rule.rule.startswith("/api/"):
                        sweep.send(client, method, path, label, rule.endpoint, api=True, headers=world.headers(caller),
                                   track=method != "GET", **json_kwargs(method))
                    elif method == "GET":
                        sweep.send(visitor.client, method, path, label, rule.endpoint, api=False)
                    else:
                        post_form(sweep, visitor, path, label, rule.endpoint, {}, visitor.csrf())
    for rule in api_rules(app) + page_rules(app):
        if "GET" in rule.methods and not rule.arguments and rule.endpoint != "api.openapi":
            for name in QUERY_PARAMS:
                if rule.rule.startswith("/api/"):
                    sweep.send(client, "GET", rule.rule, f"query {name}=NUL", rule.endpoint, api=True,
                               headers=world.headers("tiepnhan"), query_string={name: "a\x00b"})
                else:
                    sweep.send(pages["tiepnhan"].client, "GET", rule.rule, f"query {name}=NUL", rule.endpoint,
                               api=False, query_string={name: "a\x00b"})
    for endpoint, (caller, path, template) in FUZZ.items():
        for key_path in paths_in(template):
            if isinstance(value_at(template, key_path), str):
                sweep.send(client, "POST", path, f"{'.'.join(map(str, key_path))}=NUL", endpoint,
                           api=True, headers=world.headers(caller), track=True, data=raw_json(
                               replaced(template, key_path, "a\x00b")), content_type=JS)
    anonymous = Visitor(app, None, 252)
    for name, form in (("username", {"username": "a\x00b", "password": "x"}),
                       ("password", {"username": CITIZEN, "password": "a\x00b"})):
        post_form(sweep, anonymous, "/dang-nhap", f"login {name}=NUL", "auth.login", form, anonymous.csrf())
    sweep.check(100)


# == the fixed cases, one each =====================================================================================
@pytest.mark.parametrize("backend,bug", [
    pytest.param(b.backend, b, id=b.id, marks=[pytest.mark.postgresql] if b.backend == "postgresql" else [])
    for b in FIXED])
def test_a_fixed_case_stays_fixed(app, world, backend, bug, caplog):
    caplog.set_level(logging.ERROR)
    path = world.fill(bug.path)
    sweep = Sweep(app, caplog, world, backend="none")
    if bug.page:
        visitor = Visitor(app, USERS[bug.caller] if bug.caller else None, 0)
        r = post_form(sweep, visitor, path, bug.id, bug.endpoint, bug.kwargs, visitor.csrf())
    else:
        r = sweep.send(app.test_client(), bug.method, path, bug.id, bug.endpoint, api=True,
                       headers=world.headers(bug.caller), track=True, **bug.kwargs)
    assert r.status_code < 500 and not sweep.problems, (bug.reason, sweep.problems)


def test_every_path_argument_has_real_values(app, world):
    """A new route is swept with real values of its arguments only if World knows them: name them there."""
    missing = sorted({f"<{a}> of {r.rule}" for r in app.url_map.iter_rules() for a in r.arguments
                      if not world.real_values(a)})
    assert not missing, f"add real values to World.real_values for: {missing}"


def test_every_fixed_case_names_an_existing_route(app):
    endpoints = [r.endpoint for r in app.url_map.iter_rules()]
    assert not [b.id for b in FIXED if not any(re.fullmatch(b.endpoint, e) for e in endpoints)]
