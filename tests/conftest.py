"""Shared fixtures: real SQLite and real PostgreSQL (started by the test run), demo data, the sample procedure.

The demo database is built once per backend (migrations, the demo ward and its users, the sample procedure
deployed: ``load_demo(..., province=False)``, not the whole demo province) and
copied for each test: a file copy on SQLite, CREATE DATABASE ... TEMPLATE on PostgreSQL.
"""
from __future__ import annotations

import functools
import itertools
import shutil
from datetime import datetime
from pathlib import Path
from typing import Iterator

import pytest
import speedups
from postgres_server import PostgresServer
from sqlalchemy import select

from engine.cases import accounts
from engine.cli import load_demo
from engine.core import memory
from engine.core.clock import VN_TZ, FixedClock
from engine.core.settings import Settings, load_settings, with_secrets
from engine.data.db import make_engine, make_sessionmaker
from engine.paperwork import results
from engine.web import create_app

PASSWORD = "demo12345"
SAMPLE = Path(__file__).resolve().parent.parent / "processes" / "ho-kinh-doanh" / "ho-kinh-doanh.bpmn"
SAMPLE_CODE = "1.001612"
SAMPLE_FORM = {
    "ten_ho_kinh_doanh": "Tạp hóa Bình An", "dia_chi_tru_so": "12 Lê Lợi, phường Thuận Hóa, Huế",
    "nganh_nghe_kinh_doanh": "Bán lẻ hàng tạp hóa", "von_kinh_doanh": 50_000_000, "so_lao_dong": 2,
    "dien_thoai": "0912345678",
    "chu_ho": {"ho_ten": "Nguyễn Văn An", "ngay_sinh": "1999-03-14", "cccd": "001099000001"},
}
_counter = itertools.count()
speedups.install()  # URL builders and password checks: once per run, not once per test

# The files that take minutes, longest first: with workers (setup.cfg: -n auto --dist loadfile) a file runs
# whole on one worker, so these start first and the short files fill in around them.
# A name ending in "*" stands for every file it begins (the OpenAPI contract's run, one file per role: a minute or
# more each).
SLOW_FILES = ("test_robustness.py", "test_access_matrix.py", "test_e2e_browser.py", "test_e2e_province.py",
              "test_api_dossiers.py", "test_access.py", "test_openapi_contract_as_*")


@functools.cache
def password_hash() -> str:
    """One hash of PASSWORD for the accounts the tests' helpers make a handful at a time
    (``ensure_officer(..., password_hash=password_hash())``), as the demo does for its own: scrypt costs about
    0.1 s an account, and a province of test officers was most of its test's set-up."""
    return accounts.hash_password(PASSWORD)


def slow_rank(name: str) -> int:
    """Where a file starts among SLOW_FILES (after them when it is not one)."""
    for i, slow in enumerate(SLOW_FILES):
        if name == slow or (slow.endswith("*") and name.startswith(slow[:-1])):
            return i
    return len(SLOW_FILES)


def pytest_collection_modifyitems(items):
    items.sort(key=lambda item: slow_rank(item.path.name))  # stable: file order kept otherwise


def pytest_collection_finish(session):
    """What importing the tests built (the engine, the libraries, the test modules) lives as long as the run: set
    aside from the cycle collector, as a serving process does at start (engine.core.memory.settle), so that
    the full collections the tests cause do not walk it each time."""
    memory.settle()


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory):
    server = PostgresServer(tmp_path_factory.mktemp("pg"), in_memory=True)
    server.start()
    yield server
    server.stop()


PKI_PASSPHRASE = "test-pki-passphrase"


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory):
    """One demo PKI for the whole run (keys are made once; every test signs with them)."""
    return tmp_path_factory.mktemp("pki")


def vn(*args) -> datetime:
    """An instant in Vietnam time: vn(2026, 2, 23, 7, 30)."""
    return datetime(*args, tzinfo=VN_TZ)


def iso(*args) -> str:
    """The API's spelling of an instant: iso(2026, 2, 23, 7, 30) == '2026-02-23T07:30:00+07:00'."""
    return vn(*args).isoformat()


