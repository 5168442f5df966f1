"""The demo is a small province (D29): thành phố Huế, its centre and branch, two departments, three wards, the
household-business registration offered by the wards and the Sở Tư pháp's own procedure; every demo user keeps
working, `tthc demo load` stays idempotent and brings an older single-ward demo into the tree."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from cryptography.x509.oid import NameOID
from lxml import html
from sqlalchemy import func, select
from sqlalchemy.pool import NullPool

from conftest import PASSWORD, make_settings
from engine import simulate as sim
from engine.cases import accounts, administration, agency_admin, offers
from engine.cli import DEMO_AGENCY, DEMO_USERS, load_demo, province_officers
from engine.cli.demo import AGENCIES, DEPARTMENT_PROCEDURE, SAMPLE_PROCEDURE, WARDS
from engine.core.clock import FixedClock, VN_TZ
from engine.data import agencies
from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.db import make_engine, make_sessionmaker
from engine.data.model import Procedure, User
from engine.paperwork import pki as pki_mod
from engine.process import procedures
from engine.web import create_app

ROOT = Path(__file__).resolve().parent.parent
DEPARTMENT = ROOT / "processes" / "trich-luc-ho-tich" / "trich-luc-ho-tich.bpmn"


@pytest.fixture
def province(tmp_path, pki_dir, backend, request):
    """A database with the demo province loaded once (on the backend under test)."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'province.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_server").create_database(f"province_{abs(hash(request.node.nodeid)) % 10**8}")
    settings = make_settings(tmp_path / "data", url, pki_dir)
    load_demo(settings, PASSWORD)
    engine = make_engine(url, poolclass=NullPool)
    yield settings, make_sessionmaker(engine)
    engine.dispose()


def _state(sessions) -> tuple:
    with sessions() as session:
        tree = session.execute(select(Agency.code, Agency.level, Agency.path, Agency.parent_id).order_by(Agency.id)).all()
        people = session.execute(select(User.username, User.agency_id, User.roles_text).order_by(User.id)).all()
        offers = session.execute(select(ProcedureOffer.procedure_id, ProcedureOffer.agency_id)
                                 .order_by(ProcedureOffer.id)).all()
    return tree, people, offers


def test_the_demo_is_a_province_with_its_tree_officers_and_offers(province):
    settings, sessions = province
    with sessions() as session:
        by_code = {a.code: a for a in session.scalars(select(Agency))}
        assert set(by_code) == {a[0] for a in AGENCIES}
        root = by_code["000.00.00.H56"]
        assert root.level == "province" and root.parent_id is None and "Huế" in root.name
        levels = sorted(a.level for a in by_code.values())
        assert levels.count("commune") == 3 and levels.count("department") == 3 and levels.count("centre") == 2
        branch = next(a for a in by_code.values() if a.level == "centre" and a.parent_id != root.id)
        assert session.get(Agency, branch.parent_id).level == "centre"  # the centre's branch
        for agency in by_code.values():  # every agency in the root's subtree, with its address and hours
            assert agencies.holds(root, agency) and agency.address and agency.office_hours and agency.seal_name
        for code in WARDS:  # each ward has its officer for every step
            roles = set().union(*(u.roles for u in session.scalars(select(User).where(
                User.agency_id == by_code[code].id))))
            assert {"receiving_officer", "specialist", "department_leader", "head_of_agency", "clerk"} <= roles
        # the original users keep their ward; demo.admin administers the province, phuxuan.admin one ward
        for username, _, roles in DEMO_USERS:
            user = session.scalar(select(User).where(User.username == username))
            assert accounts.authenticate(session, username, PASSWORD).roles == roles
            assert user.agency.code == ("000.00.00.H56" if username == "demo.admin" else DEMO_AGENCY[0])
        admin = session.scalar(select(User).where(User.username == "demo.admin"))
        ward_admin = session.scalar(select(User).where(User.username == "phuxuan.admin"))
        assert administration.scope(session, admin) is None
        assert administration.scope(session, ward_admin).code == "000.00.07.H56"
        assert not administration.may_administer(session, ward_admin, by_code[DEMO_AGENCY[0]])
        assert administration.may_administer(session, admin, by_code[DEMO_AGENCY[0]])
        sample = session.scalar(select(Procedure).where(Procedure.code == SAMPLE_PROCEDURE))
        department = session.scalar(select(Procedure).where(Procedure.code == DEPARTMENT_PROCEDURE))
        assert {a.code for a in agencies.offering(session, sample.id)} == set(WARDS)
        assert [a.code for a in agencies.offering(session, department.id)] == ["000.00.12.H56"]
        assert by_code["000.00.12.H56"].level == "department"
        assert session.scalar(select(func.count()).select_from(User).where(User.agency_id.is_not(None))) == len(
            province_officers())


def test_loading_the_demo_again_changes_nothing(province):
    settings, sessions = province
    before = _state(sessions)
    load_demo(settings, PASSWORD)
    assert _state(sessions) == before


