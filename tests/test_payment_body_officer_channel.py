"""Two API defects (reviewer rvapi): api.md documents "POST /api/v1/dossiers/{code}/payments" with no body, yet
the engine answered 400 malformed_json without one (with an Idempotency-Key too); and an officer created through
the API (or imported) without email or phone was given an activation code that went nowhere and was shown to
nobody, so that the account could never be activated."""
from __future__ import annotations

import io

from conftest import CITIZEN, OFFICERS, SAMPLE_CODE, SAMPLE_FORM, vn
from payment_support import configure
from staff_support import ADMIN_A, build_province, last_code, user_row

NO_CHANNEL = "Cần thư điện tử hoặc số điện thoại để gửi mã kích hoạt"


def waiting_for_its_fee(app, api, clock) -> str:
    configure(app)
    clock.set(vn(2026, 11, 23, 9, 0))
    code = api.file()["code"]
    clock.set(vn(2026, 11, 23, 9, 30))
    assert api.act(OFFICERS["intake"], code, "receive")["status"] == 6
    return code


def test_the_citizen_starts_a_payment_without_a_body(app, api, clock):
    code = waiting_for_its_fee(app, api, clock)
    r = api.post(f"/api/v1/dossiers/{code}/payments", CITIZEN)
    assert r.status_code == 201, r.get_json()
    assert set(r.get_json()) == {"id", "redirect_url"}


def test_the_citizen_starts_a_payment_without_a_body_under_an_idempotency_key(app, api, clock):
    code = waiting_for_its_fee(app, api, clock)
    key = {"Idempotency-Key": "pay-20261123-1"}
    first = api.client.post(f"/api/v1/dossiers/{code}/payments", headers={**api.headers(CITIZEN), **key})
    assert first.status_code == 201, first.get_json()
    again = api.client.post(f"/api/v1/dossiers/{code}/payments", headers={**api.headers(CITIZEN), **key})
    assert again.status_code == 201 and again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json() == first.get_json()
    # no body is told as {}: the same key with an empty object is the same request
    same = api.client.post(f"/api/v1/dossiers/{code}/payments", headers={**api.headers(CITIZEN), **key}, json={})
    assert same.status_code == 201 and same.get_json()["id"] == first.get_json()["id"]


def test_a_body_that_is_no_object_is_still_refused(app, api, clock):
    code = waiting_for_its_fee(app, api, clock)
    for data in ("[]", "{"):
        r = api.post(f"/api/v1/dossiers/{code}/payments", CITIZEN, data=data, content_type="application/json")
        assert r.status_code == 400 and r.get_json()["error"]["code"] == "malformed_json", (data, r.get_json())


def test_filing_without_a_body_is_refused_as_before_and_leaves_the_key_unused(app, api, clock):
    clock.set(vn(2026, 11, 23, 9, 0))
    r = api.post("/api/v1/dossiers", CITIZEN)
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "malformed_json"
    key = {"Idempotency-Key": "file-20261123-1"}
    r = api.client.post("/api/v1/dossiers", headers={**api.headers(CITIZEN), **key})
    assert r.status_code == 400 and r.get_json()["error"]["code"] == "malformed_json"
    r = api.client.post("/api/v1/dossiers", headers={**api.headers(CITIZEN), **key},
                        json={"procedure": SAMPLE_CODE, "form": SAMPLE_FORM})
    assert r.status_code == 201 and r.headers.get("Idempotent-Replayed") is None, r.get_json()


def test_openapi_says_the_payment_body_may_be_left_out(api):
    spec = api.get("/api/v1/openapi.json").get_json()
    assert spec["paths"]["/api/v1/dossiers/{code}/payments"]["post"]["requestBody"]["required"] is False
    assert spec["paths"]["/api/v1/dossiers"]["post"]["requestBody"]["required"] is True


def test_an_officer_without_email_or_phone_is_refused_by_the_api(app, api, clock):
    clock.set(vn(2026, 11, 23, 10, 0))
    officer = {"username": "cb.nochan", "full_name": "Không Kênh", "agency": "000.00.06.H56", "roles": ["specialist"]}
    r = api.post("/api/v1/officers", "demo.admin", json=officer)
    assert r.status_code == 422, r.get_json()
    assert r.get_json()["error"]["fields"] == {"email": NO_CHANNEL}
    assert user_row(app, "cb.nochan") is None
    r = api.post("/api/v1/officers", "demo.admin", json={**officer, "email": None, "phone": None})
    assert r.status_code == 422 and r.get_json()["error"]["fields"] == {"email": NO_CHANNEL}
    r = api.post("/api/v1/officers", "demo.admin", json={**officer, "phone": "0912000333"})
    assert r.status_code == 201 and r.get_json()["activated"] is False, r.get_json()
    assert last_code(app, "cb.nochan")
    r = api.post("/api/v1/officers", "demo.admin", json={**officer, "username": "cb.email", "email": "cb@example.vn"})
    assert r.status_code == 201, r.get_json()


def test_an_imported_row_without_email_or_phone_is_skipped(app, api, clock):
    build_province(app)
    clock.set(vn(2026, 11, 23, 10, 0))
    csv = ("username,full_name,agency,roles,email,phone\n"
           "khong.kenh,Không Kênh,000.00.31.H56,clerk,,\n"
           "co.sdt,Có Số,000.00.31.H56,clerk,,0912000444\n")
    r = api.post("/api/v1/officers/import", ADMIN_A, content_type="multipart/form-data",
                 data={"file": (io.BytesIO(csv.encode()), "staff.csv")})
    assert r.status_code == 200, r.get_json()
    rows = {row["username"]: row for row in r.get_json()["rows"]}
    assert rows["khong.kenh"]["status"] == "skipped" and rows["khong.kenh"]["fields"] == {"email": NO_CHANNEL}
    assert rows["co.sdt"]["status"] == "created"
    assert user_row(app, "khong.kenh") is None and last_code(app, "co.sdt")
