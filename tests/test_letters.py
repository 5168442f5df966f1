"""D20: faults that coincide give one combined apology letter (Mẫu 04), signed and sealed."""
from datetime import datetime
from io import BytesIO

from pypdf import PdfReader

from conftest import CITIZEN, STEP_DATA
from engine.core.clock import VN_TZ

FIRST = {"items": [{"component": "Giấy đề nghị đăng ký hộ kinh doanh", "problem": "Thiếu chữ ký",
                    "required": "Ký và tải lên lại"}]}
SECOND = {"items": [{"component": "Hợp đồng thuê trụ sở", "problem": "Hướng dẫn lần trước chưa nêu",
                     "required": "Bổ sung hợp đồng thuê"}],
          "second_reason": {"kind": "other", "explanation": "Hướng dẫn lần đầu chưa đầy đủ"}}


def at(api, clock, *when) -> None:
    clock.set(datetime(*when, tzinfo=VN_TZ))
    api.tokens.clear()


def test_a_second_request_on_a_late_dossier_gives_one_letter_for_both_faults(api, clock):
    # Filed and received Monday 23/11/2026 09:00; 3 working days with Tuesday 24/11 off (Ngày Văn hóa Việt Nam)
    # → due Friday 27/11/2026 09:00. The first processing-stage request (D10) is free and pauses nothing yet
    # because the citizen answers within the hour; the restart makes the due Friday 27/11 10:00.
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    at(api, clock, 2026, 11, 23, 9, 30)
    api.act("demo.chuyenvien", code, "request_supplement", FIRST)
    at(api, clock, 2026, 11, 23, 10, 0)
    assert api.post(f"/api/v1/dossiers/{code}/supplement", CITIZEN,
                    json={"form": api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["form"]}).status_code == 200
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["due_at"] == "2026-11-27T10:00:00+07:00"
    # Monday 30/11/2026 08:00 the dossier is late, and the specialist must ask again for a reason of kind
    # "other" (D11b): one letter names both faults, signed by the head of agency (processing stage).
    at(api, clock, 2026, 11, 30, 8, 0)
    dossier = api.act("demo.chuyenvien", code, "request_supplement", SECOND)
    assert dossier["supplement_requests"] == 2 and len(dossier["letters"]) == 1
    letter = dossier["letters"][0]
    assert letter["faults"] == ["second_supplement", "overdue"]
    assert letter["signer_role"] == "head_of_agency" and letter["violation"] is True
    document = next(d for d in dossier["documents"] if d["id"] == letter["document"])
    assert [s["valid"] for s in document["signatures"]] == [True, True]
    pdf = api.get(document["url"], CITIZEN)
    text = " ".join(p.extract_text() for p in PdfReader(BytesIO(pdf.data)).pages)
    assert "Hướng dẫn lần đầu chưa đầy đủ" in text and "chưa được giải quyết đúng hạn" in text
    assert code in text and "PHIẾU XIN LỖI" in text


def test_an_extension_letter_is_not_counted_as_a_violation(api, clock):
    # Received Monday 23/11/2026 09:00, due Friday 27/11 09:00; asked Wednesday 25/11 09:00 (two working days
    # before), 1 working day (the cap for 3 days, D18) → new appointment Monday 30/11/2026 09:00.
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    at(api, clock, 2026, 11, 25, 9, 0)
    api.act("demo.chuyenvien", code, "request_extension", {"working_days": 1, "reason": "Cần xác minh thêm"})
    api.act("demo.lanhdao", code, "confirm_extension")
    dossier = api.act("demo.giamdoc", code, "confirm_extension")
    [letter] = dossier["letters"]
    assert letter["faults"] == ["extension"] and letter["violation"] is False
    assert letter["new_due_at"] == dossier["due_at"] == "2026-11-30T09:00:00+07:00"
    assert dossier["original_due_at"] == "2026-11-27T09:00:00+07:00"
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
