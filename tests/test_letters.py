"""D20: faults that coincide give one combined apology letter (Mẫu 04), signed and sealed."""
from datetime import datetime
from io import BytesIO

from pypdf import PdfReader

from conftest import CITIZEN, STEP_DATA
from test_deadline_words import deploy
from engine.core.clock import VN_TZ

FIRST = {"items": [{"component": "Giấy đề nghị đăng ký hộ kinh doanh", "problem": "Thiếu chữ ký",
                    "required": "Ký và tải lên lại"}]}
SECOND = {"items": [{"component": "Hợp đồng thuê hoặc giấy tờ chứng minh quyền sử dụng chỗ ở làm trụ sở hộ kinh doanh",
                     "problem": "Hướng dẫn lần trước chưa nêu",
                     "required": "Bổ sung hợp đồng thuê"}],
          "second_reason": {"kind": "other", "explanation": "Hướng dẫn lần đầu chưa đầy đủ"}}


def at(api, clock, *when) -> None:
    clock.set(datetime(*when, tzinfo=VN_TZ))
    api.tokens.clear()


def test_a_second_request_on_a_late_dossier_gives_one_letter_for_both_faults(api, clock):
    # A procedure of 2 working days (the sample's next version): filed and received Monday 23/11/2026 09:00, with
    # Tuesday 24/11 off (Ngày Văn hóa Việt Nam) → due Thursday 26/11/2026 09:00. The first processing-stage request
    # (D10) is free; the citizen answers within the hour; the restart makes the due Thursday 26/11 10:00, and the
    # agency may ask again until Friday 27/11 10:00 (3 working days from the complete dossier, D12).
    deploy(api, duration="2")
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    at(api, clock, 2026, 11, 23, 9, 30)
    api.act("demo.chuyenvien", code, "request_supplement", FIRST)
    at(api, clock, 2026, 11, 23, 10, 0)
    assert api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN,
                    json={"form": api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["form"]}).status_code == 200
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == "2026-11-26T10:00:00+07:00"
    # Friday 27/11/2026 08:00 the dossier is late, and the specialist must ask again for a reason of kind
    at(api, clock, 2026, 11, 27, 8, 0)
    dossier = api.act("demo.chuyenvien", code, "request_supplement", SECOND)
    # "other" (D11b): one letter names both faults, signed by the head of agency (processing stage).
    assert dossier["supplement_requests"] == 2 and len(dossier["letters"]) == 1
    letter = dossier["letters"][0]
    assert letter["faults"] == ["second_supplement", "overdue"]
    assert letter["signer_role"] == "head_of_agency" and letter["violation"] is True
    document = next(d for d in dossier["documents"] if d["id"] == letter["document"])
    assert [s["valid"] for s in document["signatures"]] == [True, True]
    text = _letter_text(api, dossier, letter)
    assert "Hướng dẫn lần đầu chưa đầy đủ" in text and "chưa được giải quyết đúng hạn" in text
    assert code in text and "PHIẾU XIN LỖI" in text


def test_an_extension_letter_is_not_counted_as_a_violation(api, clock):
    # Received Monday 23/11/2026 09:00, due Friday 27/11 09:00; asked Wednesday 25/11 09:00 (two working days
    # before), 1 working day (the cap for 3 days, D18) → new appointment Monday 30/11/2026 09:00.
    dossier = _extended_by_a_day(api, clock)
    code = dossier["code"]
    [letter] = dossier["letters"]
    assert letter["faults"] == ["extension"] and letter["violation"] is False
    assert letter["new_due_at"] == dossier["due_at"] == "2026-11-30T09:00:00+07:00"
    assert dossier["original_due_at"] == "2026-11-27T09:00:00+07:00"
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])


def _extended_by_a_day(api, clock) -> dict:
    """Filed and received Monday 23/11/2026 09:00 (due Friday 27/11 09:00); 1 working day of extension (the cap
    for 3 days, D18) asked Wednesday 25/11 09:00 and confirmed by the leader and the centre (D17)."""
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    at(api, clock, 2026, 11, 25, 9, 0)
    api.act("demo.chuyenvien", code, "request_extension", {"working_days": 1, "reason": "Cần xác minh thêm"})
    api.act("demo.lanhdao", code, "confirm_extension")
    return api.act("demo.giamdoc", code, "confirm_extension")


