"""One unit of work and one error mapping for both faces (engine/web/__init__.py, engine/web/failures.py, the pages'
answer in engine/web/ui.py).

The mapping recognises database contention by the driver's error code, on real SQLite and real PostgreSQL
locks; a driver message that merely contains "locked" is not contention. The unit of work commits once,
rolls back on any error, and keeps a refused login attempt.
"""
from __future__ import annotations

import pytest
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import IntegrityError, OperationalError

from conftest import PASSWORD
from web_support import Web
from engine.core.errors import Conflict
from engine.data.model import Agency
from engine.data.portal_model import LoginAttempt
from engine.web import db, failures, run, transactional, ui, unit_of_work


def _locked_error(database_url: str) -> OperationalError:
    """A real 'another transaction holds it' error from the backend under test."""
    if database_url.startswith("sqlite"):
        holder = create_engine(database_url, connect_args={"timeout": 0})
        waiter = create_engine(database_url, connect_args={"timeout": 0})
        with holder.connect() as a:
            a.exec_driver_sql("BEGIN IMMEDIATE")
            try:
                with waiter.connect() as b, pytest.raises(OperationalError) as caught:
                    b.exec_driver_sql("BEGIN IMMEDIATE")
            finally:
                a.exec_driver_sql("ROLLBACK")
        return caught.value
    engine = create_engine(database_url)
    with engine.connect() as a, engine.connect() as b:
        a.execute(text("SELECT id FROM agency ORDER BY id LIMIT 1 FOR UPDATE"))
        with pytest.raises(OperationalError) as caught:
            b.execute(text("SELECT id FROM agency ORDER BY id LIMIT 1 FOR UPDATE NOWAIT"))
        a.rollback()
    engine.dispose()
    return caught.value


def test_a_real_lock_is_contention_on_each_backend(database_url):
    failure = failures.failure_of(_locked_error(database_url))
    assert (failure.status, failure.code) == (409, "busy")


def test_a_message_that_says_locked_is_not_contention(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with engine.connect() as conn, pytest.raises(OperationalError) as caught:
        conn.exec_driver_sql("SELECT * FROM locked_rows")  # "no such table: locked_rows"
    assert "locked" in str(caught.value)
    assert failures.failure_of(caught.value).status == 500  # a bug, not a busy database: it is logged


def test_each_kind_of_error_maps_once_and_renders_as_json_and_as_a_page(app):
    integrity = IntegrityError("INSERT", {}, Exception("UNIQUE constraint failed"))
    cases = [(Conflict("Hồ sơ đã được tiếp nhận", code="already"), 409, "already"), (integrity, 409, "conflict"),
             (RuntimeError("boom"), 500, "internal_error")]
    with app.test_request_context("/ho-so"):
        for exc, status, code in cases:
            failure = failures.failure_of(exc)
            response, got, _headers = failures.as_json(failure)
            assert got == status and response.get_json()["error"]["code"] == code
            page, got, _headers = ui.as_page(failure)
            assert got == status and "<html" in page.lower()
        page, _, _ = ui.as_page(failures.failure_of(cases[0][0]))
        assert "Hồ sơ đã được tiếp nhận" in page  # the engine's own words about the case
        page, _, _ = ui.as_page(failures.failure_of(integrity))
        assert "UNIQUE" not in page  # never the driver's


def _agency_count(app) -> int:
    with app.extensions["tthc"]["sessions"]() as session:
        return len(session.scalars(select(Agency)).all())


def test_the_unit_of_work_commits_once_and_rolls_back_on_any_error(app):
    before = _agency_count(app)
    with app.test_request_context():
        with pytest.raises(KeyError), unit_of_work():
            db().add(Agency(code="X.1", name="Rolled back"))
            db().flush()
            raise KeyError("after the write")
        assert run(lambda: db().add(Agency(code="X.2", name="Kept")) or "done") == "done"
    assert _agency_count(app) == before + 1

    @transactional(keep_on=(Conflict,))
    def refused_but_recorded():
        db().add(Agency(code="X.3", name="Recorded"))
        raise Conflict("refused")

    with app.test_request_context(), pytest.raises(Conflict):
        refused_but_recorded()
    assert _agency_count(app) == before + 2


def test_a_refused_login_still_counts_towards_the_lockout_on_both_faces(app, api):
    Web(app.test_client()).post("/dang-nhap", {"username": "demo.lanhdao", "password": "wrong"}, status=401)
    r = api.post("/api/v1/auth/token", None, json={"username": "demo.lanhdao", "password": "wrong"})
    assert r.status_code == 401
    with app.extensions["tthc"]["sessions"]() as session:
        refused = session.scalars(select(LoginAttempt).where(LoginAttempt.username == "demo.lanhdao",
                                                             LoginAttempt.succeeded.is_(False))).all()
    assert len(refused) == 2
    assert api.post("/api/v1/auth/token", None, json={"username": "demo.lanhdao",
                                                      "password": PASSWORD}).status_code == 200
