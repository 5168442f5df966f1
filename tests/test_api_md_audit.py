"""api.md read line by line as an integrator (or an acceptance check) reads it, each mismatch the audit found
kept as a test through the real interface: the `tthc` entry point, the Flask test client on the real database.

- "Simulation scenario": the example of api.md, run exactly as written, applies every step; its extension
  reason "x" was refused as too short (a minimum of 3 characters no rule of domain.md asks: D17/D20 ask for a
  reason, and a blank one is still refused). The same 3-character minimum on `issue_apology`'s `reason` (api.md
  "Step kinds and actions"; `POST /dossiers/{code}/letters`) and on `reject_extension`'s is gone as well.
- "Administration": `GET|PUT /api/v1/procedures/{code}/offers` `{"agencies": [...]}`: the body GET answers was
  refused by PUT (422 on `code` and on each offer's `name`, `level`, `processing_agency_name`), so a client could
  not read the list, change it and put it back.
- "Simulation scenario": "`form` and `data` may be partial: the simulator fills the remaining required fields";
  an item of a supplement request given with its component only was not completed (the step failed on
  `items.0.problem` and `items.0.required`): lists of objects were left as given.
- "Command line": `tthc officer add USERNAME --agency ID --role ROLE...`, `tthc offer CODE --agency ID...`:
  several values after one option (`--role specialist clerk`) were refused ("unexpected extra argument"); only
  click's repeated `--role A --role B` was taken. `tthc render TEMPLATE [--data JSON]`: the JSON itself was
  refused ("File '{...' does not exist"); only a file was taken. Both spellings are taken now.
"""
from __future__ import annotations

import json
from pathlib import Path

import pypdf
from click.testing import CliRunner
from sqlalchemy import select

from conftest import iso
from test_cli import Tthc
from engine.cli import main
from engine.data.model import User

ROOT = Path(__file__).resolve().parent.parent

# api.md, "Simulation scenario", verbatim (its procedure path is relative to the repository's root)
API_MD_SCENARIO = """{"procedure": "processes/ho-kinh-doanh/ho-kinh-doanh.bpmn",
 "steps": [
   {"at": "2026-02-13T16:30:00+07:00", "do": "file", "form": {}},
   {"at": "2026-02-23T08:00:00+07:00", "do": "receive"},
   {"at": "2026-02-24T09:00:00+07:00", "do": "request_extension", "data": {"working_days": 1, "reason": "x"}},
   {"at": "2026-02-24T10:00:00+07:00", "do": "confirm_extension"},
   {"at": "2026-03-05T08:00:00+07:00", "do": "tick"}
 ]}
"""