def test_loading_the_demo_again_keeps_what_an_administrator_changed(province):
    """D29: the sample's offers narrowed to one ward and a ward closed, both audited, stay so when the demo is
    loaded again (before, it offered the procedure at the three wards again and reopened the ward, unaudited), and
    the closed ward is given no offer of a ward procedure it lacks."""
    settings, sessions = province
    now = datetime(2026, 11, 23, 9, 0, tzinfo=VN_TZ)
    with sessions.begin() as session:
        offers.replace(session, now, None, SAMPLE_PROCEDURE, {"agencies": [DEMO_AGENCY[0]]})
        closing = WARDS[-1] if WARDS[-1] != DEMO_AGENCY[0] else WARDS[0]
        agency_admin.update(session, now, None, closing, {"active": False})
        # a ward procedure new since the last load, as far as the closed ward goes: its offer there is not made
        closed_id = session.scalar(select(Agency.id).where(Agency.code == closing))
        newer = session.scalar(select(ProcedureOffer).join(Procedure, Procedure.id == ProcedureOffer.procedure_id)
                               .where(ProcedureOffer.agency_id == closed_id, Procedure.code != SAMPLE_PROCEDURE)
                               .limit(1))
        assert newer is not None  # the wards offer the library's commune procedures, not the sample alone
        session.delete(newer)
    before = _state(sessions)
    load_demo(settings, PASSWORD)
    assert _state(sessions) == before
    with sessions() as session:
        sample = session.scalar(select(Procedure.id).where(Procedure.code == SAMPLE_PROCEDURE))
        offering = set(session.scalars(select(Agency.code).join(ProcedureOffer, ProcedureOffer.agency_id == Agency.id)
                                       .where(ProcedureOffer.procedure_id == sample, ProcedureOffer.active)))
        assert offering == {DEMO_AGENCY[0]}
        assert session.scalar(select(Agency.active).where(Agency.code == closing)) is False


def test_an_older_single_ward_demo_moves_into_the_province(tmp_path, pki_dir):
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    settings = make_settings(tmp_path / "data", url, pki_dir)
    load_demo(settings, PASSWORD, province=False)  # what `tthc demo load` built before the province
    engine = make_engine(url, poolclass=NullPool)
    sessions = make_sessionmaker(engine)
    with sessions() as session:
        assert session.scalar(select(func.count()).select_from(Agency)) == 1
        ward_id = session.scalar(select(Agency.id).where(Agency.code == DEMO_AGENCY[0]))
        tiepnhan = session.scalar(select(User.id).where(User.username == "demo.tiepnhan"))
    load_demo(settings, PASSWORD)
    with sessions() as session:
        ward = session.get(Agency, ward_id)
        root = session.scalar(select(Agency).where(Agency.code == "000.00.00.H56"))
        assert ward.parent_id == root.id and ward.path == f"/{root.id}/{ward.id}/"
        assert session.get(User, tiepnhan).agency_id == ward_id  # the same account, in the same ward
    engine.dispose()


def test_the_home_page_lists_the_agencies_as_a_tree(province, tmp_path):
    settings, _ = province
    app = create_app(settings, clock=FixedClock(datetime(2026, 11, 23, 9, tzinfo=VN_TZ)))
    try:
        page = html.fromstring(app.test_client().get("/").get_data(as_text=True))
        rows = page.xpath('//table[contains(@class, "agencies")]/tbody/tr')
        assert [r.xpath("td")[2].text_content() for r in rows][0] == "000.00.00.H56"  # the root first
        assert {r.xpath("td")[2].text_content() for r in rows} == {a[0] for a in AGENCIES}
        branch = next(r for r in rows if r.xpath("td")[2].text_content() == "000.01.01.H56")
        assert branch.xpath("td")[0].get("class") == "depth-2"  # under the centre, under the root
        levels = {r.xpath("td")[2].text_content(): r.xpath("td")[1].text_content() for r in rows}
        assert levels["000.00.12.H56"] == "Sở, ngành" and levels["000.00.07.H56"] == "Cấp xã, phường"
        english = app.test_client()
        with english.session_transaction() as cookie:
            cookie["lang"] = "en"
        text = english.get("/").get_data(as_text=True)
        assert "Agencies handling procedures" in text and "Public administration service centre" in text
    finally:
        app.extensions["tthc"]["engine"].dispose()


def test_the_department_procedure_is_legal_and_runs_its_happy_path(tmp_path, pki_dir):
    settings = make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'x.sqlite3'}", pki_dir)
    definition = procedures.load_file(DEPARTMENT, settings.forms_dir)
    assert definition.code == DEPARTMENT_PROCEDURE and definition.info["agency"] == "000.00.12.H56"
    assert definition.info["result"]["template"]  # its own layout of the copy
    assert sim.check_happy_path(definition, settings) == []
    assert (DEPARTMENT.parent / "README.md").is_file()


@pytest.mark.parametrize("name", [
    "Trung tâm Phục vụ hành chính công thành phố Huế (demo)",   # 55 letters, 67 bytes of UTF-8
    "Chi nhánh số 1 Trung tâm Phục vụ hành chính công thành phố Huế (demo)",
])
def test_a_long_vietnamese_agency_name_still_gets_its_certificate(name):
    """Regression: a name attribute holds at most 64 bytes; the seal of such an agency failed with ValueError."""
    x509_name = pki_mod._name(name, name)
    for oid in (NameOID.COMMON_NAME, NameOID.ORGANIZATION_NAME):
        value = x509_name.get_attributes_for_oid(oid)[0].value
        assert len(value.encode()) <= 64 and name.startswith(value)
