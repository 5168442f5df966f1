"""D11b, D17, D20 with D29: the receiving agency may differ from the processing agency. The demo's ward Thuận Hóa
(000.00.06.H56) receives the household-business registration (1.001612) and the Sở Tài chính (000.00.10.H56)
processes it, as Thuận Hóa's offer says; the ward Phú Xuân (000.00.07.H56) receives and processes its own.

- A second supplement request of kind "other" made during processing by the Sở's specialist owes an apology
  (D11b) signed by the head of the unit at fault (D20): the Sở's head, not the receiving ward's.
- An extension (D17) is requested by the Sở's specialist, confirmed by the Sở's department leader, then by the
  one-stop centre, which is the receiving ward's (demo.giamdoc): only then the appointment moves, and the
  letter is signed by the head of the Sở, which could not finish in time.
- In the ward Phú Xuân the one-stop section is led by the ward's head (phuxuan.thutruong): they confirm its
  extensions (engine/cli/demo.py).

Timeline: filed and received Wed 22/04/2026 09:00; 3 working days, Mon 27/04/2026 off (Giỗ Tổ Hùng Vương's
substitute day): due Tue 28/04/2026 09:00. An extension of one working day (1/3 of 3, D18), asked Thu 23/04
(more than one working day before the due), moves it to Wed 29/04/2026 09:00.
"""
from __future__ import annotations

from datetime import datetime

import pytest
from conftest import CITIZEN, PASSWORD, SAMPLE_FORM, STEP_DATA, iso, password_hash, settings_with_keys, vn
from test_offers import put_offers

from engine.cases import accounts
from engine.cli.demo import AGENCIES, HOURS, province_officers
from engine.core.clock import VN_TZ
from engine.data import agencies
from engine.data.agency_model import Agency
from engine.paperwork import results

THUAN_HOA, PHU_XUAN, SO_TAI_CHINH = "000.00.06.H56", "000.00.07.H56", "000.00.10.H56"
SO_HEAD, WARD_HEAD, PHU_XUAN_HEAD = "Đoàn Văn Khánh", "Hoàng Văn Trưởng", "Lê Quang Vinh"
KEYS_ISSUED = datetime(2026, 4, 1, 8, 0, tzinfo=VN_TZ)
EXTENSION = {"working_days": 1, "reason": "Cần xác minh thêm địa điểm kinh doanh tại Sở"}


@pytest.fixture(scope="module")
def pki_april(tmp_path_factory):
    """Keys issued on 01/04/2026 (the session's PKI is issued at the real time of the run), for this file's
    officers only: the province's agencies and officers get theirs here, never in the shared directory."""
    return tmp_path_factory.mktemp("pki-april-2026")


@pytest.fixture
def settings(database_url, tmp_path, pki_april):
    return settings_with_keys(tmp_path / "data", database_url, pki_april, KEYS_ISSUED)


@pytest.fixture
def province(app, api, clock, settings):
    """The demo province's agencies and officers (engine/cli/demo.py, as `tthc demo load` makes them) on the
    tests' database; Thuận Hóa's offer names the Sở Tài chính as its processing agency, Phú Xuân offers it too."""
    clock.set(vn(2026, 4, 22, 8, 0))
    with app.extensions["tthc"]["sessions"].begin() as session:
        made: dict[str, Agency] = {}
        for code, name, level, parent, address in AGENCIES:
            agency = agencies.by_code(session, code) or Agency(code=code, name=name)
            agency.level, agency.address, agency.active = level, address, True
            agency.office_hours = agency.office_hours or HOURS
            made[code] = agencies.place(session, agency, made[parent] if parent else None)
        shared = password_hash()
        for username, name, roles, code in province_officers():
            accounts.ensure_officer(session, clock.now(), username, name, roles, made[code], PASSWORD,
                                    password_hash=shared)
        results.ensure_keys(session, settings, KEYS_ISSUED, pin=PASSWORD)
    r = put_offers(api, {"agencies": [{"agency": THUAN_HOA, "processing_agency": SO_TAI_CHINH}, PHU_XUAN]},
                   user="demo.admin")
    assert r.status_code == 200, r.get_json()
    return app


