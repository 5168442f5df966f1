"""One catalogue, many offers (D29, issue 13 item 2): a procedure is published once and offered by many
agencies; filing names the receiving agency, whose electronic id starts the dossier code; only that agency's
officers (and those of the processing agency its offer names) see the dossier; redeploying never takes the
procedure from an agency that offers it; an unknown agency is refused with a problem line naming it."""
from __future__ import annotations

import re

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from conftest import CITIZEN, PASSWORD, SAMPLE, SAMPLE_CODE, SAMPLE_FORM, password_hash
from engine.cases import accounts
from engine.cli import main
from engine.data import agencies
from engine.data.agency_model import AdminEvent, Agency, ProcedureOffer
from engine.data.model import Dossier, Procedure, WorkItem
from engine.process import procedures
from engine.core.errors import DefinitionError
from web_support import Web

DEMO = "000.00.06.H56"
PROVINCE, WARD_A, WARD_B, DEPT = "000.00.00.H56", "000.00.31.H56", "000.00.32.H56", "000.20.01.H56"
ROLES = {"receiving_officer", "specialist", "department_leader", "head_of_agency", "clerk"}


@pytest.fixture
def province(app, clock):
    """A province with two wards (A, B) and a department under it; officers with every role in each, a
    province administrator and ward A's administrator."""
    with app.extensions["tthc"]["sessions"].begin() as session:
        root = agencies.place(session, Agency(code=PROVINCE, name="UBND tỉnh Huế", level="province"), None)
        made = {PROVINCE: root}
        for code, name, level in ((WARD_A, "UBND phường An Cựu", "commune"), (WARD_B, "UBND phường Vỹ Dạ", "commune"),
                                  (DEPT, "Sở Công Thương", "department")):
            made[code] = agencies.place(session, Agency(code=code, name=name, level=level), root)
        for code, who in ((WARD_A, "a"), (WARD_B, "b"), (DEPT, "d")):
            accounts.ensure_officer(session, clock.now(), f"{who}.canbo", f"Cán bộ {who}", ROLES, made[code],
                                    PASSWORD, password_hash=password_hash())
        accounts.ensure_officer(session, clock.now(), "tinh.admin", "Quản trị tỉnh", {"administrator"}, root,
                                PASSWORD, password_hash=password_hash())
        accounts.ensure_officer(session, clock.now(), "a.admin", "Quản trị phường A", {"administrator"},
                                made[WARD_A], PASSWORD, password_hash=password_hash())
    return app


def put_offers(api, payload, user="tinh.admin", code=SAMPLE_CODE):
    return api.client.put(f"/api/v1/procedures/{code}/offers", json=payload, headers=api.headers(user))


def offered(api, code=SAMPLE_CODE) -> list[str]:
    r = api.get(f"/api/v1/procedures/{code}/offers")
    assert r.status_code == 200, r.get_json()
    return [a["agency"] for a in r.get_json()["agencies"]]


