"""D30: the processing-control slip of a desk (or postal) dossier whose supplement the receiving officer recorded.

D5, D10: a dossier filed at the desk or by post is supplemented the way it came: the applicant brings (or posts)
the paper back to the one-stop, whose receiving officer records it. The dossier went to the applicant and came
back from her, as an online dossier goes to the citizen and back; the slip read "Bổ sung hồ sơ (giai đoạn xử lý):
Trần Thị Tiếp Nhận" both ways, the officer who only recorded it.

Wed 03/02/2027 10:00 the dossier of Trần Thị Bình recorded at the desk (or as it came by post) and received; Thu
11/02 09:00 (after Tết) the specialist asks for a supplement; Fri 12/02 09:00 the receiving officer records the
paper brought back; Mon 15/02 09:00 the specialist proposes the approval.
"""
from __future__ import annotations

import pytest

from conftest import SAMPLE_FORM, STEP_DATA, vn
from test_official_forms import at, text_of
from test_records_control_slip import slip_rows
from test_statistics import OWNER, pki_2027, settings  # noqa: F401  (keys valid in 2027)

RECEIVER, RECEIVER_NAME = "demo.tiepnhan", "Trần Thị Tiếp Nhận"
SPECIALIST, SPECIALIST_NAME = "demo.chuyenvien", "Lê Văn Chuyên"
ASSESS, SUPPLEMENT = "Thẩm định hồ sơ", "Bổ sung hồ sơ (giai đoạn xử lý)"


@pytest.mark.parametrize("channel, applicant", [("desk", OWNER["full_name"]),
                                                ("post", f"{OWNER['full_name']} (qua bưu chính)")])
def test_the_supplement_recorded_at_the_desk_goes_to_and_comes_from_the_applicant(api, app, clock, channel,
                                                                                   applicant):
    at(api, clock, vn(2027, 2, 3, 10, 0))
    code = api.file(RECEIVER, owner=OWNER, channel=channel)["code"]
    api.act(RECEIVER, code, "receive")
    at(api, clock, vn(2027, 2, 11, 9, 0))
    api.act(SPECIALIST, code, "request_supplement", STEP_DATA["request_supplement"])
    at(api, clock, vn(2027, 2, 12, 9, 0))
    r = api.post(f"/api/v1/dossiers/{code}/supplement", RECEIVER, json={"form": SAMPLE_FORM})
    assert r.status_code == 200, r.get_json()
    at(api, clock, vn(2027, 2, 15, 9, 0))
    api.act(SPECIALIST, code, "propose_approval", STEP_DATA["propose_approval"])
    rows = [(giver, receiver, when) for giver, receiver, when, _due, _result in slip_rows(app, code)]
    assert rows[2:4] == [
        (f"{ASSESS}: {SPECIALIST_NAME}", f"{SUPPLEMENT}: {applicant}", vn(2027, 2, 11, 9, 0)),
        (f"{SUPPLEMENT}: {applicant}", f"{ASSESS}: {SPECIALIST_NAME}", vn(2027, 2, 12, 9, 0))]
    text = text_of(api.get(f"/api/v1/dossiers/{code}/control-slip", RECEIVER).data)  # Mẫu 06
    assert f"Giao: {SUPPLEMENT}: {applicant}" in text and f"Nhận: {SUPPLEMENT}: {applicant}" in text
    assert f"{SUPPLEMENT}: {RECEIVER_NAME}" not in text
    assert f"ghi nhận: {RECEIVER_NAME}" in text  # who recorded the paper, in the row's note
