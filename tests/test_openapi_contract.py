"""The JSON API and its OpenAPI description agree both ways (issue #11, item 16).

A method a path does not offer is a 405 with an Allow header (not a 404 from a catch-all), OPTIONS advertises
only the real methods, query parameters accept only what openapi.json documents, and a schemathesis run with
every check, over every operation, as every role and as nobody, finds nothing: every status answered is
documented, every request the schemas accept is taken (or refused by a rule openapi.json names in the 422's
``x-rules``), every request they refuse is refused, and no answer is a 500.

The run is in-process (WSGI) on SQLite with the demo data and one filed dossier, derandomized with a fixed seed
and a bounded number of examples, so it gives the same verdict on every machine. The schemathesis run is one file
per role (test_openapi_contract_as_<role>.py, made with contract_support.py), so that workers share the runs.
"""
from __future__ import annotations

import re

import pytest
from conftest import CITIZEN, SAMPLE_CODE, SAMPLE_FORM
from contract_support import backend  # noqa: F401 (a fixture: SQLite only)


# -- 405 and Allow ---------------------------------------------------------------------------------------------
def _api_rules(app):
    return [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]


CONVERTED = {"login_name": "001099000001"}  # a value each custom converter accepts


def _concrete(rule) -> str:
    return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: CONVERTED.get(m.group(1) or "") or (
        "1" if m.group(1) == "int" or m.group(2).endswith("id") else "X"), rule.rule)


def test_a_method_a_path_does_not_offer_is_405_with_allow_and_the_json_error(app):
    client = app.test_client()
    by_path: dict[str, set[str]] = {}
    for rule in _api_rules(app):
        by_path.setdefault(_concrete(rule), set()).update(rule.methods)
    assert len(by_path) >= 20
    for path, offered in by_path.items():
        for method in sorted({"GET", "POST", "PUT", "PATCH", "DELETE"} - offered):
            r = client.open(path, method=method)
            assert r.status_code == 405, (method, path, r.status_code)
            assert set(r.headers["Allow"].split(", ")) == offered, (method, path, r.headers["Allow"])
            assert r.get_json()["error"]["code"] == "method_not_allowed"


def test_options_advertises_only_the_methods_of_the_path(app):
    client = app.test_client()
    r = client.options("/api/v1/dossiers")
    assert r.status_code == 200
    assert set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}
    r = client.options("/api/v1/tasks/1/claim")
    assert set(r.headers["Allow"].split(", ")) == {"OPTIONS", "POST"}


def test_unknown_api_paths_are_404_no_such_endpoint_for_every_method(app):
    client = app.test_client()
    for method in ("GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"):
        for path in ("/api/v1/khong-co", "/api/v1/tasks/abc/claim", "/api/v2/dossiers"):
            r = client.open(path, method=method)
            assert r.status_code == 404, (method, path)
            assert r.get_json()["error"]["code"] == "no_such_endpoint"
            assert "Allow" not in r.headers


def test_pages_answer_405_with_allow_too(app):
    r = app.test_client().delete("/dang-nhap")
    assert r.status_code == 405 and set(r.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS", "POST"}


# -- query parameters ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("query, field", [
    ("overdue=banana", "overdue"), ("mine=yes", "mine"), ("mine=", "mine"), ("overdue=True", "overdue"),
    ("role=khong_co", "role"), ("role=citizen", "role"), ("due_before=2026-12-01", "due_before"),
    ("due_before=20261201T000000%2B0700", "due_before"), ("due_before=2026-12-01T00:00:00", "due_before"),
])
def test_task_filters_accept_only_documented_values(api, query, field):
    r = api.get(f"/api/v1/tasks?{query}", "demo.tiepnhan")
    assert r.status_code == 422, (query, r.status_code)
    assert field in r.get_json()["error"]["fields"]


@pytest.mark.parametrize("query", ["mine=true", "mine=false", "mine=1", "mine=0", "overdue=true&mine=0",
                                   "role=receiving_officer", "due_before=2026-12-01T00:00:00Z",
                                   "due_before=2026-12-01t00:00:00.1234567%2B07:00"])
def test_task_filters_take_every_documented_spelling(api, query):
    assert api.get(f"/api/v1/tasks?{query}", "demo.tiepnhan").status_code == 200, query


def test_overdue_false_lists_what_no_filter_lists(api):
    api.file()
    everything = api.get("/api/v1/tasks", "demo.tiepnhan").get_json()
    assert everything and api.get("/api/v1/tasks?overdue=0", "demo.tiepnhan").get_json() == everything