def _letter_text(api, dossier: dict, letter: dict) -> str:
    document = next(d for d in dossier["documents"] if d["id"] == letter["document"])
    pdf = api.get(document["url"], CITIZEN)
    return " ".join(" ".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages).split())


def test_a_ward_s_head_signs_the_apology_for_its_people_s_committee_as_its_chairman(api, clock):
    # D20, D34 (NĐ 30/2020): the letter is signed by the head of the at-fault unit, here the ward's People's
    # Committee: "TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH" as on its results, not the engine's "THỦ TRƯỞNG CƠ QUAN".
    # Received Monday 23/11/2026 09:00 (3 working days, Tuesday 24/11 off) → due Friday 27/11 09:00; an extension
    # of 1 working day asked Wednesday 25/11 09:00 → new appointment Monday 30/11/2026 09:00.
    dossier = _extended_by_a_day(api, clock)
    [letter] = dossier["letters"]
    text = _letter_text(api, dossier, letter)
    assert "TM. ỦY BAN NHÂN DÂN CHỦ TỊCH" in text, text
    assert "THỦ TRƯỞNG CƠ QUAN" not in text
    assert "Ngày hẹn trả kết quả mới: 09 giờ 00 phút, ngày 30/11/2026" in text


def test_a_second_request_s_letter_says_how_the_new_appointment_is_set(api, clock):
    # D11b, D12, D20: received Monday 23/11/2026 09:00, due Friday 27/11 09:00 (Tuesday 24/11 off); the first
    # request at 09:30 answered at 10:00 restarts the 3 working days (due Friday 27/11 10:00). Wednesday 25/11
    # 09:00 the specialist asks again for a reason of kind "other": the letter cannot give a date (the clock
    # restarts when the citizen sends the completed dossier, NĐ 61), so it says how the date is fixed; sent
    # Thursday 26/11/2026 14:00, the dossier is due 3 working days later, Tuesday 01/12/2026 14:00.
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    at(api, clock, 2026, 11, 23, 9, 30)
    api.act("demo.chuyenvien", code, "request_supplement", FIRST)
    at(api, clock, 2026, 11, 23, 10, 0)
    form = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["form"]
    assert api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": form}).status_code == 200
    at(api, clock, 2026, 11, 25, 9, 0)
    dossier = api.act("demo.chuyenvien", code, "request_supplement", SECOND)
    [letter] = dossier["letters"]
    assert letter["faults"] == ["second_supplement"] and letter["new_due_at"] is None
    text = _letter_text(api, dossier, letter)
    assert "Ngày hẹn trả kết quả mới: được tính lại đủ 3 ngày làm việc kể từ khi nhận đủ hồ sơ bổ sung." in text, text
    at(api, clock, 2026, 11, 26, 14, 0)
    r = api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": form})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["due_at"] == "2026-12-01T14:00:00+07:00"


def test_a_second_request_at_intake_is_signed_by_the_centre_director_not_as_the_ward_s_chairman(api, clock):
    # D11b: a second request at intake for the one-stop's own fault is apologised for by the centre director
    # (QĐ 88/2017 Điều 13 k2), who is not the chairman of the ward's People's Committee; the dossier is not
    # received yet, so the appointment is the one the receipt (Mẫu 01) will give.
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "request_supplement", FIRST)
    at(api, clock, 2026, 11, 23, 10, 0)
    form = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["form"]
    assert api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN, json={"form": form}).status_code == 200
    at(api, clock, 2026, 11, 23, 11, 0)
    dossier = api.act("demo.tiepnhan", code, "request_supplement", SECOND)
    [letter] = dossier["letters"]
    assert letter["signer_role"] == "centre_director"
    text = _letter_text(api, dossier, letter)
    assert "GIÁM ĐỐC TRUNG TÂM" in text and "CHỦ TỊCH" not in text, text
    assert ("Ngày hẹn trả kết quả mới: ghi trên Giấy tiếp nhận hồ sơ và hẹn trả kết quả khi hồ sơ bổ sung "
            "được tiếp nhận") in text, text
