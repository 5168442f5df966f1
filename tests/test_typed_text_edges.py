"""The edges of taking text as people type it (tests/test_typed_text.py): a name longer once spelled than the
column, a second account (D3) typed with spaces, the administrators' lookups of an officer and of a dossier's code,
the recovery by a full-width CCCD; and Vietnamese order where a list is cut (the open units named) or printed (the
report form's rows)."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from conftest import CITIZEN
from engine.cases import accounts, agency_admin, citizens
from engine.core.errors import Conflict
from engine.data.agency_model import AdminEvent, Agency
from engine.core.clock import VN_TZ
from test_offers import province  # noqa: F401 (the fixture)
from web_support import Web


@pytest.mark.parametrize("typed", ["İ" * 64, "\ufdfa" * 10])  # 64 and 10 characters, 128 and 180 once spelled
def test_a_name_longer_once_spelled_is_refused_as_any_wrong_name(app, typed):
    answer = app.test_client().post("/api/v1/auth/token", json={"username": typed, "password": "wrong"})
    assert (answer.status_code, answer.get_json()["error"]["code"]) == (401, "bad_credentials")  # was 422 on PG
    page = Web(app.test_client())
    assert page.post("/dang-nhap", {"username": typed, "password": "wrong"}).status_code == 401


def test_the_spellings_of_a_login_name():
    assert accounts.login_name(" 001 099 000 001.2 ") == "001099000001.2"  # D3's second account, spaced
    assert accounts.login_name("001.099.000.001") == "001099000001"
    assert accounts.login_name("Demo.TiepNhan") == "demo.tiepnhan"
    assert len(accounts.login_name("İ" * 64)) == 64


def test_an_administrator_finds_an_officer_as_typed(api):
    answer = api.client.post("/api/v1/officers/Demo.TiepNhan/password-reset", headers=api.headers("demo.admin"))
    assert answer.status_code == 202, answer.get_json()  # was 404 while the login took the name


def test_the_recovery_takes_the_cccd_as_the_login_does(app):
    with app.extensions["tthc"]["sessions"]() as session:
        plain = citizens.recoverable(session, CITIZEN)
        assert plain and citizens.recoverable(session, "００１ ０９９ ０００ ００１") == plain


def test_a_migration_by_a_lower_case_code_names_the_stored_code(api, app):
    from test_operations import ADMIN, sessions
    from test_versions import deploy, variant

    code = api.file(CITIZEN)["code"]
    assert deploy(api, variant(assessment_name="Thẩm định mới")).status_code == 201
    answer = api.post(f"/api/v1/dossiers/{code.lower()}/migrate", ADMIN, json={"version": 2})
    assert answer.status_code == 200, answer.get_json()
    with sessions(app)() as session:
        trail = session.scalars(select(AdminEvent.target).where(AdminEvent.action == "dossier_migrate")).all()
    assert trail == [code]  # was the typed spelling: the trail's filter by code missed it


def test_closing_a_parent_names_its_first_ten_units_in_vietnamese_order(app, clock):
    sessions = app.extensions["tthc"]["sessions"]
    with sessions.begin() as session:
        root = session.scalars(select(Agency).where(Agency.parent_id.is_(None))).first()
        parent = Agency(code="000.77.00.H56", name="Sở Thử", level="department", parent_id=root.id, active=True)
        session.add(parent)
        session.flush()
        for n, name in enumerate([f"Xã {c}" for c in "ABCDEFGHIJ"] + ["Ấp Ba"]):
            session.add(Agency(code=f"000.77.{10 + n}.H56", name=name, level="department", parent_id=parent.id,
                               active=True))
    with sessions.begin() as session, pytest.raises(Conflict) as refused:
        agency_admin.update(session, clock.now(), None, "000.77.00.H56", {"active": False})
    assert "Ấp Ba, Xã A" in refused.value.message and "Xã J" not in refused.value.message  # Ấp Ba was left out


def test_the_report_forms_rows_read_in_vietnamese_order(app, api, clock, province):  # noqa: F811
    """Two wards renamed so that code-point order and Vietnamese order differ: "Xã …" (X) before "Đội …" (Đ) by
    code point, after it in Vietnamese; each receives one dossier."""
    from test_offers import DEMO, WARD_A, put_offers

    with app.extensions["tthc"]["sessions"].begin() as session:
        for code, name in ((DEMO, "Xã Thủy Bằng"), (WARD_A, "Đội Thủ tục hành chính")):
            session.scalar(select(Agency).where(Agency.code == code)).name = name
    assert put_offers(api, {"agencies": [DEMO, WARD_A]}).status_code == 200
    api.act("demo.tiepnhan", api.file(CITIZEN, agency=DEMO)["code"], "receive")
    api.act("a.canbo", api.file(CITIZEN, agency=WARD_A)["code"], "receive")
    day = clock.now().astimezone(VN_TZ).date().isoformat()
    sheet = api.get(f"/api/v1/reports/form?from={day}&to={day}&format=xlsx&group_by=agency", "tinh.admin")
    assert sheet.status_code == 200, sheet.get_data(as_text=True)[:300]
    rows = [row[1] for row in load_workbook(io.BytesIO(sheet.data)).active.iter_rows(values_only=True)
            if row and row[1] in ("Xã Thủy Bằng", "Đội Thủ tục hành chính")]
    assert rows == ["Đội Thủ tục hành chính", "Xã Thủy Bằng"]  # was by code point: Xã first


def test_the_citizen_search_takes_a_cccd_in_full_width_digits(app):
    admin = Web(app.test_client()).login("demo.admin")
    page = admin.client.get("/quan-tri/cong-dan?q=" + "００１ ０９９ ０００ ００１").get_data(as_text=True)
    assert CITIZEN in page  # was: no account found (the search compacted the digits without NFKC)


def test_a_dossier_code_in_full_width_letters_is_found(api, app):
    code = api.file(CITIZEN)["code"]
    wide = "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in code.lower())
    assert api.get(f"/api/v1/dossiers/{wide}", CITIZEN).get_json()["code"] == code  # was 404


def test_one_reading_of_a_typed_cccd():
    from engine.core.vocabulary import compact_number, typed_cccd

    assert typed_cccd("001 099 000 001") == typed_cccd("(001)-099.000.001") == "001099000001"
    assert typed_cccd("００１０９９０００００１") == "001099000001"
    assert typed_cccd("00109900000") is None and typed_cccd("٠٠١٠٩٩٠٠٠٠٠١") is None  # 11 digits; Arabic-Indic
    assert compact_number(" 0912.345.678 ") == "0912345678"


@pytest.mark.parametrize("typed", ["001 099 000 777", "００１０９９０００７７７"])
def test_a_citizen_registers_with_the_cccd_as_they_sign_in_with_it(app, typed):
    """The sign-in takes a CCCD with spaces or in full-width digits; the registration page refused it (422 "Số CCCD
    phải gồm đúng 12 chữ số")."""
    page = Web(app.test_client())
    page.post("/dang-ky", {"full_name": "Trần Văn Bình", "cccd": typed, "cccd_issued_on": "2020-01-01",
                           "phone": "0911222444", "password": "mat-khau-moi-123", "password2": "mat-khau-moi-123"},
              status=302)
    assert Web(app.test_client()).login(typed, "mat-khau-moi-123")  # the same spelling signs in
    with app.extensions["tthc"]["sessions"]() as session:
        assert accounts.authenticate(session, "001099000777", "mat-khau-moi-123").cccd == "001099000777"