def test_two_wards_offer_one_procedure_and_each_sees_only_what_is_filed_with_it(api, province, app):
    r = put_offers(api, {"agencies": [DEMO, WARD_A, WARD_B]})
    assert r.status_code == 200, r.get_json()
    assert sorted(offered(api)) == sorted([DEMO, WARD_A, WARD_B])
    names = [a["name"] for a in r.get_json()["agencies"]]
    assert "UBND phường Vỹ Dạ" in names

    # several agencies offer it: the receiving agency must be named, else 422 naming the field
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
    assert r.status_code == 422 and "agency" in r.get_json()["error"]["fields"], r.get_json()
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM,
                                                    "agency": DEPT})  # exists, does not offer it
    assert r.status_code == 422 and "agency" in r.get_json()["error"]["fields"], r.get_json()

    filed = api.file(CITIZEN, agency=WARD_B)
    code = filed["code"]
    assert (filed["agency"], filed["agency_name"], filed["processing_agency"]) == (WARD_B, "UBND phường Vỹ Dạ", None)
    assert re.fullmatch(rf"{re.escape(WARD_B)}-\d{{6}}-0001", code)  # D6: B's id, B's own daily sequence
    with app.extensions["tthc"]["sessions"]() as session:
        dossier = session.scalar(select(Dossier).where(Dossier.code == code))
        ward_b = agencies.by_code(session, WARD_B)
        assert dossier.agency_id == ward_b.id and dossier.processing_agency_id is None
        assert {i.agency_id for i in session.scalars(select(WorkItem).where(WorkItem.dossier_id == dossier.id))} \
            == {ward_b.id}

    # ward A's officers never see it (API, tasks, inbox page); ward B's do; the demo ward's neither
    for outsider in ("a.canbo", "demo.tiepnhan"):
        assert api.get(f"/api/v1/dossiers/{code}", outsider).status_code == 404
        assert code not in [d["code"] for d in api.get("/api/v1/dossiers", outsider).get_json()]
        assert code not in [t["dossier"] for t in api.get("/api/v1/tasks", outsider).get_json()]
        assert code not in Web(app.test_client()).login(outsider).get("/can-bo/cong-viec").get_data(as_text=True)
    assert api.get(f"/api/v1/dossiers/{code}", "b.canbo").status_code == 200
    assert code in Web(app.test_client()).login("b.canbo").get("/can-bo/cong-viec").get_data(as_text=True)
    api.act("b.canbo", code, "receive")
    assert api.get(f"/api/v1/dossiers/{code}", "b.canbo").get_json()["status"] == 4  # received, processing

    # the next dossier filed at A starts with A's id
    assert api.file(CITIZEN, agency=WARD_A)["code"].startswith(WARD_A + "-")
    # the catalogue of one agency, paged
    r = api.get(f"/api/v1/procedures?agency={WARD_B}")
    assert r.status_code == 200 and [p["code"] for p in r.get_json()] == [SAMPLE_CODE]
    assert api.get(f"/api/v1/procedures?agency={DEPT}").get_json() == []
    assert api.get(f"/api/v1/procedures?agency={WARD_B}&after={SAMPLE_CODE}").get_json() == []
    assert api.get("/api/v1/procedures?agency=000.00.99.H56").status_code == 422
    assert api.get("/api/v1/procedures?limit=501").status_code == 422  # pages are bounded, with or without agency
    assert [p["code"] for p in api.get("/api/v1/procedures?limit=1").get_json()] == [SAMPLE_CODE]


def test_redeploying_for_ward_b_keeps_ward_a_offer(api, province, app, clock, tmp_path, settings):
    assert put_offers(api, {"agencies": [DEMO, WARD_A]}).status_code == 200
    changed = tmp_path / SAMPLE.name
    changed.write_text(SAMPLE.read_text(encoding="utf-8").replace(f'name="agency" value="{DEMO}"',
                                                                 f'name="agency" value="{WARD_B}"'), encoding="utf-8")
    with app.extensions["tthc"]["sessions"].begin() as session:
        before = session.scalar(select(Procedure).where(Procedure.code == SAMPLE_CODE)).agency_id
        version, was_changed = procedures.deploy(session, procedures.load_file(changed, settings.forms_dir),
                                                 clock.now(), "tester")
        assert was_changed and version.version == 2
        assert session.scalar(select(Procedure).where(Procedure.code == SAMPLE_CODE)).agency_id == before
    assert sorted(offered(api)) == sorted([DEMO, WARD_A, WARD_B])  # offers accumulate
    # a new version of the demo ward's file: nothing is taken from A or B either
    with app.extensions["tthc"]["sessions"].begin() as session:
        again = SAMPLE.read_text(encoding="utf-8").replace("Lệ phí đăng ký hộ kinh doanh", "Lệ phí đăng ký")
        changed.write_text(again, encoding="utf-8")
        procedures.deploy(session, procedures.load_file(changed, settings.forms_dir), clock.now(), "tester")
    assert sorted(offered(api)) == sorted([DEMO, WARD_A, WARD_B])
    assert api.file(CITIZEN, agency=WARD_A)["code"].startswith(WARD_A)


