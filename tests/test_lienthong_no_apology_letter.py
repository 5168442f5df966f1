"""Liên thông (D33) and letters of apology (D19): the police's share of a Sở Tư pháp dossier runs late over Tết
2027, but the citizen's dossier is the Sở's, on time. The police's head cannot issue a letter of apology on the
sub-dossier by hand either (the timer opens none): its applicant is the Sở, the letter would reach nobody and
take an official number; the share's lateness is recorded and reported instead."""
from __future__ import annotations

from conftest import CITIZEN, vn
from lienthong_support import FORM, PARENT_CODE, SO, build_lienthong, officer
from sqlalchemy import func, select

from engine import timers
from engine.cli.demo import POLICE
from engine.data.model import Document, Dossier


def test_the_police_head_cannot_apologise_on_the_sub_dossier(app, api, clock):
    build_lienthong(app)
    clock.set(vn(2027, 2, 1, 8, 30))  # Monday before Tết
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": PARENT_CODE, "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    clock.set(vn(2027, 2, 2, 9, 0))  # received and handed over: the police's 5 working days end 16/02 09:00
    api.tokens.clear()
    api.act(officer(SO, "intake"), code, "receive")
    [task] = [t for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json()
              if t["dossier"].startswith(POLICE)]
    child = task["dossier"]
    clock.set(vn(2027, 2, 16, 9, 1))
    api.tokens.clear()
    ext = app.extensions["tthc"]
    timers.sweep(ext["sessions"], ext["settings"], clock.now())
    r = api.post(f"/api/v1/dossiers/{child}/letters", "congan.thutruong",
                 json={"kind": "overdue", "reason": "Chậm xác minh do nghỉ Tết"})
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["code"] == "rule_violation"
    with ext["sessions"]() as session:
        sub = session.scalar(select(Dossier).where(Dossier.code == child))
        assert sub.late is True
        assert session.scalar(select(func.count()).select_from(Document)
                              .where(Document.dossier_id == sub.id, Document.kind.like("%apology%"))) == 0
