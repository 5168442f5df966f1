"""D12 holds for a second supplement request too: "During processing, the agency must raise a supplement request
within 3 working days of receiving the dossier" (D11 says when a second request is allowed, not that D12 stops
applying). The window opens when the agency holds the complete dossier: its receipt, or the arrival of the
supplement the processing stage asked for (the processing clock restarts then).

Timeline (Vietnam time, 2027, the sample procedure of 5 working days, the default calendar):
- A: filed Mon 25/01 09:00; the one-stop asks for a supplement 09:30 (the first request, at intake); supplemented
  10:00; received 10:30: the window ends Thu 28/01 10:30. The specialist asks again (a second request, reason
  "other") Wed 03/02 09:00: refused (D12); it was allowed, with an apology letter.
- B: received Mon 25/01 09:00; the specialist asks Tue 26/01 09:00 (the first request, in processing); the
  citizen supplements Thu 28/01 09:00 and part is still missing: the specialist asks again naming the unmet item
  Tue 02/02 09:00 (3 working days after the arrival: allowed) — and in a second dossier, Wed 03/02 09:01
  (past Tue 02/02 09:00: refused).
"""
from __future__ import annotations

from conftest import CITIZEN, SAMPLE_FORM, STEP_DATA, vn

REQ = STEP_DATA["request_supplement"]
FIRST_ITEM = REQ["items"][0]["component"]
OTHER = {"kind": "other", "explanation": "Lần trước hướng dẫn chưa rõ"}
NOT_DONE = {"kind": "applicant_not_compliant", "unmet_items": [FIRST_ITEM], "explanation": "Vẫn chưa ký"}


def act(api, clock, when, user, code, action, data=None, status=200):
    clock.set(when)
    api.tokens.clear()  # tokens expire across the days
    return api.act(user, code, action, data, status)


def supplement(api, clock, when, code) -> None:
    clock.set(when)
    api.tokens.clear()
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": SAMPLE_FORM})
    assert r.status_code == 200, r.get_json()


def test_a_second_request_in_processing_a_week_after_the_receipt_is_refused(api, clock):
    clock.set(vn(2027, 1, 25, 9, 0))
    code = api.file(CITIZEN)["code"]
    act(api, clock, vn(2027, 1, 25, 9, 30), "demo.tiepnhan", code, "request_supplement", REQ)
    supplement(api, clock, vn(2027, 1, 25, 10, 0), code)
    act(api, clock, vn(2027, 1, 25, 10, 30), "demo.tiepnhan", code, "receive")
    refused = act(api, clock, vn(2027, 2, 3, 9, 0), "demo.chuyenvien", code, "request_supplement",
                  {**REQ, "second_reason": OTHER}, status=422)
    assert refused["error"]["rule"] == "D12", refused
    shown = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()
    assert shown["status"] != 5 and not [d for d in shown["documents"] if d["kind"] == "apology"]


def _asked_in_processing_and_supplemented(api, clock) -> str:
    clock.set(vn(2027, 1, 25, 9, 0))
    code = api.file(CITIZEN)["code"]
    act(api, clock, vn(2027, 1, 25, 9, 0), "demo.tiepnhan", code, "receive")
    act(api, clock, vn(2027, 1, 26, 9, 0), "demo.chuyenvien", code, "request_supplement", REQ)
    supplement(api, clock, vn(2027, 1, 28, 9, 0), code)
    return code


def test_a_second_request_counts_its_window_from_the_supplements_arrival(api, clock):
    code = _asked_in_processing_and_supplemented(api, clock)
    after = act(api, clock, vn(2027, 2, 2, 9, 0), "demo.chuyenvien", code, "request_supplement",
                {**REQ, "second_reason": NOT_DONE})
    assert after["status"] == 5
    late = _asked_in_processing_and_supplemented(api, clock)
    refused = act(api, clock, vn(2027, 2, 3, 9, 1), "demo.chuyenvien", late, "request_supplement",
                  {**REQ, "second_reason": NOT_DONE}, status=422)
    assert refused["error"]["rule"] == "D12", refused
