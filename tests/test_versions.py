"""Procedure versions (issue 13, item 5) through the API, on SQLite and PostgreSQL: the versions of a procedure
with what changed and their open dossiers, suspend / resume / retire and what filing does then, moving an open
dossier to a newer version (or 409 with the reasons), the administrator's subtree, the audit."""
from __future__ import annotations

import io
import re

from sqlalchemy import select, text

from conftest import CITIZEN, SAMPLE, SAMPLE_CODE, SAMPLE_FORM
from engine.cases.dossiers import Context
from engine.data.agency_model import AdminEvent
from engine.data.model import OPEN_DOSSIER, AuditEvent, Dossier, User, WorkItem
from engine.law.statuses import TERMINAL
from staff_support import admin_of_another_ward

ADMIN = "demo.admin"
SOURCE = SAMPLE.read_text(encoding="utf-8")


def variant(*, duration: str = "3", rename_intake: bool = False, assessment_name: str | None = None,
            filing_form: str | None = None) -> str:
    text_ = SOURCE.replace('name="duration" value="3"', f'name="duration" value="{duration}"')
    if assessment_name:
        text_ = text_.replace('name="Thẩm định hồ sơ"', f'name="{assessment_name}"')
    if rename_intake:  # the intake task's BPMN id changes: an open intake task has no counterpart
        text_ = re.sub(r'(?<![\w])tiep_nhan(?=[<"])', "tiep_nhan_moi", text_)
    if filing_form:
        text_ = text_.replace('value="ho-kinh-doanh-nop.schema.json"', f'value="{filing_form}"')
    return text_


def deploy(api, bpmn: str, forms: dict[str, bytes] | None = None, user: str = ADMIN):
    data = {"bpmn": (io.BytesIO(bpmn.encode("utf-8")), "ho-kinh-doanh.bpmn")}
    for i, (name, content) in enumerate((forms or {}).items()):
        data[f"form{i}"] = (io.BytesIO(content), name)
    return api.post("/api/v1/procedures", user, data=data, content_type="multipart/form-data")


def versions(api, user: str = ADMIN):
    r = api.get(f"/api/v1/procedures/{SAMPLE_CODE}/versions", user)
    assert r.status_code == 200, r.get_json()
    return {v["version"]: v for v in r.get_json()}


def test_open_dossier_predicate_matches_the_law():
    """The partial index's predicate (model) says the same as engine.law.statuses.TERMINAL."""
    assert set(map(int, re.findall(r"\d+", OPEN_DOSSIER))) == {int(s) for s in TERMINAL}


def test_versions_list_changes_and_open_dossiers(api, app, backend):
    code = api.file()["code"]
    r = deploy(api, variant(duration="5", assessment_name="Thẩm định"))
    assert r.status_code == 201 and r.get_json()["version"] == 2, r.get_json()
    listed = versions(api)
    assert listed[1]["open_dossiers"] == 1 and listed[2]["open_dossiers"] == 0
    assert listed[1]["changes"] == [] and listed[1]["state"] == "active" and not listed[1]["current"]
    kinds = {(c["kind"], c["target"]) for c in listed[2]["changes"]}
    assert ("duration_changed", "") in kinds and ("step_renamed", "tham_dinh") in kinds, kinds
    assert listed[2]["current"] and listed[2]["deployed_by"] == ADMIN
    # the count is an index's: a finished dossier is not open
    with app.extensions["tthc"]["sessions"].begin() as session:
        session.execute(text("UPDATE dossier SET status = 7 WHERE code = :c"), {"c": code})
    assert versions(api)[1]["open_dossiers"] == 0


