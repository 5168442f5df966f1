"""Two things the paper of a desk or postal filing must say right.

D5, D33: a criminal record request (2.000488) the citizen hands in at the Sở Tư pháp's desk (or by post) is handed
to the city police (2.000505); the police's sub-dossier came by that channel too, not by the portal. It was always
"online": the police's figures counted a portal filing nobody made. Its answer still goes back to the Sở.

D30: the processing-control slip's first row is the applicant handing the dossier in to the receiving officer.
For a desk or postal filing it read "Giao: Nộp hồ sơ: Trần Thị Tiếp Nhận — Nhận: Tiếp nhận hồ sơ: Trần Thị Tiếp
Nhận": the officer who registered the paper dossier handed it to herself."""
from __future__ import annotations

import pytest
from conftest import CITIZEN, iso, vn
from lienthong_support import CHILD_CODE, FORM, PARENT_CODE, SO, build_lienthong, officer
from test_official_forms import OWNER_NAME, at, text_of, with_dossier

from engine.cli.demo import POLICE
from engine.paperwork import registers

OWNER = {"full_name": "Trần Thị Bình", "birth_date": "1990-05-06", "cccd": "046190000123"}
RECEIVER, RECEIVER_NAME = "demo.tiepnhan", "Trần Thị Tiếp Nhận"


def _tasks(api, user: str) -> list[dict]:
    return api.get("/api/v1/tasks", user).get_json()


@pytest.mark.parametrize("channel", ["desk", "post"])
def test_a_sub_dossier_comes_by_the_channel_the_citizen_filed_by(app, api, clock, channel):
    """Filed at the Sở's desk (or received by post) Mon 07/12/2026 08:30, received 09:00 and handed to the police
    at once; the police answer Tue 08/12 (proposed 09:00, approved 14:00) and issue Wed 09/12 09:00: the answer
    goes back to the Sở, whose own assessment opens."""
    build_lienthong(app)
    at(api, clock, vn(2026, 12, 7, 8, 30))
    r = api.post("/api/v1/dossiers", officer(SO, "intake"),
                 json={"procedure": PARENT_CODE, "form": FORM, "channel": channel, "owner": OWNER})
    assert r.status_code == 201, r.get_json()
    code = r.get_json()["code"]
    assert r.get_json()["channel"] == channel
    at(api, clock, vn(2026, 12, 7, 9, 0))
    parent = api.act(officer(SO, "intake"), code, "receive")
    [handover] = parent["handovers"]
    assert handover["procedure"] == CHILD_CODE and handover["agency"] == POLICE
    [child] = [t["dossier"] for t in _tasks(api, officer(POLICE, "assessment")) if t["dossier"].startswith(POLICE)]
    sub = api.get(f"/api/v1/dossiers/{child}", officer(POLICE, "assessment")).get_json()
    assert sub["channel"] == channel  # was "online"
    assert sub["received_at"] == iso(2026, 12, 7, 9, 0)

    at(api, clock, vn(2026, 12, 8, 9, 0))
    api.act(officer(POLICE, "assessment"), child, "propose_approval",
            {"ket_qua_tra_cuu": "khong_co_an_tich", "y_kien_tham_dinh": "Không có thông tin án tích"})
    at(api, clock, vn(2026, 12, 8, 14, 0))
    api.act(officer(POLICE, "approval"), child, "approve")
    at(api, clock, vn(2026, 12, 9, 9, 0))
    sub = api.act(officer(POLICE, "signing"), child, "issue_result")
    assert sub["status"] == 10 and sub["returned_at"] == iso(2026, 12, 9, 9, 0)  # back to the Sở
    assert sub["channel"] == channel
    parent = api.get(f"/api/v1/dossiers/{code}", officer(SO, "assessment")).get_json()
    [handover] = parent["handovers"]
    assert handover["returned_at"] == iso(2026, 12, 9, 9, 0) and handover["outcome"] == "approved"
    assert parent["stage"] is None and parent["channel"] == channel
    assert [t["step"] for t in _tasks(api, officer(SO, "assessment")) if t["dossier"] == code] == ["assessment"]
    # the sub-dossier's slip: handed over by the Sở, its result returned to the Sở, never to the citizen
    sub_rows = with_dossier(app, child, lambda session, dossier: registers.handovers(session, dossier))
    assert sub_rows[0].giver.startswith(registers.SENDER) and sub_rows[-1].receiver.startswith(registers.SENDER)


def _first_row(app, api, code: str) -> tuple[str, str, str]:
    [first, *_] = with_dossier(app, code, lambda session, dossier: registers.handovers(session, dossier))
    text = text_of(api.get(f"/api/v1/dossiers/{code}/control-slip", RECEIVER).data)
    return first.giver, first.receiver, text


@pytest.mark.parametrize("channel, giver", [("desk", OWNER["full_name"]),
                                            ("post", f"{OWNER['full_name']} (qua bưu chính)")])
def test_a_paper_filing_s_slip_has_the_applicant_hand_it_to_the_officer(app, api, clock, channel, giver):
    """Registered by the ward's receiving officer Mon 23/11/2026 09:00 (at the desk, or as it came by post) and
    received 09:30: the first hand-over is from the owner to her."""
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(RECEIVER, owner=OWNER, channel=channel)["code"]
    at(api, clock, vn(2026, 11, 23, 9, 30))
    api.act(RECEIVER, code, "receive")
    got, receiver, text = _first_row(app, api, code)
    assert got == f"Nộp hồ sơ: {giver}"  # was "Nộp hồ sơ: Trần Thị Tiếp Nhận"
    assert receiver == f"Tiếp nhận hồ sơ: {RECEIVER_NAME}"
    assert f"Giao: Nộp hồ sơ: {giver}" in text and f"Nộp hồ sơ: {RECEIVER_NAME}" not in text


def test_an_online_filing_s_slip_still_names_the_citizen(app, api, clock):
    at(api, clock, vn(2026, 11, 23, 9, 0))
    code = api.file(CITIZEN)["code"]
    at(api, clock, vn(2026, 11, 23, 9, 30))
    api.act(RECEIVER, code, "receive")
    got, receiver, text = _first_row(app, api, code)
    assert (got, receiver) == (f"Nộp hồ sơ: {OWNER_NAME}", f"Tiếp nhận hồ sơ: {RECEIVER_NAME}")
    assert "qua bưu chính" not in got and f"Giao: Nộp hồ sơ: {OWNER_NAME}" in text