def received(api, clock, agency: str, receiver: str) -> str:
    clock.set(vn(2026, 4, 22, 9, 0))
    filed = api.file(CITIZEN, agency=agency)
    after = api.act(receiver, filed["code"], "receive")
    assert after["due_at"] == iso(2026, 4, 28, 9, 0), after["due_at"]
    return filed["code"]


def letter_signers(api, code: str) -> list[str]:
    """The personal signers of the dossier's apology letters (Mẫu 04) as the citizen's dossier shows them."""
    shown = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    return sorted(s["signer"] for d in shown["documents"] if d["kind"] == "apology"
                  for s in d["signatures"] if s.get("organisation") is None or s["signer"] != s["organisation"])


def tasks(api, user: str, code: str) -> list[dict]:
    r = api.get("/api/v1/tasks", user)
    assert r.status_code == 200, r.get_json()
    return [t for t in r.get_json() if t["dossier"] == code]


def test_a_second_request_during_processing_at_the_department_is_apologised_for_by_its_head(api, clock,
                                                                                          province):
    code = received(api, clock, THUAN_HOA, "demo.tiepnhan")
    clock.set(vn(2026, 4, 22, 10, 0))
    api.act("sotaichinh.chuyenvien", code, "request_supplement", STEP_DATA["request_supplement"])
    clock.set(vn(2026, 4, 22, 11, 0))
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM, "note": "Đã bổ sung"})
    assert r.status_code == 200, r.get_json()
    clock.set(vn(2026, 4, 22, 14, 0))
    reason = {"kind": "other", "explanation": "Hướng dẫn lần trước chưa nêu yêu cầu về hợp đồng thuê"}
    items = [{"component": "Hợp đồng thuê hoặc giấy tờ chứng minh quyền sử dụng chỗ ở làm trụ sở hộ kinh doanh",
              "problem": "Chưa có", "required": "Tải lên hợp đồng thuê"}]
    after = api.act("sotaichinh.chuyenvien", code, "request_supplement", {"items": items, "second_reason": reason})
    assert after["supplement_requests"] == 2 and [x["kind"] for x in after["letters"]] == ["apology"]
    assert letter_signers(api, code) == [SO_HEAD]  # the Sở's head (D20), never the receiving ward's


def test_the_receiving_wards_centre_confirms_the_departments_extension_signed_by_the_departments_head(
        api, clock, province):
    code = received(api, clock, THUAN_HOA, "demo.tiepnhan")
    clock.set(vn(2026, 4, 23, 10, 0))
    api.act("sotaichinh.chuyenvien", code, "request_extension", EXTENSION)
    clock.set(vn(2026, 4, 23, 11, 0))
    api.act("sotaichinh.lanhdao", code, "confirm_extension")
    assert tasks(api, "sotaichinh.lanhdao", code) == [] and tasks(api, "sotaichinh.thutruong", code) == []
    [item] = tasks(api, "demo.giamdoc", code)  # the one-stop's confirmation, in the receiving ward (D17)
    assert item["role"] == "centre_director", item
    clock.set(vn(2026, 4, 23, 14, 0))
    done = api.act("demo.giamdoc", code, "confirm_extension")
    assert done["due_at"] == iso(2026, 4, 29, 9, 0) and done["original_due_at"] == iso(2026, 4, 28, 9, 0)
    assert done["extensions"] == 1 and [x["kind"] for x in done["letters"]] == ["apology"]
    assert done["letters"][0]["new_due_at"] == iso(2026, 4, 29, 9, 0)
    assert letter_signers(api, code) == [SO_HEAD]
    assert WARD_HEAD not in letter_signers(api, code)


def test_a_phu_xuan_extension_is_confirmed_by_the_wards_head_leading_its_one_stop(api, clock, province):
    code = received(api, clock, PHU_XUAN, "phuxuan.tiepnhan")
    clock.set(vn(2026, 4, 23, 10, 0))
    api.act("phuxuan.chuyenvien", code, "request_extension", EXTENSION)
    api.act("phuxuan.lanhdao", code, "confirm_extension")
    clock.set(vn(2026, 4, 23, 14, 0))
    done = api.act("phuxuan.thutruong", code, "confirm_extension")
    assert done["due_at"] == iso(2026, 4, 29, 9, 0) and done["extensions"] == 1
    assert letter_signers(api, code) == [PHU_XUAN_HEAD]