def test_suspend_resume_retire_and_filing(api, app):
    assert deploy(api, variant(duration="5")).status_code == 201
    base = f"/api/v1/procedures/{SAMPLE_CODE}/versions"
    r = api.post(f"{base}/2/suspend", ADMIN)
    assert r.status_code == 200 and r.get_json()["state"] == "suspended", r.get_json()
    # the newest version is suspended: the procedure is not accepting; version 1 is not used instead
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
    assert r.status_code == 409 and r.get_json()["error"]["code"] == "procedure_suspended", r.get_json()
    assert "tạm ngừng" in r.get_json()["error"]["message"]
    assert api.get(f"/api/v1/procedures/{SAMPLE_CODE}").status_code == 200  # still in the catalogue
    assert api.post(f"{base}/2/suspend", ADMIN).status_code == 409  # already suspended
    assert api.post(f"{base}/2/resume", ADMIN).get_json()["state"] == "active"
    assert api.file()["code"]
    # retiring the current version makes version 1 current again: filings go there
    assert api.post(f"{base}/2/retire", ADMIN).get_json()["state"] == "retired"
    assert api.post(f"{base}/2/resume", ADMIN).status_code == 409  # retired is final
    code = api.file()["code"]
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).status_code == 200
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalar(select(Dossier).where(Dossier.code == code)).procedure_version.version == 1
        actions = session.scalars(select(AdminEvent.action).where(AdminEvent.target_kind == "procedure")
                                  .order_by(AdminEvent.id)).all()
    assert actions == ["version_deploy", "version_suspend", "version_resume", "version_retire"], actions
    # every version retired: out of the catalogue, its open dossiers continue
    assert api.post(f"{base}/1/retire", ADMIN).status_code == 200
    assert api.get(f"/api/v1/procedures/{SAMPLE_CODE}").status_code == 404
    assert SAMPLE_CODE not in {p["code"] for p in api.get("/api/v1/procedures").get_json()}
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
    assert r.status_code == 404
    assert api.act("demo.tiepnhan", code, "receive")["status"] == 4  # it goes on to the assessment


def test_only_administrators_of_the_publishing_agency(api, app, clock):
    assert api.get(f"/api/v1/procedures/{SAMPLE_CODE}/versions", "demo.tiepnhan").status_code == 403
    assert api.post(f"/api/v1/procedures/{SAMPLE_CODE}/versions/1/suspend", "demo.tiepnhan").status_code == 403
    admin_of_another_ward(app, clock.now(), "000.00.99.H56")  # an administrator of another agency
    assert api.get(f"/api/v1/procedures/{SAMPLE_CODE}/versions", "admin.khac").status_code == 403
    assert api.post(f"/api/v1/procedures/{SAMPLE_CODE}/versions/1/retire", "admin.khac").status_code == 403
    assert deploy(api, variant(duration="7"), user="admin.khac").status_code == 403
    code = api.file()["code"]
    r = api.post(f"/api/v1/dossiers/{code}/migrate", "admin.khac", json={"version": 1})
    assert r.status_code == 404 and r.get_json()["error"]["code"] == "dossier_not_found"  # api.md: not told apart
    assert versions(api)[1]["state"] == "active"
    assert api.get("/api/v1/procedures/9.999999/versions", ADMIN).status_code == 404
    assert api.post(f"/api/v1/procedures/{SAMPLE_CODE}/versions/9/suspend", ADMIN).status_code == 404


def test_migrate_an_open_dossier_keeps_its_work_and_continues(api, app, backend):
    code = api.file()["code"]
    task_before = api.task_for("demo.tiepnhan", code)
    assert deploy(api, variant(duration="5", assessment_name="Thẩm định (mới)")).status_code == 201
    r = api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json={"version": 2})
    assert r.status_code == 200, r.get_json()
    assert api.task_for("demo.tiepnhan", code)["id"] == task_before["id"]  # the same work item
    listed = versions(api)
    assert listed[1]["open_dossiers"] == 0 and listed[2]["open_dossiers"] == 1
    api.act("demo.tiepnhan", code, "receive")
    assert api.task_for("demo.chuyenvien", code)["name"] == "Thẩm định (mới)"  # the new version's step
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        moved = session.scalar(select(AuditEvent).where(AuditEvent.dossier_id == dossier.id,
                                                        AuditEvent.action == "migrate"))
        assert moved.data == {"from_version": 1, "to_version": 2}
        assert session.scalar(select(AdminEvent).where(AdminEvent.action == "dossier_migrate")).target == code
    # not back to an older version
    r = api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json={"version": 1})
    assert r.status_code == 409 and r.get_json()["error"]["problems"], r.get_json()


def test_migrate_refused_with_reasons_changes_nothing(api, app, backend):
    code = api.file()["code"]
    assert deploy(api, variant(rename_intake=True)).status_code == 201
    before = versions(api)
    r = api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json={"version": 2})
    body = r.get_json()
    assert r.status_code == 409 and body["error"]["code"] == "migration_refused", body
    assert [(p["element"], "tiep_nhan → tiep_nhan_moi" in p["message"]) for p in body["error"]["problems"]] == [
        ("tiep_nhan", True)], body
    assert versions(api) == before
    api.act("demo.tiepnhan", code, "receive")  # it continues on version 1
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalar(select(AdminEvent).where(AdminEvent.action == "dossier_migrate")) is None


