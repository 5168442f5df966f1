from conftest import CITIZEN, STEP_DATA


def test_a_dossier_goes_from_filing_to_returned(api):
    dossier = api.file(CITIZEN)
    code = dossier["code"]
    assert dossier["status"] == 1
    assert api.act("demo.tiepnhan", code, "receive")["status"] == 4
    api.act("demo.chuyenvien", code, "propose_approval", STEP_DATA["propose_approval"])
    api.act("demo.lanhdao", code, "approve")
    assert api.act("demo.vanthu", code, "issue_result", STEP_DATA["issue_result"])["status"] == 9
    final = api.act("demo.tiepnhan", code, "return_result", STEP_DATA["return_result"])
    assert final["status"] == 10
    assert [h["status"] for h in final["history"]] == [1, 2, 4, 4, 4, 9, 10]
