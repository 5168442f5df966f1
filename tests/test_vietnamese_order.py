"""Agencies listed by name in Vietnamese alphabetical order (a ă â b c d đ e ê … u ư v x y), alike on SQLite and
PostgreSQL: ordered by code point, "Đội", "Ấp" and "Ủy ban" came after "Xã" (engine.core.collation)."""
from __future__ import annotations

import re

from sqlalchemy import select

from engine.cases import offers
from engine.core.collation import vn_sort_key
from engine.data import agencies
from engine.data.agency_model import Agency, ProcedureOffer
from engine.data.model import Procedure
from conftest import SAMPLE_CODE
from web_support import new_client

NAMES = ["Xã A Lưới (thử)", "Ủy ban nhân dân xã Zeta (thử)", "Đội Quản lý thị trường (thử)", "Ban Quản lý dự án (thử)",
         "Văn phòng Đăng ký đất đai (thử)", "Dịch vụ công (thử)", "Ấp Ba (thử)"]
IN_ORDER = ["Ấp Ba (thử)", "Ban Quản lý dự án (thử)", "Dịch vụ công (thử)", "Đội Quản lý thị trường (thử)",
            "Ủy ban nhân dân xã Zeta (thử)", "Văn phòng Đăng ký đất đai (thử)", "Xã A Lưới (thử)"]


def test_the_letters_and_then_the_tones_decide():
    words = ["Xã", "ư", "u", "đa", "da", "ơ", "ô", "o", "ạ", "ã", "ả", "á", "à", "a", "ă", "â", "B", "10", " z"]
    assert sorted(words, key=vn_sort_key) == [" z", "10", "a", "à", "á", "ả", "ã", "ạ", "ă", "â", "B", "da", "đa",
                                              "o", "ô", "ơ", "u", "ư", "Xã"]
    assert vn_sort_key("Nguyễn") == vn_sort_key("Nguye\u0302\u0303n")  # one name, composed or not
    assert sorted(["an", "An"], key=vn_sort_key) == ["An", "an"]  # equal letters: the same order every run


def test_the_statistics_page_and_the_offering_lists_read_in_vietnamese_order(app, clock):
    sessions = app.extensions["tthc"]["sessions"]
    with sessions.begin() as session:
        root = session.scalars(select(Agency).where(Agency.parent_id.is_(None))).first()
        for n, name in enumerate(NAMES):
            session.add(Agency(code=f"000.00.9{n}.H56", name=name, level="commune", parent_id=root.id, active=True))
    page = new_client(app).login("demo.admin").get("/can-bo/thong-ke").get_data(as_text=True)
    shown = list(dict.fromkeys(re.findall(r"<option[^>]*>([^<]*\(thử\))</option>", page)))
    assert shown == IN_ORDER
    with sessions.begin() as session:  # the procedure's page: every agency that offers it, by name
        procedure = session.scalar(select(Procedure).where(Procedure.code == SAMPLE_CODE))
        for agency in session.scalars(select(Agency).where(Agency.name.in_(NAMES))):
            session.add(ProcedureOffer(procedure_id=procedure.id, agency_id=agency.id, created_at=clock.now()))
    with sessions() as session:
        names, _total = offers.offering_names(session, [procedure.id], every=True)[procedure.id]
        assert [name for name in names if name in NAMES] == IN_ORDER
        listed = [a.name for a in agencies.offering(session, procedure.id) if a.name in NAMES]
        assert listed == IN_ORDER
