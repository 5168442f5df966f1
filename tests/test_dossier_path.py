"""The path drawn on the dossier's diagram is stored with the workflow state (issue 15): the dossier page and the
task page draw it without loading the workflow or the BPMN, and it is the path the workflow itself gives
(Process.completed_nodes, and the flows between taken nodes) at every stage of the sample procedure and of a
liên thông pair. A row stored before migration 0028 (no path) is read from its workflow once and kept."""
from __future__ import annotations

import html
import re

import pytest
from conftest import CITIZEN, OFFICERS, SAMPLE_FORM, STEP_DATA, vn
from lienthong_support import FORM, SO, build_lienthong, officer
from sqlalchemy import event, select, update
from sqlalchemy.orm import undefer
from web_support import Web

from engine.cases import paths
from engine.cases.dossiers import Context, load_process
from engine.cli.demo import POLICE
from engine.data.model import Dossier, WorkItem
from engine.process import diagrampath
from engine.process.runtime import Process

ATTR = re.compile(r'data-(done|flows)="([^"]*)"')


def workflow_path(app, code: str) -> dict:
    """Today's computation from the workflow itself: what the page drew before the path was stored."""
    ext = app.extensions["tthc"]
    with ext["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code).options(undefer(Dossier.workflow_state)))
        done = load_process(dossier, Context(None, ext["clock"].now(), ext["settings"])).completed_nodes()
        current = sorted(session.scalars(select(WorkItem.spec_name).where(WorkItem.dossier_id == dossier.id)))
        flows = diagrampath.taken_flows(dossier.procedure_version.bpmn_xml, done, current)
        return {"done": done, "flows": flows, "stored": dossier.path_nodes, "version": dossier.version}


def drawn(web: Web, code: str) -> dict:
    page = web.get(f"/can-bo/ho-so/{code}").get_data(as_text=True)
    found = dict(ATTR.findall(page))
    return {key: html.unescape(found[key]).split() for key in ("done", "flows")}


def same_path(app, web: Web, code: str) -> list[str]:
    expected = workflow_path(app, code)
    assert expected["stored"] == expected["done"]  # stored with the state, in the workflow's order
    assert drawn(web, code) == {"done": expected["done"], "flows": expected["flows"]}
    return expected["done"]


def test_the_sample_s_path_is_the_workflow_s_at_every_stage(app, api):
    web = Web(app.test_client()).login("demo.tiepnhan")
    code = api.file()["code"]
    seen = [same_path(app, web, code)]                                                  # filed
    api.act(OFFICERS["intake"], code, "request_supplement", STEP_DATA["request_supplement"])
    seen.append(same_path(app, web, code))                                              # supplement requested
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM, "note": "Đã bổ sung"})
    assert r.status_code == 200, r.get_json()
    seen.append(same_path(app, web, code))                                              # supplemented
    api.act(OFFICERS["intake"], code, "receive")
    seen.append(same_path(app, web, code))                                              # received
    api.act(OFFICERS["assessment"], code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(OFFICERS["approval"], code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    seen.append(same_path(app, web, code))                                              # approved
    api.act(OFFICERS["signing"], code, "issue_result", STEP_DATA["issue_result"])
    api.act(OFFICERS["return"], code, "return_result", STEP_DATA["return_result"])
    seen.append(same_path(app, web, code))                                              # returned
    assert all(len(a) < len(b) for a, b in zip(seen[3:], seen[4:]))  # the path grows as the dossier moves on
    assert workflow_path(app, code)["flows"]  # and the flows between its nodes are drawn

    other = api.file()["code"]  # a dossier withdrawn at intake: the cancelled tasks are no part of the path
    r = api.post(f"/api/v1/dossiers/{other}/withdraw", CITIZEN, json={"reason": "Không còn nhu cầu"})
    assert r.status_code == 200, r.get_json()
    same_path(app, web, other)


def test_a_lienthong_pair_draws_the_workflow_s_path_on_both_sides(app, api, clock):
    build_lienthong(app)
    clock.set(vn(2026, 12, 7, 8, 30))
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": "2.000488", "form": FORM, "agency": SO})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    so = Web(app.test_client()).login(officer(SO, "assessment"))
    police = Web(app.test_client()).login(officer(POLICE, "assessment"))
    same_path(app, so, code)
    clock.set(vn(2026, 12, 7, 9, 0))
    api.tokens.clear()
    api.act(officer(SO, "intake"), code, "receive")
    [child] = [t["dossier"] for t in api.get("/api/v1/tasks", officer(POLICE, "assessment")).get_json()
               if t["dossier"].startswith(POLICE)]
    assert "chuyen_cong_an" not in same_path(app, so, code)  # handed over: the parent waits at the hand-over
    same_path(app, police, child)
    api.act(officer(POLICE, "assessment"), child, "propose_approval",
            {"ket_qua_tra_cuu": "khong_co_an_tich", "y_kien_tham_dinh": "Không có thông tin án tích"})
    api.act(officer(POLICE, "approval"), child, "approve")
    api.act(officer(POLICE, "signing"), child, "issue_result")  # D22: the register's number
    same_path(app, police, child)  # the sub-dossier's answer went back
    done = same_path(app, so, code)  # the parent resumed at its assessment: the hand-over is passed
    assert "chuyen_cong_an" in done and "tham_dinh" not in done


def test_the_pages_read_neither_the_workflow_nor_the_bpmn(app, api, monkeypatch):
    code = api.file()["code"]
    api.act(OFFICERS["intake"], code, "receive")
    web = Web(app.test_client()).login(OFFICERS["assessment"])
    expected = workflow_path(app, code)
    drawn(web, code)  # the version's flows are cached by the first view
    task = web.task_id(code)
    loads, statements = [], []
    monkeypatch.setattr(Process, "load", classmethod(lambda cls, *a: loads.append(a) or pytest.fail("loaded")))
    engine = app.extensions["tthc"]["engine"]
    listen = lambda conn, cursor, sql, *rest: statements.append(sql)  # noqa: E731
    event.listen(engine, "before_cursor_execute", listen)
    try:
        assert drawn(web, code) == {"done": expected["done"], "flows": expected["flows"]}
        page = web.get(f"/can-bo/cong-viec/{task}").get_data(as_text=True)
    finally:
        event.remove(engine, "before_cursor_execute", listen)
    assert dict(ATTR.findall(page))["done"] == " ".join(expected["done"])
    assert loads == []
    assert not [s for s in statements if "workflow_state" in s or "bpmn_xml" in s or "spec_json" in s]


def test_a_dossier_stored_before_0028_reads_its_workflow_once_and_keeps_the_path(app, api):
    code = api.file()["code"]
    api.act(OFFICERS["intake"], code, "receive")
    expected = workflow_path(app, code)
    sessions = app.extensions["tthc"]["sessions"]
    with sessions.begin() as session:  # as the migration leaves an existing row
        session.execute(update(Dossier.__table__).where(Dossier.__table__.c.code == code).values(path_nodes=None))
    assert workflow_path(app, code)["stored"] is None
    web = Web(app.test_client()).login(OFFICERS["assessment"])
    assert drawn(web, code) == {"done": expected["done"], "flows": expected["flows"]}
    after = workflow_path(app, code)
    assert after["stored"] == expected["done"] and after["version"] == expected["version"]  # kept, version alone


def test_a_kept_path_never_overwrites_a_newer_state(app, api):
    """The workflow read for an old row moved on meanwhile (another command): the late write is dropped."""
    code = api.file()["code"]
    ext = app.extensions["tthc"]
    sessions = ext["sessions"]
    with sessions() as session:
        stale = session.scalar(select(Dossier).where(Dossier.code == code).options(undefer(Dossier.workflow_state)))
        stale.path_nodes = None  # as read before 0028 (not flushed: the object only)
        api.act(OFFICERS["intake"], code, "receive")  # the row moves on: version + 1, its own path
        newer = workflow_path(app, code)
        old = paths.path_nodes(stale, Context(None, ext["clock"].now(), ext["settings"]), sessions.begin)
        session.rollback()
    assert old != newer["done"] and workflow_path(app, code)["stored"] == newer["done"]