def settings_with_keys(data_dir, database_url: str, pki_dir, keys_issued: datetime) -> Settings:
    """Settings for a virtual clock far from today: signing keys issued at ``keys_issued`` (made once, then found
    on disk) and API tokens that outlive the clock's jumps (a year)."""
    result = make_settings(data_dir, database_url, pki_dir).replace(token_hours=24 * 365)
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            results.ensure_keys(session, result, keys_issued, pin=PASSWORD)
    finally:
        engine.dispose()
    return result


def make_settings(data_dir, database_url: str, pki_dir) -> Settings:
    return load_settings(data_dir=str(data_dir), database_url=database_url, pki_dir=str(pki_dir),
                         pki_passphrase=PKI_PASSPHRASE)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory, pki_dir):
    """Per backend, a database with the demo data, built once."""
    built = {}

    def get(backend: str, pg=None) -> str:
        if backend not in built:
            if backend == "sqlite":
                folder = tmp_path_factory.mktemp("template")
                load_demo(make_settings(folder, f"sqlite:///{folder}/demo.sqlite3", pki_dir), PASSWORD, province=False)
                built[backend] = str(folder / "demo.sqlite3")
            else:
                url = pg.create_database("demo_template")
                load_demo(make_settings(tmp_path_factory.mktemp("pgdata"), url, pki_dir), PASSWORD, province=False)
                built[backend] = "demo_template"
        return built[backend]

    return get


def database_copy(backend, tmp_path, request, template) -> Iterator[str]:
    """The URL of a copy of ``template(backend, pg)`` (a SQLite file, or a PostgreSQL database to take as
    TEMPLATE) for one test: a file copy in its tmp_path, or a new database dropped after the test."""
    if backend == "sqlite":
        target = tmp_path / "tthc.sqlite3"
        shutil.copy(template("sqlite"), target)
        yield f"sqlite:///{target}"
        return
    pg = request.getfixturevalue("pg_server")
    name = f"t{next(_counter)}_{abs(hash(request.node.nodeid)) % 10**8}"
    url = pg.create_database(name, template=template("postgresql", pg))
    yield url
    # Dropped after its test, not all at once when the server stops: a worker's few hundred databases held
    # about 4 GB of disk, and removing them at the end took 20-30 s of the run.
    pg.drop_database(name)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def backend(request):
    return request.param


@pytest.fixture
def database_url(backend, tmp_path, request, demo_template):
    yield from database_copy(backend, tmp_path, request, demo_template)


START = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)   # what the clock fixture says until a test moves it


@pytest.fixture
def clock():
    """Monday 23/11/2026 09:00 in Vietnam; tests move it explicitly."""
    return FixedClock(START)


@pytest.fixture
def settings(database_url, tmp_path, pki_dir):
    """The settings as an edge that starts holds them: secrets resolved (engine.core.settings.with_secrets)."""
    return with_secrets(make_settings(tmp_path / "data", database_url, pki_dir))


@pytest.fixture
def app(settings, clock):
    application = create_app(settings, clock=clock)
    application.testing = True
    drain_after_commit(application)
    yield application
    application.extensions["tthc"]["engine"].dispose()


def drain_after_commit(application, purpose: str | None = None) -> None:
    """As `tthc serve` does, but at once and in the request's thread: the documents a command asked for (official
    forms, sealed results; drafts to sign) are made right after its commit, so that a test sees them when the
    response arrives (engine.paperwork.issuance). ``purpose="seal"``: drafts to sign are left for the worker
    (tests of what happens before it runs)."""
    from engine.cases import signing_requests

    ext = application.extensions["tthc"]
    ext["after_commit"] = lambda: signing_requests.drain(ext["sessions"].begin, ext["settings"], ext["clock"].now(),
                                                         purpose=purpose)


DECISIONS = ("approve", "refuse")  # actions that record a signing request (engine.cases.signing_requests)