def test_an_unknown_agency_is_refused_by_deploy_the_api_and_validate(api, province, app, clock, tmp_path, settings):
    text = SAMPLE.read_text(encoding="utf-8").replace(f'name="agency" value="{DEMO}"',
                                                      'name="agency" value="000.00.77.H56"')
    path = tmp_path / SAMPLE.name
    path.write_text(text, encoding="utf-8")
    line = text[:text.index('name="agency" value="000.00.77.H56"')].count("\n") + 1
    with app.extensions["tthc"]["sessions"]() as session:
        with pytest.raises(DefinitionError) as refused:
            procedures.deploy(session, procedures.load_file(path, settings.forms_dir), clock.now())
        session.rollback()
        assert session.scalar(select(Agency).where(Agency.code == "000.00.77.H56")) is None
    problem = refused.value.problems[0]
    assert problem.line == line and "000.00.77.H56" in problem.message

    r = api.post("/api/v1/procedures", "tinh.admin", data={"bpmn": (path.open("rb"), SAMPLE.name)},
                 content_type="multipart/form-data")  # an administrator of every agency: the problem line
    assert r.status_code == 422, r.get_json()
    assert any("000.00.77.H56" in p["message"] and p["line"] == line for p in r.get_json()["error"]["problems"])
    r = api.post("/api/v1/procedures", "a.admin", data={"bpmn": (path.open("rb"), SAMPLE.name)},
                 content_type="multipart/form-data")  # an administrator of a subtree: not theirs, nothing said
    assert r.status_code == 403, r.get_json()

    env = {"TTHC_DATABASE_URL": settings.resolved_database_url, "TTHC_DATA_DIR": str(tmp_path / "data"),
           "TTHC_FORMS_DIR": str(settings.forms_dir)}
    done = CliRunner().invoke(main, ["validate", str(path)], env=env)
    assert done.exit_code == 1
    assert f"{path}:{line}: " in done.output and "000.00.77.H56" in done.output
    done = CliRunner().invoke(main, ["validate", str(SAMPLE)], env=env)
    assert done.exit_code == 0, done.output
    with app.extensions["tthc"]["sessions"]() as session:  # nothing created by the attempts
        assert session.scalar(select(Agency).where(Agency.code == "000.00.77.H56")) is None


def test_a_processing_agency_gets_the_processing_steps_and_intake_stays_at_the_ward(api, province, app):
    r = put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "processing_agency": DEPT}]})
    assert r.status_code == 200, r.get_json()
    mine = [a for a in r.get_json()["agencies"] if a["agency"] == WARD_A][0]
    assert mine["processing_agency"] == DEPT and mine["processing_agency_name"] == "Sở Công Thương"
    filed = api.file(CITIZEN, agency=WARD_A)
    code = filed["code"]
    assert code.startswith(WARD_A) and filed["processing_agency"] == DEPT
    assert code not in [t["dossier"] for t in api.get("/api/v1/tasks", "d.canbo").get_json()]
    api.act("a.canbo", code, "receive")
    # the assessment is the department's work; the ward's officers no longer have a task, yet see the dossier
    assert code in [t["dossier"] for t in api.get("/api/v1/tasks", "d.canbo").get_json()]
    assert code not in [t["dossier"] for t in api.get("/api/v1/tasks", "a.canbo").get_json()]
    assert api.get(f"/api/v1/dossiers/{code}", "d.canbo").status_code == 200
    assert api.get(f"/api/v1/dossiers/{code}", "a.canbo").status_code == 200
    assert api.get(f"/api/v1/dossiers/{code}", "b.canbo").status_code == 404
    assert code in [d["code"] for d in api.get("/api/v1/dossiers", "d.canbo").get_json()]
    assert api.get(f"/api/v1/dossiers/{code}/control-slip", "d.canbo").status_code == 200
    assert api.get(f"/api/v1/dossiers/{code}/control-slip", "b.canbo").status_code == 404
    # the department's specialist proposes, in the department's inbox page too
    assert code in Web(app.test_client()).login("d.canbo").get("/can-bo/cong-viec").get_data(as_text=True)
    api.act("d.canbo", code, "propose_approval", {"y_kien_tham_dinh": "Đủ điều kiện"})


def test_replacing_the_list_ends_an_offer_with_open_dossiers_and_deletes_one_without(api, province, app):
    assert put_offers(api, {"agencies": [DEMO, WARD_A, WARD_B]}).status_code == 200
    code = api.file(CITIZEN, agency=WARD_B)["code"]
    r = put_offers(api, {"agencies": [DEMO]})
    assert r.status_code == 200 and offered(api) == [DEMO]
    with app.extensions["tthc"]["sessions"]() as session:
        rows = {a.code: o.active for o, a in session.execute(
            select(ProcedureOffer, Agency).join(Agency, Agency.id == ProcedureOffer.agency_id)
            .join(Procedure, Procedure.id == ProcedureOffer.procedure_id).where(Procedure.code == SAMPLE_CODE))}
        assert rows == {DEMO: True, WARD_B: False}  # B ended (an open dossier), A deleted
        audit = session.scalars(select(AdminEvent).where(AdminEvent.target_kind == "offer")).all()
        assert audit[-1].actor == "tinh.admin" and audit[-1].details == {"ended": [WARD_B], "removed": [WARD_A]}
    # the dossier goes on at B; nobody files there any more
    assert api.get(f"/api/v1/dossiers/{code}", "b.canbo").status_code == 200
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "agency": WARD_B})
    assert r.status_code == 422 and "agency" in r.get_json()["error"]["fields"]
    # a single offer left: the agency may be omitted
    assert api.file(CITIZEN)["code"].startswith(DEMO)


