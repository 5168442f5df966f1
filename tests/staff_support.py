"""A small province for the tests of agencies and officers administration: the province's root (with a province
administrator), wards A and B (each with an agency administrator and a receiving officer), the demo agency
left where it is. Codes sent to officers are read from their notices, as the officer reads them."""
from __future__ import annotations

import re

from conftest import PASSWORD, SAMPLE_CODE, password_hash
from sqlalchemy import select

from engine.cases import accounts, codeseal
from engine.data import agencies
from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.model import Procedure, ProcedureVersion, User
from engine.data.notice_model import Notice

PROVINCE, WARD_A, WARD_B = "000.00.00.H56", "000.00.31.H56", "000.00.32.H56"
ADMIN_P, ADMIN_A, ADMIN_B = "admin.tinh", "admin.phuonga", "admin.phuongb"
OFFICER_A, OFFICER_B = "tiepnhan.phuonga", "tiepnhan.phuongb"


def build_province(app) -> None:
    ext = app.extensions["tthc"]
    now = ext["clock"].now()
    with ext["sessions"].begin() as session:
        province = agencies.place(session, Agency(code=PROVINCE, name="Ủy ban nhân dân tỉnh", level="province"), None)
        a = agencies.place(session, Agency(code=WARD_A, name="Phường A", level="commune"), province)
        b = agencies.place(session, Agency(code=WARD_B, name="Phường B", level="commune"), province)
        shared = password_hash()
        for username, name, role, agency in ((ADMIN_P, "Quản trị tỉnh", "administrator", province),
                                             (ADMIN_A, "Quản trị phường A", "administrator", a),
                                             (ADMIN_B, "Quản trị phường B", "administrator", b),
                                             (OFFICER_A, "Tiếp nhận A", "receiving_officer", a),
                                             (OFFICER_B, "Tiếp nhận B", "receiving_officer", b)):
            accounts.ensure_officer(session, now, username, name, {role}, agency, PASSWORD, password_hash=shared)


def last_code(app, username: str) -> str:
    """The newest one-time code sent to ``username`` (what their SMS or email says)."""
    with app.extensions["tthc"]["sessions"]() as session:
        user = session.scalar(select(User).where(User.username == username))
        notice = session.scalar(select(Notice).where(Notice.user_id == user.id, Notice.event == "one_time_code")
                                .order_by(Notice.id.desc()).limit(1))
        body = codeseal.unsealed(app.extensions["tthc"]["settings"], notice, notice.body)  # as the dispatcher sends
    return re.search(r"\b[0-9]{6}\b", body).group(0)


def user_row(app, username: str) -> User | None:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(User).where(User.username == username))


def agency_of(app, username: str) -> str | None:
    with app.extensions["tthc"]["sessions"]() as session:
        return session.scalar(select(Agency.code).join(User, User.agency_id == Agency.id)
                              .where(User.username == username))


def admin_of_another_ward(app, now, agency_code: str = "000.00.98.H56", username: str = "admin.khac") -> str:
    """A ward "Phường Khác" outside every demo subtree (no parent) with an administrator ``username``, who signs
    in with the demo password; returns the username."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        other = Agency(code=agency_code, name="Phường Khác", level="commune")
        session.add(other)
        session.flush()
        demo = session.scalar(select(User).where(User.username == "demo.admin"))
        session.add(User(username=username, full_name="Quản Trị Khác", password_hash=demo.password_hash,
                         roles_text="administrator", agency_id=other.id, created_at=now))
    return username


def officer_of_another_ward(app, now, username: str, roles: set[str], agency_code: str = "000.00.97.H56") -> str:
    """An officer ``username`` holding ``roles`` in a ward "Phường Khác (kiểm thử)" outside the demo agency, who signs
    in with the demo password; returns the username."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        agency = Agency(code=agency_code, name="Phường Khác (kiểm thử)", level="commune")
        session.add(agency)
        session.flush()
        accounts.ensure_officer(session, now, username, "Cán Bộ Phường Khác", roles, agency, PASSWORD)
    return username


def offer_sample_copy(session, agency: Agency, code: str, now) -> str:
    """``agency``'s own copy of the sample procedure (procedure ``code``, the sample's latest version copied), offered
    by it: a procedure published by an agency other than the demo one; returns ``code``."""
    sample = session.scalar(select(Procedure).where(Procedure.code == SAMPLE_CODE))
    version = session.get(ProcedureVersion, sample.latest_version_id)
    copy = Procedure(code=code, name=sample.name, agency_id=agency.id)
    session.add(copy)
    session.flush()
    columns = ("version", "process_id", "file_name", "content_hash", "bpmn_xml", "spec_json", "forms", "info",
               "deployed_at", "deployed_by")
    copied = ProcedureVersion(procedure_id=copy.id, **{c: getattr(version, c) for c in columns})
    session.add(copied)
    session.flush()
    copy.latest_version_id = copied.id
    session.add(ProcedureOffer(procedure_id=copy.id, agency_id=agency.id, settings={}, created_at=now))
    return code
