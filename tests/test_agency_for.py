"""Which agency answers for a dossier (engine.cases.offers.agency_for): the receiving agency's calendar counts
its deadlines and writes the forms of intake, the processing agency issues and seals the result (never merely
the procedure's publishing agency), and the leaders' watch follows the processing agency
once the dossier is received (the intake stays with the receiving agency's leaders)."""
from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from test_offers import DEMO, DEPT, WARD_A, province, put_offers  # noqa: F401 (fixture)

from conftest import CITIZEN
from engine.cases import offers, watch
from engine.data import agencies
from engine.data.model import Dossier, User


def _watched(app, username: str, now) -> list[str]:
    ext = app.extensions["tthc"]
    with ext["sessions"]() as session:
        user = session.scalar(select(User).where(User.username == username))
        return [row["dossier"].code for row in watch.page(session, user, now, ext["settings"]).rows]


def test_the_watch_follows_the_processing_agency_and_the_intake_the_receiving_one(api, province, app, clock):
    assert put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]}).status_code == 200
    code = api.file(CITIZEN, agency=WARD_A)["code"]
    later = clock.now() + timedelta(days=60)  # every deadline passed
    assert code in _watched(app, "a.canbo", later) and code not in _watched(app, "d.canbo", later)  # intake
    api.act("a.canbo", code, "receive")
    assert code in _watched(app, "d.canbo", later) and code not in _watched(app, "a.canbo", later)
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        ward, dept = agencies.by_code(session, WARD_A), agencies.by_code(session, DEPT)
        assert offers.agency_for(dossier, "calendar") == ward.id
        assert offers.agency_for(dossier, "watch") == dept.id
        assert offers.agency_for(dossier, "seal") == dept.id  # the issuing agency: processing, not the publisher
        assert offers.agency_for(dossier, "receipt") == ward.id  # the forms of intake: the receiving agency
        with pytest.raises(ValueError):
            offers.agency_for(dossier, "other")


def test_without_a_processing_agency_the_receiving_agency_watches(api, province, app, clock):
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    assert code in _watched(app, "demo.lanhdao", clock.now() + timedelta(days=60))