def test_all_communes_and_the_administrator_subtree(api, province, app):
    r = put_offers(api, {"agencies": [], "all_level": "commune"})
    assert r.status_code == 200, r.get_json()
    communes = set(offered(api))
    assert {WARD_A, WARD_B, DEMO} <= communes and DEPT not in communes
    # ward A's administrator may not name ward B, nor may an officer change offers
    r = put_offers(api, {"agencies": [WARD_A, WARD_B]}, user="a.admin")
    assert r.status_code == 403 and WARD_B not in r.get_json()["error"]["message"]
    assert put_offers(api, {"agencies": [WARD_A]}, user="a.canbo").status_code == 403
    # within their subtree, ward A's administrator changes A only: B's offer stays
    r = put_offers(api, {"agencies": [{"agency": WARD_A, "office_hours": {"sat": ["07:30-11:30"]}}]},
                   user="a.admin")
    assert r.status_code == 200, r.get_json()
    assert {WARD_A, WARD_B} <= set(offered(api))
    shown = [a for a in r.get_json()["agencies"] if a["agency"] == WARD_A][0]
    assert shown["office_hours"] == {"sat": ["07:30-11:30"]}


@pytest.mark.parametrize("payload, field", [
    ({"agencies": "x"}, "agencies"),
    ({"agencies": ["000.00.99.H56"]}, "agencies[0].agency"),
    ({"agencies": [{"agency": WARD_A, "processing_agency": 7}]}, "agencies[0].processing_agency"),
    ({"agencies": [{"agency": WARD_A, "fees": {"le_phi": 5000}}]}, "agencies[0].fees.le_phi"),
    ({"agencies": [{"agency": WARD_A, "office_hours": {"mon": ["17:00-07:00"]}}]}, "agencies[0].office_hours.mon"),
    # overlapping, or out of order, spans: no working day has them (the calendar refuses them too)
    ({"agencies": [{"agency": WARD_A, "office_hours": {"mon": ["07:30-11:30", "07:00-12:00"]}}]},
     "agencies[0].office_hours.mon"),
    ({"agencies": [], "all_level": "village"}, "all_level"),
    ({"agencies": [], "other": 1}, "other"),
    ({"all_level": "commune"}, "agencies"),
    ({}, "agencies"),
])
def test_bad_offers_are_422_naming_the_field_and_change_nothing(api, province, payload, field):
    before = offered(api)
    r = put_offers(api, payload)
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"], r.get_json()
    assert offered(api) == before


def test_tthc_offer_lists_and_replaces(province, settings, tmp_path, api):
    env = {"TTHC_DATABASE_URL": settings.resolved_database_url, "TTHC_DATA_DIR": str(tmp_path / "data")}
    done = CliRunner().invoke(main, ["offer", SAMPLE_CODE, "--agency", WARD_A, "--all-communes"], env=env)
    assert done.exit_code == 0, done.output
    assert WARD_A in done.output and "UBND phường Vỹ Dạ" in done.output
    assert {WARD_A, WARD_B, DEMO} <= set(offered(api))
    done = CliRunner().invoke(main, ["offer", SAMPLE_CODE], env=env)
    assert done.exit_code == 0 and WARD_B in done.output
    done = CliRunner().invoke(main, ["offer", SAMPLE_CODE, "--agency", "000.00.99.H56"], env=env)
    assert done.exit_code == 1 and "000.00.99.H56" in done.output