def test_migrate_refused_when_the_filing_form_no_longer_holds(api, app, tmp_path):
    code = api.file()["code"]
    schema = (SAMPLE.parent.parent.parent / "forms" / "ho-kinh-doanh-nop.schema.json").read_text(encoding="utf-8")
    stricter = schema.replace('"required": [', '"required": ["ma_so_thue", ', 1)
    assert stricter != schema
    stricter = stricter.replace('"properties": {', '"properties": {"ma_so_thue": {"type": "string", '
                                                   '"title": "Mã số thuế"}, ', 1)
    r = deploy(api, variant(filing_form="nop-moi.schema.json"), {"nop-moi.schema.json": stricter.encode()})
    assert r.status_code == 201, r.get_json()
    r = api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json={"version": 2})
    assert r.status_code == 409 and "ma_so_thue" in r.get_json()["error"]["message"], r.get_json()
    changes = {(c["kind"], c["target"]) for c in versions(api)[2]["changes"]}
    assert ("step_form_changed", "bo_sung_tiep_nhan") in changes, changes


def test_migrate_bad_bodies(api):
    code = api.file()["code"]
    for body in ({}, {"version": "2"}, {"version": 0}, {"version": True}, {"version": 2**40}):
        r = api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json=body)
        assert r.status_code == 422, (body, r.get_json())
    assert api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json={"version": 7}).status_code == 404
    assert api.post("/api/v1/dossiers/X-000000-0000/migrate", ADMIN, json={"version": 2}).status_code == 404
    assert api.post(f"/api/v1/dossiers/{code}/migrate", CITIZEN, json={"version": 1}).status_code == 403


def test_batch_moves_each_dossier_in_its_own_savepoint(api, app, clock):
    from engine.cases import migration

    moved_one, stays = api.file()["code"], api.file()["code"]
    kept = api.file()["code"]
    assert deploy(api, variant(duration="4")).status_code == 201
    ext = app.extensions["tthc"]
    with ext["sessions"]() as session:  # one withdrawn (not open), one whose form breaks version 2's filing form
        session.execute(text("UPDATE dossier SET status = 7 WHERE code = :c"), {"c": stays})
        session.execute(text("UPDATE dossier SET form = :f WHERE code = :c"), {"f": '{"x": 1}', "c": kept})
        session.commit()
        admin = session.scalar(select(User).where(User.username == ADMIN))
        ctx = Context(admin, clock.now(), ext["settings"])
        results, after = migration.migrate_batch(session, ctx, SAMPLE_CODE, 1, 2, limit=1)
        assert [r["moved"] for r in results] == [True] and after is not None
        results, after = migration.migrate_batch(session, ctx, SAMPLE_CODE, 1, 2, after_id=after)
        session.commit()
        assert [(r["code"], r["moved"]) for r in results] == [(kept, False)] and after is None
        assert results[0]["reasons"]
        rows = dict(session.execute(select(Dossier.code, Dossier.procedure_version_id)).all())
        assert rows[moved_one] != rows[kept]
        assert session.scalar(select(WorkItem).where(WorkItem.dossier_id == select(Dossier.id).where(
            Dossier.code == moved_one).scalar_subquery())) is not None


def test_migrate_dossiers_at_later_steps_and_the_unchanged_upload(api, app):
    from conftest import STEP_DATA

    received, waiting = api.file()["code"], api.file()["code"]
    api.act("demo.tiepnhan", received, "receive")
    api.act("demo.tiepnhan", waiting, "request_supplement", STEP_DATA["request_supplement"])
    new = variant(assessment_name="Thẩm định (mới)")  # the same duration: a received dossier keeps its appointment
    assert deploy(api, new).get_json()["changed"] is True
    r = deploy(api, new)  # the same file again: no version 3
    assert r.status_code == 201 and r.get_json() | {"warnings": []} == {"warnings": [], "code": SAMPLE_CODE, "version": 2, "changed": False}
    for code in (received, waiting):
        r = api.post(f"/api/v1/dossiers/{code}/migrate", ADMIN, json={"version": 2.0})
        assert r.status_code == 200, r.get_json()
    api.act("demo.chuyenvien", received, "propose_approval", STEP_DATA["propose_approval"])
    assert api.task_for("demo.lanhdao", received)["dossier"] == received
    assert versions(api)[2]["open_dossiers"] == 2
    with app.extensions["tthc"]["sessions"]() as session:
        assert session.scalar(select(Dossier.status).where(Dossier.code == waiting)) == 5  # still waiting
        deploys = session.scalars(select(AdminEvent.target).where(AdminEvent.action == "version_deploy")).all()
    assert deploys == [f"{SAMPLE_CODE} v2"]