@pytest.mark.parametrize("query, field", [
    (f"cccd={CITIZEN}%0A", "cccd"), ("cccd=%D9%A1%D9%A2%D9%A3%D9%A4%D9%A5%D9%A6%D9%A7%D9%A8%D9%A9%D9%A0%D9%A1%D9%A2",
                                     "cccd"), ("cccd=abc", "cccd"), ("status=0", "status"), ("status=", "status"),
])
def test_dossier_filters_accept_only_documented_values(api, query, field):
    r = api.get(f"/api/v1/dossiers?{query}", CITIZEN)
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"], (query, r.status_code)


@pytest.mark.parametrize("query, field", [("from=", "from"), ("to=20261201", "to"), ("to=2026-W48-1", "to"),
                                          ("format=docx", "format")])
def test_register_filters_accept_only_documented_values(api, query, field):
    r = api.get(f"/api/v1/register?{query}", "demo.tiepnhan")
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"], (query, r.status_code)


# -- bodies: what the schemas refuse, the server refuses -------------------------------------------------------
CITIZEN_BODY = {"full_name": "Lê Văn Mới", "cccd": "079099000321", "cccd_issued_on": "2020-05-06",
                "phone": "0912345678", "password": "mat-khau-dai"}


@pytest.mark.parametrize("field, value", [
    ("cccd", "079099000321\n"), ("cccd", "٠٧٩٠٩٩٠٠٠٣٢١"), ("phone", "0912345678\n"), ("email", "a@b.vn\n"),
    ("cccd_issued_on", "20200506"), ("cccd_issued_on", "2020-W19-3"), ("cccd_issued_on", "1800-01-01"),
])
def test_registration_refuses_what_the_schema_refuses(api, field, value):
    r = api.client.post("/api/v1/citizens", json={**CITIZEN_BODY, field: value})
    assert r.status_code == 422 and field in r.get_json()["error"]["fields"], (field, value, r.get_json())


def test_registration_takes_a_null_email_as_no_email(api):
    assert api.client.post("/api/v1/citizens", json={**CITIZEN_BODY, "email": None}).status_code == 201


@pytest.mark.parametrize("owner_field, value", [("cccd", "001099000009\n"), ("birth_date", "19900102")])
def test_filing_for_someone_refuses_what_the_schema_refuses(api, owner_field, value):
    owner = {"full_name": "Trần Thị Bình", "birth_date": "1990-01-02", "cccd": "079099000777", owner_field: value}
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM, "owner": owner})
    assert r.status_code == 422 and f"owner.{owner_field}" in r.get_json()["error"]["fields"], r.get_json()


@pytest.mark.parametrize("channel", ["", 0, False, "web"])
def test_a_channel_outside_the_enum_is_refused(api, channel):
    r = api.post("/api/v1/dossiers", CITIZEN, json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM,
                                                    "channel": channel})
    assert r.status_code == 422 and "channel" in r.get_json()["error"]["fields"], channel


def test_a_null_channel_is_the_callers_usual_channel(api):
    assert api.file(channel=None)["channel"] == "online"


# -- the document itself ---------------------------------------------------------------------------------------
def test_every_operation_documents_400_405_and_its_error_statuses(app):
    doc = app.test_client().get("/api/v1/openapi.json").get_json()
    for path, item in doc["paths"].items():
        for method, op in item.items():
            statuses = set(op["responses"])
            assert {"400", "405"} <= statuses, (method, path)
            assert "Allow" in op["responses"]["405"]["headers"]
            if op.get("security"):
                assert "401" in statuses, (method, path)
            if "requestBody" in op:
                assert {"413", "422"} <= statuses, (method, path)
            assert "500" not in statuses


def test_every_role_has_its_schemathesis_run():
    """Each role (and nobody) has its file test_openapi_contract_as_<role>.py with the run as that role."""
    from pathlib import Path

    from contract_support import ROLES

    folder = Path(__file__).parent
    files = {p.name: p.read_text(encoding="utf-8") for p in folder.glob("test_openapi_contract_as_*.py")}
    assert set(files) == {f"test_openapi_contract_as_{role}.py" for role in ROLES}
    for role in ROLES:
        text = files[f"test_openapi_contract_as_{role}.py"]
        assert f'ROLE = "{role}"' in text and "test_the_api_matches_its_openapi = schema_test()" in text