def test_the_portal_names_the_offering_agencies_and_files_where_the_citizen_chooses(api, province, app):
    assert put_offers(api, {"agencies": [DEMO, WARD_A, WARD_B]}).status_code == 200
    page = Web(app.test_client()).get("/thu-tuc").get_data(as_text=True)
    assert "UBND phường Vỹ Dạ" in page and "và 1 cơ quan khác" in page and WARD_B not in page
    page = Web(app.test_client()).get(f"/thu-tuc/{SAMPLE_CODE}").get_data(as_text=True)
    assert "UBND phường An Cựu" in page and "UBND phường Vỹ Dạ" in page
    citizen = Web(app.test_client()).login(CITIZEN)
    page = citizen.get(f"/thu-tuc/{SAMPLE_CODE}/nop").get_data(as_text=True)
    assert f'<option value="{WARD_B}">UBND phường Vỹ Dạ</option>' in page
    r = citizen.file(status=422)  # no agency chosen among three
    assert 'id="agency-error"' in r.get_data(as_text=True)
    r = citizen.post(f"/thu-tuc/{SAMPLE_CODE}/nop", {**_flat(), "agency": WARD_B}, status=302,
                     content_type="multipart/form-data")
    assert r.headers["Location"].split("/ca-nhan/ho-so/")[1].startswith(WARD_B + "-")
    # many offering agencies: the catalogue names two and counts the others; the procedure's page names all
    assert put_offers(api, {"agencies": [DEMO, WARD_A, WARD_B, DEPT]}).status_code == 200
    page = Web(app.test_client()).get("/thu-tuc").get_data(as_text=True)
    assert "và 2 cơ quan khác" in page
    page = Web(app.test_client()).get(f"/thu-tuc/{SAMPLE_CODE}").get_data(as_text=True)
    assert all(name in page for name in ("UBND phường An Cựu", "UBND phường Vỹ Dạ", "Sở Công Thương"))


def _flat() -> dict:
    from web_support import flatten

    return flatten(SAMPLE_FORM)


# -- the administrators' page ----------------------------------------------------------------------------------
PAGE = f"/quan-tri/thu-tuc/{SAMPLE_CODE}/noi-cung-cap"


def test_the_offers_page_ticks_agencies_and_asks_before_one_stops_receiving(api, province, app):
    admin = Web(app.test_client()).login("tinh.admin")
    page = admin.get(PAGE).get_data(as_text=True)
    assert "UBND phường An Cựu" in page and "Sở Công Thương" in page
    r = admin.post(PAGE, {"agency": [DEMO, WARD_A, WARD_B], f"processing.{WARD_A}": DEPT,
                          f"hours.{WARD_B}": "T2 07:30-11:30 13:30-17:00; T7 07:30-11:30"}, status=302)
    assert sorted(offered(api)) == sorted([DEMO, WARD_A, WARD_B])
    shown = {a["agency"]: a for a in api.get(f"/api/v1/procedures/{SAMPLE_CODE}/offers").get_json()["agencies"]}
    assert shown[WARD_A]["processing_agency"] == DEPT
    assert shown[WARD_B]["office_hours"] == {"mon": ["07:30-11:30", "13:30-17:00"], "sat": ["07:30-11:30"]}
    page = admin.get(PAGE).get_data(as_text=True)
    assert "T2 07:30-11:30 13:30-17:00; T7 07:30-11:30" in page

    # unticking B: a confirmation first, nothing changed meanwhile; then confirmed
    r = admin.post(PAGE, {"agency": [DEMO, WARD_A], f"processing.{WARD_A}": DEPT}, status=200)
    assert 'id="confirm-section"' in r.get_data(as_text=True) and "UBND phường Vỹ Dạ" in r.get_data(as_text=True)
    assert WARD_B in offered(api)
    admin.post(PAGE, {"agency": [DEMO, WARD_A], f"processing.{WARD_A}": DEPT, "confirm": "on"}, status=302)
    assert WARD_B not in offered(api)
    with app.extensions["tthc"]["sessions"]() as session:
        events = session.scalars(select(AdminEvent).where(AdminEvent.target_kind == "offer")
                                 .order_by(AdminEvent.id)).all()
        assert [e.actor for e in events] == ["tinh.admin", "tinh.admin"] and events[-1].details == {"removed": [WARD_B]}

    # bad hours: 422 on the page naming the field, nothing changed
    r = admin.post(PAGE, {"agency": [DEMO, WARD_A], f"hours.{WARD_A}": "thứ hai sáng"}, status=422)
    assert 'id="hours-' in r.get_data(as_text=True) and "T2 07:30-11:30" in r.get_data(as_text=True)
    assert 'class="field-error"' in r.get_data(as_text=True)


