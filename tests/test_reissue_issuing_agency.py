"""A re-issued result (cấp lại, đính chính) is written in the name of the agency that processes the dossier and
numbered in its register, like the first result (D22, D29); a number is never given twice (Nghị định
30/2020/NĐ-CP).

The demo's ward Thuận Hóa receives the household-business registration and the Sở Tài chính processes it (the
ward's offer names it); the ward Phú Xuân receives and processes its own (tests/test_processing_agency_letters).

- A result of the Sở, re-issued by the Sở's clerk, is signed by the Sở's head (not the receiving ward's) and takes
  the Sở register's next number (2/GCN-UBND after the first result's 1/GCN-UBND); the ward's register is not used.
- A number the clerk types is taken only if it is the one the register gives: another dossier's number (a
  duplicate) or a number ahead of the register is refused (422 document_number_mismatch), nothing is recorded and
  the register does not move; the next dossier then takes the next number, not a duplicate.

Timeline: filed and received Wed 22/04/2026 09:00 (Vietnam time), decided and issued Thu 23/04/2026 10:00,
re-issued Fri 24/04/2026 09:30.
"""
from __future__ import annotations

import pytest
from conftest import CITIZEN, STEP_DATA, sign_requested, vn
from sqlalchemy import select
from test_processing_agency_letters import (  # noqa: F401 - fixtures
    PHU_XUAN, PHU_XUAN_HEAD, SO_HEAD, SO_TAI_CHINH, THUAN_HOA, WARD_HEAD, pki_april, province, received, settings)

from engine.data import agencies
from engine.data.model import NumberRegister


def issued(api, clock, agency: str, prefix: str) -> str:
    """A dossier received at ``agency`` and processed by the agency whose officers are ``prefix``.*: approved and
    its result signed (by the leader) and issued by the clerk on Thu 23/04/2026 10:00."""
    receiver = "demo.tiepnhan" if agency == THUAN_HOA else "phuxuan.tiepnhan"
    code = received(api, clock, agency, receiver)
    clock.set(vn(2026, 4, 23, 10, 0))
    api.act(f"{prefix}.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act(f"{prefix}.lanhdao", code, "approve")
    api.act(f"{prefix}.vanthu", code, "issue_result", STEP_DATA["issue_result"])
    return code


def results_of(api, code: str) -> list[dict]:
    return [d for d in api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["documents"] if d["kind"] == "result"]


def waiting(api, user: str, code: str) -> list[dict]:
    return [w for w in api.get("/api/v1/signing-requests", user).get_json() if w["dossier"] == code]


def register_last(app, agency_code: str) -> int | None:
    """How far the agency's register of results of 2026 went (None: never used)."""
    with app.extensions["tthc"]["sessions"]() as session:
        agency = agencies.by_code(session, agency_code)
        return session.scalar(select(NumberRegister.last).where(
            NumberRegister.agency_id == agency.id, NumberRegister.kind == "result", NumberRegister.year == 2026))


def test_a_result_the_so_processed_is_reissued_signed_by_the_sos_head_under_the_sos_next_number(api, clock, province):
    code = issued(api, clock, THUAN_HOA, "sotaichinh")
    [first] = results_of(api, code)
    assert first["number"] == "1/GCN-UBND" and first["signatures"][0]["signer"] != WARD_HEAD
    clock.set(vn(2026, 4, 24, 9, 30))
    r = api.post(f"/api/v1/dossiers/{code}/results/reissue", "sotaichinh.vanthu", json={"reason": "Sai tên hộ"})
    assert r.status_code == 201, r.get_json()
    assert waiting(api, "demo.thutruong", code) == []  # not the head of the ward that received it
    [request] = waiting(api, "sotaichinh.thutruong", code)
    assert (request["kind"], request["number"]) == ("reissue", "2/GCN-UBND")
    assert sign_requested(api.client.application, code) == 1
    old, new = results_of(api, code)
    assert (old["state"], new["state"], new["replaces"]) == ("replaced", "signed", old["id"])
    assert new["number"] == "2/GCN-UBND" != old["number"]
    assert [s["signer"] for s in new["signatures"]][0] == SO_HEAD
    assert [s["valid"] for s in new["signatures"]] == [True, True]
    assert register_last(province, SO_TAI_CHINH) == 2 and register_last(province, THUAN_HOA) is None


def test_a_typed_number_other_than_the_registers_next_is_refused_and_takes_nothing(api, clock, province):
    first = issued(api, clock, PHU_XUAN, "phuxuan")  # 1/GCN-UBND
    second = issued(api, clock, PHU_XUAN, "phuxuan")  # 2/GCN-UBND
    assert [d["number"] for d in results_of(api, second)] == ["2/GCN-UBND"]
    clock.set(vn(2026, 4, 24, 9, 30))
    url = f"/api/v1/dossiers/{first}/results/reissue"
    for typed in ("2/GCN-UBND", "4/GCN-UBND", "1/GCN-UBND"):  # another's, one ahead, the replaced one's own
        r = api.post(url, "phuxuan.vanthu", json={"reason": "Sai tên hộ", "number": typed})
        assert r.status_code == 422, (typed, r.get_json())
        assert r.get_json()["error"]["code"] == "document_number_mismatch"
        assert register_last(province, PHU_XUAN) == 2  # the refusal took no number
        assert waiting(api, "phuxuan.thutruong", first) == []
    assert [d["state"] for d in results_of(api, first)] == ["signed"]
    # the register's next, typed or not, is taken: the ward-processed re-issue goes on as before
    r = api.post(url, "phuxuan.vanthu", json={"reason": "Sai tên hộ", "number": "3/GCN-UBND"})
    assert r.status_code == 201, r.get_json()
    [request] = waiting(api, "phuxuan.thutruong", first)
    assert (request["kind"], request["number"]) == ("reissue", "3/GCN-UBND")
    assert sign_requested(api.client.application, first) == 1
    old, new = results_of(api, first)
    assert (old["state"], new["number"], new["signatures"][0]["signer"]) == ("replaced", "3/GCN-UBND", PHU_XUAN_HEAD)
    third = issued(api, clock, PHU_XUAN, "phuxuan")
    assert [d["number"] for d in results_of(api, third)] == ["4/GCN-UBND"]  # no number given twice