def sign_requested(app, code: str, pin: str = PASSWORD) -> int:
    """Render and sign, as each signer with the demo PIN, what the dossier waits for (the leader's approval, the
    head's refusal): what an officer does on the "Chờ ký số" page, for tests about what comes after it."""
    from engine.cases import signing_requests
    from engine.cases.dossiers import Context
    from engine.data.model import Dossier, User
    from engine.data.signing_model import OPEN_STATES, SigningRequest

    ext = app.extensions["tthc"]
    with ext["sessions"]() as session:
        waiting = session.execute(select(SigningRequest.id, User).select_from(SigningRequest)
                                  .join(Dossier, Dossier.id == SigningRequest.dossier_id).join(User, User.id == SigningRequest.signer_id)
                                  .where(Dossier.code == code, SigningRequest.state.in_(OPEN_STATES))).all()
    for request_id, user in waiting:
        ctx = Context(user, ext["clock"].now(), ext["settings"])
        signing_requests.sign(ext["sessions"].begin, ext["settings"], ctx, request_id, pin)
    return len(waiting)


class Api:
    """A Flask test client that logs in by username and remembers tokens. ``auto_sign``: a decision is signed
    by its signer right after it (``sign_requested``); tests of signing itself turn it off."""

    def __init__(self, client, auto_sign: bool = True):
        self.client = client
        self.tokens: dict[str, str] = {}
        self.auto_sign = auto_sign

    def headers(self, user: str | None) -> dict:
        if user is None:
            return {}
        if user not in self.tokens:
            r = self.client.post("/api/v1/auth/token", json={"username": user, "password": PASSWORD})
            assert r.status_code == 200, r.get_json()
            self.tokens[user] = r.get_json()["token"]
        return {"Authorization": f"Bearer {self.tokens[user]}"}

    def get(self, path: str, user: str | None = None, **kw):
        return self.client.get(path, headers=self.headers(user), **kw)

    def post(self, path: str, user: str | None = None, **kw):
        return self.client.post(path, headers=self.headers(user), **kw)

    def file(self, user: str = "001099000001", form: dict | None = None, **extra) -> dict:
        r = self.post("/api/v1/dossiers", user, json={"procedure": SAMPLE_CODE, "form": form or SAMPLE_FORM, **extra})
        assert r.status_code == 201, r.get_json()
        return r.get_json()

    def task_for(self, user: str, code: str) -> dict:
        tasks = [t for t in self.get("/api/v1/tasks", user).get_json() if t["dossier"] == code]
        assert len(tasks) == 1, tasks
        return tasks[0]

    def act(self, user: str, code: str, action: str, data: dict | None = None, status: int = 200):
        task = self.task_for(user, code)
        r = self.post(f"/api/v1/tasks/{task['id']}/complete", user, json={"action": action, "data": data or {}})
        assert r.status_code == status, r.get_json()
        if status != 200:
            return r.get_json()
        if self.auto_sign:  # a decision (or a letter) is signed by its signer right after it
            sign_requested(self.client.application, code)
        # the dossier as it is once the documents the command issued were made after its commit
        return self.get(f"/api/v1/dossiers/{code}", user).get_json()


@pytest.fixture
def api(app):
    return Api(app.test_client())


CITIZEN = "001099000001"
OFFICERS = {"intake": "demo.tiepnhan", "assessment": "demo.chuyenvien", "approval": "demo.lanhdao",
            "signing": "demo.vanthu", "return": "demo.tiepnhan"}
STEP_DATA = {
    "propose_approval": {"y_kien_tham_dinh": "Hồ sơ đủ điều kiện"},
    "propose_refusal": {"y_kien_tham_dinh": "Ngành nghề cấm kinh doanh"},
    "issue_result": {},  # D22: issued with the number the register gave at approval (tests/test_clerk_number.py)
    "return_result": {"hinh_thuc_tra": "online"},
    "request_supplement": {"items": [{"component": "Giấy đề nghị đăng ký hộ kinh doanh",
                                      "problem": "Thiếu chữ ký của chủ hộ", "required": "Ký và tải lên lại"}]},
}
