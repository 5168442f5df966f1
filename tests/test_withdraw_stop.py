"""D16, NĐ 118 Điều 21: withdrawal by the citizen (7) and stop by the one-stop (8) end the clock."""
from io import BytesIO

from pypdf import PdfReader

from conftest import CITIZEN, STEP_DATA

REASON = {"reason": "Người nộp muốn bổ sung giấy tờ khác rồi nộp lại"}


def _text(api, url: str) -> str:
    return " ".join(page.extract_text() for page in PdfReader(BytesIO(api.get(url, CITIZEN).data)).pages)


def test_a_citizen_withdraws_a_dossier_in_processing_and_gets_a_stop_notice(api):
    code = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", code, "receive")
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json=REASON)
    assert r.status_code == 200, r.get_json()
    dossier = api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()  # the notice is made after the commit
    assert dossier["status"] == 7 and dossier["history"][-1]["action"] == "withdraw"
    assert [t for t in api.get("/api/v1/tasks", "demo.chuyenvien").get_json() if t["dossier"] == code] == []
    notice = [d for d in dossier["documents"] if d["kind"] == "stop_notice"]
    assert len(notice) == 1
    text = _text(api, notice[0]["url"])
    assert code in text and "Người nộp muốn bổ sung giấy tờ khác" in text
    again = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json=REASON)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "dossier_closed"


def test_the_one_stop_stops_a_dossier_but_not_one_with_a_result(api):
    code = api.file(CITIZEN)["code"]
    r = api.post(f"/api/v1/dossiers/{code}/stop", "demo.tiepnhan", json=REASON)
    assert r.status_code == 200 and r.get_json()["status"] == 8
    done = api.file(CITIZEN)["code"]
    api.act("demo.tiepnhan", done, "receive")
    api.act("demo.chuyenvien", done, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", done, "approve")
    api.act("demo.vanthu", done, "issue_result", STEP_DATA["issue_result"])
    late = api.post(f"/api/v1/dossiers/{done}/stop", "demo.tiepnhan", json=REASON)
    assert late.status_code == 409
    assert api.get(f"/api/v1/dossiers/{done}", CITIZEN).get_json()["status"] == 9


def test_a_withdrawal_needs_a_reason(api):
    code = api.file(CITIZEN)["code"]
    r = api.post(f"/api/v1/dossiers/{code}/withdraw", CITIZEN, json={})
    assert r.status_code == 422 and "reason" in r.get_json()["error"]["fields"]
    assert api.get(f"/api/v1/dossiers/{code}", CITIZEN).get_json()["status"] == 1