def test_the_api_md_simulation_example_runs_as_written_and_every_step_applies(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    scenario = tmp_path / "scenario.json"
    scenario.write_text(API_MD_SCENARIO, encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(scenario)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    events = out["events"]
    assert not [e for e in events if e["type"] in ("step_failed", "rule_refused")], events
    seen = [(e["type"], e["at"]) for e in events]
    assert ("extension_requested", iso(2026, 2, 24, 9, 0)) in seen
    # the department leader confirmed; the centre's confirmation (D17) is still awaited, so the date holds
    assert [e for e in events if e["at"] == iso(2026, 2, 24, 10, 0)][0]["type"] == "confirm_extension"
    assert out["dossier"]["due_at"] == iso(2026, 2, 26, 8, 0) and out["dossier"]["status"] == 4


def test_short_reasons_of_apologies_and_rejected_extensions_are_taken_and_blank_ones_refused(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"procedure": "processes/ho-kinh-doanh/ho-kinh-doanh.bpmn", "steps": [
        {"at": "2026-11-23T09:00:00+07:00", "do": "file", "form": {}},
        {"at": "2026-11-23T09:30:00+07:00", "do": "receive"},
        {"at": "2026-11-24T09:00:00+07:00", "do": "request_extension", "data": {"working_days": 1, "reason": "x"}},
        {"at": "2026-11-24T10:00:00+07:00", "do": "reject_extension", "data": {"reason": " "}},
        {"at": "2026-11-24T10:30:00+07:00", "do": "reject_extension", "data": {"reason": "x"}},
        {"at": "2026-11-30T09:00:00+07:00", "do": "tick"},
        {"at": "2026-11-30T10:00:00+07:00", "do": "issue_apology", "data": {"reason": "\t"}},
        {"at": "2026-11-30T10:30:00+07:00", "do": "issue_apology", "data": {"reason": "x"}},
    ]}), encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(scenario)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    failed = [(e["at"], e["do"], e["fields"]) for e in out["events"] if e["type"] == "step_failed"]
    assert failed == [(iso(2026, 11, 24, 10, 0), "reject_extension", {"reason": "Không được để trống"}),
                      (iso(2026, 11, 30, 10, 0), "issue_apology", {"reason": "Không được để trống"})], failed
    (letter,) = out["dossier"]["letters"]
    assert letter["kind"] == "apology" and letter["issued_at"] == iso(2026, 11, 30, 10, 30)
    assert letter["reason"].endswith(": x") and out["dossier"]["extensions"] == 0, letter


# -- "Conventions": an error's "fields" name the request's own fields -------------------------------------
def test_an_extension_over_the_cap_names_the_field_the_request_used(api):
    """api.md: `request_extension` data is `{"working_hours"|"working_days": n, "reason"}`; a request in working
    days over the D18 cap (1/3 of 3 working days: 1 day) was answered `fields: {"working_hours": ...}`, a field
    the client never sent."""
    code = api.file()["code"]
    api.act("demo.tiepnhan", code, "receive")
    for field, amount in (("working_days", 2), ("working_hours", 9)):
        task = api.task_for("demo.chuyenvien", code)
        r = api.post(f"/api/v1/tasks/{task['id']}/complete", "demo.chuyenvien",
                     json={"action": "request_extension", "data": {field: amount, "reason": "Cần xác minh thêm"}})
        assert r.status_code == 422, r.get_json()
        error = r.get_json()["error"]
        assert error["rule"] == "D18" and list(error["fields"]) == [field], error


# -- "Administration": offers, read and put back ------------------------------------------------------------
def test_the_offers_get_answers_can_be_put_back_and_changed(api):
    offers = "/api/v1/procedures/1.001612/offers"
    admin = api.headers("demo.admin")
    read = api.get(offers)
    assert read.status_code == 200
    body = read.get_json()
    r = api.client.put(offers, json=body, headers=admin)  # as read: nothing changes
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == body
    body["agencies"][0]["office_hours"] = {"mon": ["07:30-11:30"]}  # read, changed, put back
    r = api.client.put(offers, json=body, headers=admin)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["agencies"][0]["office_hours"] == {"mon": ["07:30-11:30"]}
    r = api.client.put(offers, json={**body, "code": "1.000656"}, headers=admin)  # another procedure's code
    assert r.status_code == 422 and list(r.get_json()["error"]["fields"]) == ["code"], r.get_json()
    assert api.get(offers).get_json()["agencies"][0]["office_hours"] == {"mon": ["07:30-11:30"]}


# -- "Simulation scenario": partial data, completed however deep --------------------------------------------
def test_a_partial_item_of_a_simulated_supplement_request_is_completed(tmp_path, monkeypatch):
    monkeypatch.chdir(ROOT)
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"procedure": "processes/ho-kinh-doanh/ho-kinh-doanh.bpmn", "steps": [
        {"at": "2026-11-23T09:00:00+07:00", "do": "file", "form": {}},
        {"at": "2026-11-23T09:30:00+07:00", "do": "request_supplement",
         "data": {"items": [{"component": "Giấy đề nghị đăng ký hộ kinh doanh"}]}},
        {"at": "2026-11-24T09:00:00+07:00", "do": "supplement", "form": {}},
        {"at": "2026-11-24T09:30:00+07:00", "do": "receive"},
    ]}), encoding="utf-8")
    result = CliRunner().invoke(main, ["simulate", str(scenario)], env={"TTHC_DATA_DIR": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert [e["type"] for e in out["events"]] == ["filed", "supplement_requested", "supplemented", "received",
                                                  "forwarded"], out["events"]
    assert out["dossier"]["supplement_requests"] == 1 and out["dossier"]["status"] == 4


# -- "Command line": `--role ROLE...`, `--agency ID...`, `--data JSON` as api.md spells them ----------------
def test_several_roles_and_agencies_follow_one_option_as_api_md_writes_them(tmp_path):
    tthc = Tthc(tmp_path)  # `tthc ...` on its own SQLite file (tests/test_cli.py)
    assert tthc("agency", "add", "000.00.00.H56", "--name", "UBND tỉnh", "--level", "province").exit_code == 0
    for ward in ("000.00.06.H56", "000.00.32.H56"):
        r = tthc("agency", "add", ward, "--name", f"Phường {ward}", "--level", "commune", "--parent", "000.00.00.H56")
        assert r.exit_code == 0, r.output
    r = tthc("officer", "add", "a.canbo", "--agency", "000.00.06.H56", "--role", "specialist", "clerk",
             "--password", "mat-khau-1")
    assert r.exit_code == 0, r.output
    r = tthc("officer", "add", "--agency", "000.00.06.H56", "--role", "receiving_officer", "b.canbo")
    assert r.exit_code == 0, r.output  # a value that is no role stays the USERNAME
    r = tthc("officer", "add", "c.canbo", "--agency", "000.00.06.H56", "--role", "specialist", "--role", "clerk",
             "--password", "mat-khau-1")
    assert r.exit_code == 0, r.output  # click's own spelling still
    with tthc.session() as session:
        roles = {u.username: u.roles for u in session.scalars(select(User))}
    assert roles == {"a.canbo": {"specialist", "clerk"}, "b.canbo": {"receiving_officer"},
                     "c.canbo": {"specialist", "clerk"}}
    assert tthc("deploy", str(ROOT / "processes" / "ho-kinh-doanh" / "ho-kinh-doanh.bpmn")).exit_code == 0
    r = tthc("offer", "1.001612", "--agency", "000.00.06.H56", "000.00.32.H56")
    assert r.exit_code == 0, r.output
    r = tthc("offer", "1.001612")
    assert sorted(line.split("\t")[0] for line in r.stdout.splitlines()) == ["000.00.06.H56", "000.00.32.H56"]
    r = tthc("offer", "--agency", "000.00.06.H56", "1.001612")  # the code after the option stays the CODE
    assert r.exit_code == 0, r.output
    assert [line.split("\t")[0] for line in tthc("offer", "1.001612").stdout.splitlines()] == ["000.00.06.H56"]


def test_render_takes_the_data_as_json_text_or_as_a_file(tmp_path):
    folder = ROOT / "processes" / "khai-sinh"
    env = {"TTHC_DATA_DIR": str(tmp_path / "data")}
    sample = json.loads((folder / "sample.json").read_text(encoding="utf-8"))
    sample["form"]["tre"]["ho_ten"] = "Lê Thị Văn Bản"
    data = json.dumps(sample, ensure_ascii=False)

    def text_of(pdf) -> str:
        return " ".join(page.extract_text() for page in pypdf.PdfReader(pdf).pages)

    r = CliRunner().invoke(main, ["render", str(folder), "--data", data, "-o", str(tmp_path / "a.pdf")], env=env)
    assert r.exit_code == 0, r.output
    (tmp_path / "data.json").write_text(data, encoding="utf-8")
    r = CliRunner().invoke(main, ["render", str(folder), "--data", str(tmp_path / "data.json"),
                                  "-o", str(tmp_path / "b.pdf")], env=env)
    assert r.exit_code == 0, r.output
    assert "Lê Thị Văn Bản".upper() in text_of(tmp_path / "a.pdf").upper()
    assert text_of(tmp_path / "a.pdf") == text_of(tmp_path / "b.pdf")
    for bad in ("{not json", str(tmp_path / "missing.json")):
        r = CliRunner().invoke(main, ["render", str(folder), "--data", bad, "-o", str(tmp_path / "c.pdf")], env=env)
        assert r.exit_code == 2 and "--data" in r.output and not (tmp_path / "c.pdf").exists(), r.output


def test_the_list_of_dossiers_says_late_as_the_dossier_itself_does(api, clock):
    """api.md "Dossiers": `GET /api/v1/dossiers` lists the dossiers of `GET /api/v1/dossiers/{code}`. The list read
    `late` from the record alone, which the timer service writes on its next round: a dossier past its due date
    was late on its own page and not late in the list. Received Mon 23/11/2026 09:00, 3 working days (Tuesday 24/11
    is off): due Fri 27/11 09:00; on Fri 27/11 10:00, before any timer round, both say late."""
    from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM, vn

    code = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM}).get_json()["code"]
    api.act("demo.tiepnhan", code, "receive")
    clock.set(vn(2026, 11, 27, 10, 0))
    api.tokens.clear()  # the tokens of Monday have expired: sign in again
    one = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    answer = api.get("/api/v1/dossiers", CITIZEN).get_json()
    assert isinstance(answer, list), answer
    [listed] = [d for d in answer if d["code"] == code]
    assert one["late"] is True and listed["late"] is True
    assert listed["remaining"] == one["remaining"]
    [officers] = [d for d in api.get("/api/v1/dossiers", "demo.tiepnhan").get_json() if d["code"] == code]
    assert officers["late"] is True
