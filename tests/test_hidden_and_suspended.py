"""Three small rules of the administrators' and officers' API, each a finding of the reviews:

- an incident outside an administrator's agencies is answered as one that does not exist (404 incident_not_found),
  as dossiers are (api.md: 404 also for what the caller may not see; D29), so that no incident id can be probed;
- nothing proceeds on a dossier an administrator suspended, signing its pending decision included (D35, D22:
  the decision moves the dossier on once signed): 409 dossier_suspended, the request left waiting, signable again
  once the dossier is resumed;
- the inbox's ``procedure`` filter takes a code of the national catalogue's shape (1.001612) or answers 422 naming
  it (api.md Conventions); a well-formed code no task is of lists nothing.

Real SQLite, the demo agency and its sample BPMN, injected time."""
from __future__ import annotations

from pathlib import Path

import pytest
from conftest import PASSWORD, SAMPLE_CODE, STEP_DATA, Api, vn
from test_operations import break_dossier, incidents_of, other_agency_admin, received, row, sweep
from web_support import Web

from engine.process import procedures

ADMIN, LEADER, RECEIVER = "demo.admin", "demo.lanhdao", "demo.tiepnhan"
REASON = {"reason": "Kiểm tra lại hồ sơ"}
PROCESSES = Path(__file__).resolve().parent.parent / "processes"


# -- D29 / api.md: an incident outside one's agencies is not found, like one that does not exist -----------------
def test_an_incident_outside_the_administrators_agencies_is_not_found_like_one_that_does_not_exist(
        api, app, settings, clock):
    """Retrying or skipping another agency's incident answers exactly as for an id no incident has (404
    incident_not_found), never 403, so its existence is not told; its own administrator still acts on it, and
    someone who is no administrator is still refused first (403)."""
    code = received(api)
    start = vn(2026, 11, 24, 8, 0)
    break_dossier(app, code, start)
    sweep(app, settings, start)
    [incident] = incidents_of(app, code)
    outsider = other_agency_admin(app, clock)
    for path, payload in (("retry", None), ("skip", {"reason": "không phải của tôi"})):
        kwargs = {"json": payload} if payload is not None else {}
        theirs = api.post(f"/api/v1/incidents/{incident.id}/{path}", outsider, **kwargs)
        missing = api.post(f"/api/v1/incidents/99999999/{path}", outsider, **kwargs)
        assert (theirs.status_code, theirs.get_json()) == (missing.status_code, missing.get_json())
        assert theirs.status_code == 404 and theirs.get_json()["error"]["code"] == "incident_not_found"
    assert api.post(f"/api/v1/incidents/{incident.id}/retry", RECEIVER).status_code == 403  # not an administrator
    [still] = incidents_of(app, code)
    assert still.state == "open" and still.attempts == incident.attempts  # the outsider changed nothing
    assert api.post(f"/api/v1/incidents/{incident.id}/skip", ADMIN, json=REASON).get_json()["state"] == "skipped"


def test_the_incident_pages_hide_another_agencys_incident_the_same_way(api, app, settings, clock):
    """/quan-tri/su-co: retrying or skipping an incident outside one's agencies answers the page of "not found",
    the same as for an id no incident has."""
    code = received(api)
    start = vn(2026, 11, 24, 8, 0)
    break_dossier(app, code, start)
    sweep(app, settings, start)
    [incident] = incidents_of(app, code)
    web = Web(app.test_client()).login(other_agency_admin(app, clock))
    web.post(f"/quan-tri/su-co/{incident.id}/chay-lai", status=404)
    web.post("/quan-tri/su-co/99999999/chay-lai", status=404)
    web.post(f"/quan-tri/su-co/{incident.id}/bo-qua", {"reason": "không phải của tôi", "confirm": "1"}, status=404)
    assert incidents_of(app, code)[0].state == "open"


# -- nothing proceeds on a suspended dossier: its decision is not signed ------------------------------------------
def test_the_decision_of_a_suspended_dossier_cannot_be_signed_until_it_is_resumed(app):
    """The leader approved (the request waits for their signature), then an administrator suspended the dossier:
    signing answers 409 dossier_suspended in Vietnamese and leaves the request waiting and the dossier where it
    was; once resumed, the same signature goes through."""
    api = Api(app.test_client(), auto_sign=False)
    code = received(api)
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(LEADER, code, "approve", {"y_kien_phe_duyet": "Đồng ý"})
    [waiting] = api.get("/api/v1/signing-requests", LEADER).get_json()
    assert api.post(f"/api/v1/dossiers/{code}/suspend", ADMIN, json=REASON).status_code == 200
    status = row(app, code).status

    refused = api.post(f"/api/v1/signing-requests/{waiting['id']}/sign", LEADER, json={"pin": PASSWORD})
    assert refused.status_code == 409, refused.get_json()
    error = refused.get_json()["error"]
    assert error["code"] == "dossier_suspended" and "tạm dừng" in error["message"]
    [still] = api.get("/api/v1/signing-requests", LEADER).get_json()
    assert (still["id"], still["state"], still["signed_at"]) == (waiting["id"], waiting["state"], None)
    assert row(app, code).status == status

    assert api.post(f"/api/v1/dossiers/{code}/resume", ADMIN, json=REASON).status_code == 200
    signed = api.post(f"/api/v1/signing-requests/{waiting['id']}/sign", LEADER, json={"pin": PASSWORD})
    assert signed.status_code == 200 and signed.get_json()["state"] == "signed", signed.get_json()


# -- api.md Conventions: the inbox's procedure filter is a catalogue code or 422 ----------------------------------
@pytest.mark.parametrize("value", ["abc", "x" * 300, "1.00161", "1.001612-", "1.001612.a01", "١.٠٠١٦١٢", ""])
def test_the_inbox_refuses_a_procedure_filter_that_is_no_catalogue_code(api, value):
    """GET /api/v1/tasks?procedure= takes a code shaped as the national catalogue's (1.001612, 1.001612.H01);
    anything else is invalid input, 422 naming ``procedure``, not an empty list that looks like "no work"."""
    r = api.get("/api/v1/tasks", RECEIVER, query_string={"procedure": value})
    assert r.status_code == 422, (value, r.status_code, r.get_json())
    error = r.get_json()["error"]
    assert error["code"] == "invalid" and set(error["fields"]) == {"procedure"}


def test_the_inbox_filters_by_a_well_formed_procedure_code_and_lists_nothing_for_one_without_work(api):
    """A well-formed code stays a filter: the demo's own procedure lists its task, a code no task is of lists none
    (there is no work for it, not an error)."""
    code = api.file()["code"]
    mine = api.get(f"/api/v1/tasks?procedure={SAMPLE_CODE}", RECEIVER)
    assert mine.status_code == 200 and code in [t["dossier"] for t in mine.get_json()]
    none = api.get("/api/v1/tasks?procedure=9.999999", RECEIVER)
    assert none.status_code == 200 and none.get_json() == []


def test_every_shipped_procedure_code_is_accepted_by_the_inbox_filter(api, settings):
    """Every procedure shipped in processes/ (those the demo deploys) can be asked for by its code."""
    files = sorted(PROCESSES.glob("*/*.bpmn"))
    assert files
    for path in files:
        code = procedures.load_file(path, settings.forms_dir).code
        r = api.get("/api/v1/tasks", RECEIVER, query_string={"procedure": code})
        assert r.status_code == 200, (path.name, code, r.get_json())