def test_the_offers_page_stays_within_the_administrator_subtree(api, province, app):
    assert put_offers(api, {"agencies": [DEMO, WARD_B]}).status_code == 200
    ward_admin = Web(app.test_client()).login("a.admin")
    page = ward_admin.get(PAGE).get_data(as_text=True)
    assert "UBND phường An Cựu" in page and "UBND phường Vỹ Dạ" not in page.split("<table")[1]
    ward_admin.post(PAGE, {"agency": [WARD_A, WARD_B]}, status=302)  # B is not theirs: ignored, never removed
    assert sorted(offered(api)) == sorted([DEMO, WARD_A, WARD_B])
    Web(app.test_client()).login("a.canbo").get(PAGE, status=403)
    r = Web(app.test_client()).login("tinh.admin").post(PAGE, {"agency": [WARD_A]}, csrf=False)
    assert r.status_code in (400, 403) and sorted(offered(api)) == sorted([DEMO, WARD_A, WARD_B])


def deploy_with_local_fee(app, tmp_path, settings, clock) -> None:
    """The sample procedure again, its "le_phi" left for each agency to set (feeLocal), and wards A and B
    collecting fees through the gateway."""
    from engine.cases import payments

    text = SAMPLE.read_text(encoding="utf-8")
    declared = '<spiffworkflow:property name="fee.le_phi"'
    assert declared in text
    local = tmp_path / SAMPLE.name
    local.write_text(text.replace(declared, '<spiffworkflow:property name="feeLocal.le_phi" value="true" />\n'
                                            '        ' + declared, 1), encoding="utf-8")
    with app.extensions["tthc"]["sessions"].begin() as session:
        procedures.deploy(session, procedures.load_file(local, settings.forms_dir), clock.now(), "tester")
        for code in (WARD_A, WARD_B):
            payments.configure(session, agencies.by_code(session, code).id, "vnpay", clock.now(), "TTHC",
                               "http://127.0.0.1:9/pay")


def test_a_ward_sets_its_own_amount_of_a_fee_the_procedure_leaves_to_the_province(api, province, app, clock,
                                                                                    tmp_path, settings):
    deploy_with_local_fee(app, tmp_path, settings, clock)
    r = put_offers(api, {"agencies": [DEMO, {"agency": WARD_A, "fees": {"le_phi": 50000}}, WARD_B]})
    assert r.status_code == 200, r.get_json()
    code_a = api.file(CITIZEN, agency=WARD_A)["code"]
    code_b = api.file(CITIZEN, agency=WARD_B)["code"]
    assert api.act("a.canbo", code_a, "receive")["payments"][0]["amount"] == 50000  # A's own amount
    assert api.act("b.canbo", code_b, "receive")["payments"][0]["amount"] == 100000  # the declared one


def test_an_offering_agencys_catalogue_says_full_online_only_where_it_takes_fees_online(api, province, app):
    """D27 with D29: the procedure has fees and declares itself full online; the publishing ward has a payment
    gateway, ward A offers the procedure without one. Ward A's catalogue said "Phí, lệ phí nộp được trực tuyến",
    and a dossier filed there had no way to pay online."""
    from payment_support import configure

    configure(app)  # the demo ward, which publishes the procedure, takes fees online
    assert put_offers(api, {"agencies": [DEMO, WARD_A]}).status_code == 200
    [here] = api.get(f"/api/v1/procedures?agency={DEMO}").get_json()
    [there] = api.get(f"/api/v1/procedures?agency={WARD_A}").get_json()
    assert here["level"] == "full_online" and "Phí, lệ phí nộp được trực tuyến" in here["level_reasons"]
    assert there["level"] == "partial_online", there
    assert "Phí, lệ phí chưa nộp được trực tuyến: cơ quan chưa có cổng thanh toán" in there["level_reasons"]


def test_a_closed_agency_is_no_longer_listed_as_a_place_to_file(api, province, app):
    """An agency closed by its administrator takes no filing (422 agency_not_offering), yet the procedure's page
    and the catalogue still named it among the places to file."""
    assert put_offers(api, {"agencies": [DEMO, WARD_A]}).status_code == 200
    web = Web(app.test_client())
    assert "UBND phường An Cựu" in web.get(f"/thu-tuc/{SAMPLE_CODE}").get_data(as_text=True)
    with app.extensions["tthc"]["sessions"].begin() as session:
        agencies.by_code(session, WARD_A).active = False
    assert "UBND phường An Cựu" not in web.get(f"/thu-tuc/{SAMPLE_CODE}").get_data(as_text=True)
    assert "UBND phường An Cựu" not in web.get("/thu-tuc").get_data(as_text=True)
